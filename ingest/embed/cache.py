"""Embedding cache: SQLite (WAL) keyed by embedder name + sha256 of the exact embedded text, float32 blobs."""
from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ingest.embed.embedders import Embedder

BATCH_SIZE = 16
# test hook: seconds to sleep after each batch of the build loop, so a kill -9 can land mid-build
SLOW_ENV = "EXPORT_BOT_TEST_SLOW_EMBED"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    embedder TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (embedder, text_sha256)
) WITHOUT ROWID
"""


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Several processes (parallel test runs, an ingest beside a bench) may share one file safely."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # autocommit; every write is its own short transaction so other writers wait only briefly
        self._db = sqlite3.connect(self.path, timeout=60.0, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA busy_timeout = 60000")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.execute(_SCHEMA)

    def get_many(self, embedder_name: str, texts: list[str]) -> dict[int, np.ndarray]:
        """Cached vectors by position in `texts`; misses are simply absent."""
        wanted: dict[str, list[int]] = {}
        for position, text in enumerate(texts):
            wanted.setdefault(text_key(text), []).append(position)
        found: dict[int, np.ndarray] = {}
        keys = list(wanted)
        for start in range(0, len(keys), 500):  # stay under SQLite's bound-parameter limit
            part = keys[start:start + 500]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT text_sha256, dim, vector FROM vectors WHERE embedder = ? AND text_sha256 IN ({marks})",
                [embedder_name, *part],
            ).fetchall()
            for key, dim, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape != (dim,):
                    continue  # a torn row is a miss, not garbage
                for position in wanted[key]:
                    found[position] = vector
        return found

    def put_many(self, embedder_name: str, texts: list[str], vectors: np.ndarray) -> None:
        rows = [
            (embedder_name, text_key(text), int(vector.shape[0]), np.asarray(vector, dtype=np.float32).tobytes())
            for text, vector in zip(texts, vectors, strict=True)
        ]
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)

    def count(self, embedder_name: str | None = None) -> int:
        if embedder_name is None:
            return int(self._db.execute("SELECT count(*) FROM vectors").fetchone()[0])
        return int(self._db.execute("SELECT count(*) FROM vectors WHERE embedder = ?", [embedder_name]).fetchone()[0])

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "EmbeddingCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def embed_cached(
    embedder: Embedder,
    cache: EmbeddingCache,
    texts: list[str],
) -> tuple[np.ndarray, int]:
    """Vectors for `texts` (n, dim), embedding only cache misses; returns (vectors, number embedded)."""
    vectors = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    hits = cache.get_many(embedder.name, texts)
    for position, vector in hits.items():
        vectors[position] = vector
    misses = [position for position in range(len(texts)) if position not in hits]
    if misses:
        miss_texts = [texts[position] for position in misses]
        fresh = embedder.embed_passages(miss_texts)
        cache.put_many(embedder.name, miss_texts, fresh)
        vectors[misses] = fresh
    return vectors, len(misses)


def embed_in_batches(
    embedder: Embedder,
    cache: EmbeddingCache,
    texts: list[str],
    on_batch: Callable[[int, np.ndarray, int], None],
    batch_size: int = BATCH_SIZE,
) -> int:
    """Embeds batch by batch, calling on_batch(start, vectors, embedded_so_far) after each; returns total embedded."""
    slow = float(os.environ.get(SLOW_ENV, "0") or 0)
    embedded = 0
    for start in range(0, len(texts), batch_size):
        vectors, fresh = embed_cached(embedder, cache, texts[start:start + batch_size])
        embedded += fresh
        on_batch(start, vectors, embedded)
        if slow > 0:
            time.sleep(slow)
    return embedded
