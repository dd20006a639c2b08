"""Eval test rig: the assistant's services over the knowledge + strategy index."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings


@pytest.fixture(scope="session")
def eval_services(knowledge_index_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    from bot.services import build_services

    tmp = tmp_path_factory.mktemp("eval")
    return build_services(Settings(_env_file=None, index_dir=knowledge_index_dir, curated_answers_path=tmp / "curated.jsonl"))
