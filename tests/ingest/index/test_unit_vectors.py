"""Every answer unit of every chunk gets its own vector in the generation, looked up by chunk."""
from __future__ import annotations

import numpy as np

from ingest.embed.embedders import make_embedder
from ingest.index.build import build_index
from ingest.index.generations import read_current
from ingest.index.unit_vectors import UNITS_DIR, UnitVectors, unit_texts
from ingest.index.reader import IndexReader


def test_each_unit_has_a_vector_matching_its_own_text(tmp_path, small_corpus_dir, index_config):
    index_dir = tmp_path / "index"
    report = build_index([small_corpus_dir], index_dir, index_config)
    reader = IndexReader.open(index_dir)
    units = UnitVectors.open(index_dir / read_current(index_dir) / UNITS_DIR)
    assert units is not None
    chunks = list(reader.chunks.values())
    assert report.units == sum(len(unit_texts(c)) for c in chunks) > len(chunks)
    embedder = make_embedder(index_config.embedder)
    chunk = max(chunks, key=lambda c: len(unit_texts(c)))
    vectors = units.of(chunk.chunk_id)
    assert vectors is not None and len(vectors) == len(unit_texts(chunk))
    expected = np.asarray(embedder.embed_passages(unit_texts(chunk)), dtype=np.float32)
    assert np.allclose(vectors, expected, atol=2e-3)  # float16 storage
