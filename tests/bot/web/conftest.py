"""Web test rig: real services over the small index, the real app (in-process or served by uvicorn on loopback)."""
from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.consultation_log import ConsultationLog
from bot.settings import Settings

COORDINATOR_TOKEN = "test-coordinator-token-4f1c"
ALLOWED_ORIGIN = "https://www.pref.example.jp"
CANARY = "KANARIA-7731"


@pytest.fixture(scope="session")
def web_settings(small_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp = tmp_path_factory.mktemp("web")
    return Settings(
        _env_file=None,
        index_dir=small_index_dir,
        feedback_db=tmp / "feedback.sqlite3",
        curated_answers_path=tmp / "curated.jsonl",
        coordinator_token=COORDINATOR_TOKEN,
        cors_origins=[ALLOWED_ORIGIN],
        rate_limit_per_minute=100000,  # tests of the limit set their own
    )


@pytest.fixture(scope="session")
def web_services(web_settings: Settings):
    from bot.services import build_services

    return build_services(web_settings)


@pytest.fixture
def make_app(web_settings: Settings, web_services, tmp_path: Path) -> Callable[..., FastAPI]:
    """The real app over the shared real services, with per-test setting overrides and its own feedback db."""
    from bot.web.app import create_app

    def make(**overrides) -> FastAPI:
        settings = web_settings.model_copy(update={"feedback_db": tmp_path / "feedback.sqlite3", **overrides})
        # the consultation log is written on every answer: this test's own, in the same file as its feedback
        services = dataclasses.replace(web_services, consultations=ConsultationLog(settings.feedback_db))
        return create_app(settings, services)

    return make


@pytest.fixture
def client(make_app) -> Iterator[TestClient]:
    with TestClient(make_app()) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    app: FastAPI
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_server(app, port: int | None = None) -> LiveServer:
    """A real uvicorn on a (free) loopback port, in a thread of the test process."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True, name=f"uvicorn-{port}")
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    return LiveServer(f"http://127.0.0.1:{port}", app, server, thread)


@pytest.fixture(scope="session")
def live_server(web_settings: Settings, web_services, tmp_path_factory) -> Iterator[LiveServer]:
    from bot.web.app import create_app

    settings = web_settings.model_copy(update={"feedback_db": tmp_path_factory.mktemp("live") / "feedback.sqlite3"})
    server = start_server(create_app(settings, web_services))
    yield server
    server.stop()
