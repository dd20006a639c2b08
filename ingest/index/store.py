"""The dense half of a generation: a Chroma collection in the generation's own directory, cosine space.

Vectors are always passed explicitly (add and query); the collection also carries our embedding function
so that no code path can make Chroma instantiate its default model.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from ingest.config import IndexConfig
from ingest.embed.embedders import ChromaEmbeddingAdapter, Embedder
from ingest.models import Chunk, public_only

COLLECTION = "chunks"
CHROMA_DIR = "chroma"


STORE_MODES = ("embedded", "server")


def require_known_store(config: IndexConfig) -> None:
    """embedded (PersistentClient in the generation dir) or server (HttpClient, ingest/index/server_store.py)."""
    if config.store not in STORE_MODES:
        raise ValueError(
            f"ストア種別「{config.store}」には対応していません（embedded または server） / "
            f"unknown store {config.store!r}; use 'embedded' or 'server'"
        )


# Any, not chromadb.api.ClientAPI: Chroma's stubs type embedding_function as an invariant EmbeddingFunction[Embeddable]
# that our EmbeddingFunction[Documents] adapter does not match, and leave out the clients' close()
def _client(chroma_dir: Path) -> Any:
    return chromadb.PersistentClient(
        path=str(chroma_dir),
        settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False),
    )


def chunk_metadata(chunk: Chunk) -> dict[str, str | int]:
    """What Chroma can filter on; the full chunk lives in chunks.jsonl."""
    return {"doc_id": chunk.doc_id, "audience": chunk.audience, "kind": chunk.kind, "ordinal": chunk.ordinal}


def audience_where(audience: str | None, kinds: list[str] | None = None) -> dict[str, Any] | None:
    """"public" → public chunks only; "internal" or None → everything; kinds narrows further."""
    clauses: list[dict[str, Any]] = []
    if public_only(audience):
        clauses.append({"audience": "public"})
    if kinds:
        clauses.append({"kind": {"$in": list(kinds)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


# Chroma's defaults (ef 100, a graph built on every core) lost up to 4 of the 40 nearest chunks of 444 and lost
# different ones in different processes, so answers changed from run to run (docs/ingest.md): one insertion thread
# makes the graph the same every time, and a wider search and build make it near-exact at this size.
HNSW_CONFIGURATION: dict[str, Any] = {
    "hnsw": {"space": "cosine", "ef_construction": 200, "ef_search": 200, "max_neighbors": 32, "num_threads": 1},
}


class ChromaStore:
    def __init__(self, chroma_dir: Path, embedder: Embedder, create: bool) -> None:
        self.chroma_dir = chroma_dir
        self.embedder = embedder
        self._client = _client(chroma_dir)
        adapter = ChromaEmbeddingAdapter(embedder)
        if create:
            self.collection = self._client.create_collection(
                COLLECTION,
                embedding_function=adapter,
                configuration=HNSW_CONFIGURATION,
                metadata={"embedder": embedder.name, "dim": embedder.dim},
            )
        else:
            self.collection = self._client.get_collection(COLLECTION, embedding_function=adapter)

    @classmethod
    def create(cls, chroma_dir: Path, embedder: Embedder) -> "ChromaStore":
        return cls(chroma_dir, embedder, create=True)

    @classmethod
    def open(cls, chroma_dir: Path, embedder: Embedder) -> "ChromaStore":
        return cls(chroma_dir, embedder, create=False)

    def add(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        limit = max(1, int(self._client.get_max_batch_size()))
        for start in range(0, len(chunks), limit):
            part = chunks[start:start + limit]
            self.collection.add(
                ids=[chunk.chunk_id for chunk in part],
                embeddings=np.asarray(vectors[start:start + limit], dtype=np.float32),
                metadatas=[chunk_metadata(chunk) for chunk in part],
                documents=[chunk.text for chunk in part],
            )

    def delete(self, chunk_ids: list[str]) -> None:
        if chunk_ids:
            self.collection.delete(ids=list(chunk_ids))

    def ids(self) -> list[str]:
        return list(self.collection.get(include=[])["ids"])

    def count(self) -> int:
        return int(self.collection.count())

    def query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity), best first."""
        if k <= 0:
            return []
        result = self.collection.query(
            query_embeddings=np.asarray(vector, dtype=np.float32).reshape(1, -1),
            n_results=k,
            where=where,
            include=["distances"],
        )
        ids = result["ids"][0]
        distances = result["distances"][0] if result.get("distances") else [1.0] * len(ids)
        # Chroma's cosine distance is 1 - cosine similarity
        return [(chunk_id, 1.0 - float(distance)) for chunk_id, distance in zip(ids, distances)]

    def ping(self) -> None:
        """A cheap call that fails when the store cannot answer queries (used by /api/ready)."""
        self.collection.count()

    def close(self) -> None:
        try:
            self._client.close()
        except Exception:  # closing twice or after a failed open must not mask the real error
            pass
