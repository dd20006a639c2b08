from pathlib import Path

from ingest.config import IndexConfig


def test_from_env_reads_prefixed_values_and_types():
    config = IndexConfig.from_env({
        "EXPORT_BOT_EMBEDDER": "sentence-transformers:/models/x",
        "EXPORT_BOT_CHUNK_CHARS": "320",
        "EXPORT_BOT_EMBED_CACHE": "/tmp/cache.sqlite",
        "UNRELATED": "1",
    })
    assert config.embedder == "sentence-transformers:/models/x"
    assert config.chunk_chars == 320
    assert config.embed_cache == Path("/tmp/cache.sqlite")
    assert config.store == "embedded"


def test_from_env_without_values_gives_defaults():
    assert IndexConfig.from_env({}) == IndexConfig()
