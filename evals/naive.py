"""The naive LangChain recipe as a baseline: 1000/200 character splits of the raw files, Chroma, top chunk."""
from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import chromadb
import numpy as np
from langchain_text_splitters import RecursiveCharacterTextSplitter

from bot.models import Answer, RetrievedChunk
from evals.runner import AnswerFn, result_row

if TYPE_CHECKING:
    from ingest import Embedder, EmbeddingCache


class NaiveBaseline:
    """Raw text in, no normalization, no sections, no glossary, no abstention: what a tutorial builds."""

    def __init__(self, files: list[Path], embedder: Embedder, cache: EmbeddingCache | None = None, k: int = 5):
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        self.embedder = embedder
        self.k = k
        self.texts: list[str] = []
        self.sources: list[str] = []
        for path in files:
            raw = Path(path).read_text(encoding="utf-8", errors="replace")
            for piece in splitter.split_text(raw):
                self.texts.append(piece)
                self.sources.append(Path(path).name)
        vectors = self._embed(self.texts, cache)
        client = chromadb.EphemeralClient()
        self.collection = client.create_collection(
            f"naive_{int(time.time() * 1000)}", embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        ids = [str(i) for i in range(len(self.texts))]
        for start in range(0, len(ids), 500):
            self.collection.add(
                ids=ids[start:start + 500],
                embeddings=vectors[start:start + 500].tolist(),
                documents=self.texts[start:start + 500],
            )

    def _embed(self, texts: list[str], cache: EmbeddingCache | None) -> np.ndarray:
        """Embed through the shared content-hash cache (ingest.embed.cache.EmbeddingCache) when given."""
        if cache is None:
            return np.asarray(self.embedder.embed_passages(texts), dtype=np.float32)
        found = cache.get_many(self.embedder.name, texts)
        missing = [i for i in range(len(texts)) if i not in found]
        for start in range(0, len(missing), 16):
            batch = missing[start:start + 16]
            vectors = np.asarray(self.embedder.embed_passages([texts[i] for i in batch]), dtype=np.float32)
            cache.put_many(self.embedder.name, [texts[i] for i in batch], vectors)
            found.update(zip(batch, vectors))
        return np.stack([found[i] for i in range(len(texts))]).astype(np.float32)

    def ask(self, question: str) -> Answer:
        started = time.perf_counter()
        query = np.asarray(self.embedder.embed_query(question), dtype=np.float32)
        found = self.collection.query(query_embeddings=[query.tolist()], n_results=self.k)
        ids = [int(i) for i in found["ids"][0]]
        assert found["distances"] is not None  # Chroma returns distances unless `include` leaves them out
        distances = found["distances"][0]
        retrieved = [
            RetrievedChunk(chunk_id=str(i), doc_id=self.sources[i], title=self.sources[i], section="",
                           text=self.texts[i], score=round(1 - d, 6))
            for i, d in zip(ids, distances)
        ]
        top = retrieved[0].text if retrieved else ""
        return Answer(text=top, retrieved=retrieved, latency_ms=round((time.perf_counter() - started) * 1000, 2))


def naive_answer_fn(baseline: NaiveBaseline) -> AnswerFn:
    def answer(item: dict) -> dict:
        return result_row(item, baseline.ask(item["question"]))

    return answer
