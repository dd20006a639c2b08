"""Answer-unit vectors of a generation: one e5 passage vector per unit, in a float16 array beside the lexical sidecar.

An array, not a second Chroma collection: the answerer never searches units across the index, it
only looks up the units of the few chunks retrieval returned, so a row range per chunk is all it
needs, and float16 halves the memory a collection of float32 vectors would hold.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.embed.cache import EmbeddingCache, embed_in_batches
from ingest.embed.embedders import Embedder
from ingest.models import Chunk
from ingest.text.units import answer_units, unit_text

UNITS_DIR = "units"
VECTORS_FILE = "vectors.npy"
OFFSETS_FILE = "offsets.json"


@dataclass(frozen=True)
class UnitStats:
    units: int
    embedded: int  # cache misses
    seconds: float

    @property
    def per_second(self) -> float:
        return self.units / self.seconds if self.seconds > 0 else 0.0


def unit_texts(chunk: Chunk) -> list[str]:
    """What each unit of a chunk is embedded as: the chunk's heading line, then the unit (after its lead)."""
    units = answer_units(chunk.text)
    head = chunk.indexed_text.split("\n", 1)[0]
    return [f"{head}\n{unit_text(u, units)}" for u in units]


def write_unit_vectors(target: Path, chunks: list[Chunk], embedder: Embedder, cache: EmbeddingCache) -> UnitStats:
    """Embed every unit of every chunk (cache first) and write the array and each chunk's row range."""
    started = time.monotonic()
    texts: list[str] = []
    offsets: dict[str, list[int]] = {}
    for chunk in chunks:
        own = unit_texts(chunk)
        offsets[chunk.chunk_id] = [len(texts), len(own)]
        texts.extend(own)
    parts: list[np.ndarray] = []
    embedded = embed_in_batches(embedder, cache, texts, lambda _start, vectors, _n: parts.append(vectors))
    vectors = np.concatenate(parts).astype(np.float16) if parts else np.zeros((0, embedder.dim), np.float16)
    target.mkdir(parents=True, exist_ok=True)
    np.save(target / VECTORS_FILE, vectors)
    (target / OFFSETS_FILE).write_text(json.dumps(offsets), encoding="utf-8")
    return UnitStats(len(texts), embedded, time.monotonic() - started)


class UnitVectors:
    """Read side: the unit vectors of one chunk, memory-mapped."""

    def __init__(self, vectors: np.ndarray, offsets: dict[str, list[int]]):
        self.vectors = vectors
        self.offsets = offsets

    @classmethod
    def open(cls, folder: Path) -> "UnitVectors | None":
        """None for a generation written before unit vectors existed."""
        if not (folder / VECTORS_FILE).exists():
            return None
        offsets = json.loads((folder / OFFSETS_FILE).read_text(encoding="utf-8"))
        return cls(np.load(folder / VECTORS_FILE, mmap_mode="r"), offsets)

    def of(self, chunk_id: str) -> np.ndarray | None:
        span = self.offsets.get(chunk_id)
        if span is None:
            return None
        start, count = span
        return np.asarray(self.vectors[start:start + count], dtype=np.float32)
