"""Chain test rig: real services (embedder, live index, chain) over the small and the knowledge indexes."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings


@pytest.fixture(scope="session")
def small_services(small_index_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    from bot.services import build_services

    tmp = tmp_path_factory.mktemp("chain-small")
    return build_services(Settings(_env_file=None, index_dir=small_index_dir, curated_answers_path=tmp / "curated.jsonl"))


@pytest.fixture(scope="session")
def knowledge_services(knowledge_index_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    from bot.services import build_services

    tmp = tmp_path_factory.mktemp("chain-knowledge")
    return build_services(Settings(_env_file=None, index_dir=knowledge_index_dir, curated_answers_path=tmp / "curated.jsonl"))


@pytest.fixture
def fresh_curated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Gives a session's services an empty curated store in this test's tmp_path for this test only, so a curated
    answer one test adds can never answer another test's question (the session's store is put back afterwards)."""
    from bot.curated import CuratedAnswerStore

    def swap(services) -> CuratedAnswerStore:
        store = CuratedAnswerStore(tmp_path / "curated.jsonl", services.curated.embed_query)
        monkeypatch.setattr(services, "curated", store)
        monkeypatch.setattr(services.chain, "curated", store)
        return store

    return swap


@pytest.fixture
def small_curated(small_services, fresh_curated):
    """The small services' curated store, empty and private to this test."""
    return fresh_curated(small_services)
