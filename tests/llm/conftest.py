"""The real-server tier: a llama.cpp server that `make test-llm` (scripts/llm/test_llm.sh) started on loopback."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.settings import Settings


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(__file__).parent in Path(item.fspath).parents:
            item.add_marker(pytest.mark.llm_server)


@pytest.fixture(scope="session")
def llm_url() -> str:
    url = os.environ.get("EXPORT_BOT_LLM_TEST_URL")
    if not url:
        pytest.fail("no LLM server: run these tests with `make test-llm`, which starts one", pytrace=False)
    return url


@pytest.fixture
def llm_settings(small_index_dir: Path, tmp_path: Path, llm_url: str):
    def make(**overrides) -> Settings:
        values = dict(
            _env_file=None, index_dir=small_index_dir, curated_answers_path=tmp_path / "curated.jsonl",
            feedback_db=tmp_path / "feedback.sqlite3", answerer="llm", llm_base_url=llm_url,
            llm_model="gemma-3-270m", llm_timeout_seconds=60.0, rate_limit_per_minute=100000,
        )
        return Settings(**{**values, **overrides})

    return make
