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
