"""Console test rig: the real app over the real services, with this test's own log, feedback file and curated store."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.chain import AssistantChain
from bot.consultation_log import ConsultationLog
from bot.curated import CuratedAnswerStore
from bot.settings import Settings
from tests.bot.web.conftest import COORDINATOR_TOKEN

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def own_services(shared, tmp_path: Path):
    """The shared embedder and index, with stores of this test only (a curated answer written here stays here)."""
    curated = CuratedAnswerStore(tmp_path / "curated.jsonl", shared.embedder.embed_query)
    chain = shared.chain
    own_chain = AssistantChain(chain.live_index, chain.retriever, chain.extractive, chain.settings,
                               curated=curated, llm=chain.llm)
    settings = shared.settings.model_copy(update={"feedback_db": tmp_path / "feedback.sqlite3",
                                                  "curated_answers_path": tmp_path / "curated.jsonl"})
    return dataclasses.replace(shared, settings=settings, chain=own_chain, curated=curated,
                               consultations=ConsultationLog(settings.feedback_db))


def own_app(settings: Settings, services, tmp_path: Path, **overrides) -> FastAPI:
    from bot.web.app import create_app

    return create_app(settings.model_copy(update={"feedback_db": tmp_path / "feedback.sqlite3", **overrides}), services)


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, token: str = COORDINATOR_TOKEN):
    form = client.get("/console/login")
    return client.post("/console/login", data={"token": token, "csrf": csrf_of(form.text)}, follow_redirects=False)
