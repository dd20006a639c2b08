"""Slack test rig: the Web API double, real services over the small index, the real FastAPI app served by
uvicorn on loopback, and a sender that signs requests the way Slack does."""
from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from slack_sdk.signature import SignatureVerifier

from bot.settings import Settings
from tests.bot.slack.slack_double import BOT_USER_ID, TEAM_ID, SlackDouble

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
COORDINATOR = "UCOORD1"
EXPORTER = "UEXPORT1"
PUBLIC_CHANNEL = "CPUBLIC1"
INTERNAL_CHANNEL = "CINTERN1"
USERGROUP = "S0COORD1"
PUBLIC_BASE_URL = "https://export.example.jp"


@pytest.fixture(scope="session")
def slack_double():
    double = SlackDouble().start()
    yield double
    double.stop()


@pytest.fixture(scope="session")
def slack_settings(small_index_dir: Path, slack_double: SlackDouble, tmp_path_factory) -> Settings:
    tmp = tmp_path_factory.mktemp("slack")
    return Settings(
        _env_file=None,
        index_dir=small_index_dir,
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_base_url=slack_double.api_url,
        public_base_url=PUBLIC_BASE_URL,
        slack_coordinator_user_ids=[COORDINATOR],
        slack_coordinator_usergroup_id=USERGROUP,
        slack_internal_channel_ids=[INTERNAL_CHANNEL],
        feedback_db=tmp / "feedback.sqlite3",
        slack_state_db=tmp / "slack-state.sqlite3",
        curated_answers_path=tmp / "curated.jsonl",
        # the web API's default rate limit stays on: Slack's requests must not be subject to it
    )


@pytest.fixture(scope="session")
def slack_services(slack_settings: Settings):
    from bot.services import build_services

    return build_services(slack_settings)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_app(settings: Settings, services: Any) -> FastAPI:
    """The real web app when it exists; Slack's mount alone otherwise."""
    try:
        from bot.web.app import create_app
    except ImportError:
        from bot.slack.http import attach_slack

        app = FastAPI()
        attach_slack(app, services)
        return app
    return create_app(settings, services)


@dataclass
class RunningServer:
    url: str
    app: FastAPI


@contextmanager
def serve(app: FastAPI) -> Iterator[RunningServer]:
    """Run an ASGI app with uvicorn on a free loopback port for the duration of the block."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield RunningServer(url=f"http://127.0.0.1:{port}", app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def slack_server(slack_settings: Settings, slack_services: Any):
    with serve(make_app(slack_settings, slack_services)) as running:
        yield running


class SlackSender:
    """Posts what Slack would post to /slack/events, signed with the signing secret (v0 scheme)."""

    def __init__(self, url: str, double: SlackDouble, secret: str = SIGNING_SECRET):
        self.url = url + "/slack/events"
        self.double = double
        self.secret = secret
        self.http = httpx.Client(timeout=30)
        self._event_ids = iter(range(1, 1_000_000))

    def post(self, body: str, content_type: str, *, timestamp: int | None = None, secret: str | None = None,
             headers: dict[str, str] | None = None) -> httpx.Response:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        signature = SignatureVerifier(secret or self.secret).generate_signature(timestamp=ts, body=body)
        all_headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": str(signature)}
        all_headers.update(headers or {})
        return self.http.post(self.url, content=body.encode("utf-8"), headers=all_headers)

    def post_json(self, payload: dict[str, Any], **kw: Any) -> httpx.Response:
        return self.post(json.dumps(payload, ensure_ascii=False), "application/json", **kw)

    def post_form(self, fields: dict[str, str], **kw: Any) -> httpx.Response:
        return self.post(urlencode(fields), "application/x-www-form-urlencoded", **kw)

    def event(self, event: dict[str, Any], *, event_id: str | None = None, **kw: Any) -> httpx.Response:
        event_id = event_id or f"Ev{next(self._event_ids):06d}"
        return self.post_json({
            "token": "legacy", "team_id": TEAM_ID, "api_app_id": "A0TEST", "type": "event_callback",
            "event_id": event_id, "event_time": int(time.time()), "event": event,
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        }, **kw)

    def mention(self, channel: str, user: str, text: str, thread_ts: str | None = None, **kw: Any):
        """A person posts `<@bot> text` (stored in the double's history), then Slack sends app_mention."""
        message = self.double.add_user_message(channel, f"<@{BOT_USER_ID}> {text}", user, thread_ts)
        event = {"type": "app_mention", "channel": channel, "user": user, "text": message["text"],
                 "ts": message["ts"], "event_ts": message["ts"]}
        if thread_ts:
            event["thread_ts"] = thread_ts
        return message, self.event(event, **kw)

    def message(self, channel: str, user: str, text: str, *, channel_type: str, thread_ts: str | None = None,
                **kw: Any):
        message = self.double.add_user_message(channel, text, user, thread_ts)
        event = {"type": "message", "channel": channel, "channel_type": channel_type, "user": user,
                 "text": text, "ts": message["ts"], "event_ts": message["ts"]}
        if thread_ts:
            event["thread_ts"] = thread_ts
        return message, self.event(event, **kw)

    def interaction(self, payload: dict[str, Any], **kw: Any) -> httpx.Response:
        payload = {"team": {"id": TEAM_ID}, "api_app_id": "A0TEST", "token": "legacy", **payload}
        return self.post_form({"payload": json.dumps(payload, ensure_ascii=False)}, **kw)


@pytest.fixture(scope="session")
def slack(slack_server: RunningServer, slack_double: SlackDouble) -> SlackSender:
    sender = SlackSender(slack_server.url, slack_double)
    sender.parts = slack_server.app.state.slack_bolt_app._export_parts  # type: ignore[attr-defined]
    return sender


class GatedChain:
    """The real chain behind a gate: every ask waits until the gate opens (all answer workers busy, the way a
    slow LLM keeps them), then answers for real. Counts the asks that are waiting."""

    def __init__(self, chain: Any):
        self._chain = chain
        self.gate = threading.Event()
        self.waiting = 0
        self._lock = threading.Lock()

    def ask(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.waiting += 1
        try:
            self.gate.wait(timeout=60)
        finally:
            with self._lock:
                self.waiting -= 1
        return self._chain.ask(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chain, name)


@contextmanager
def custom_slack(slack_settings: Settings, slack_services: Any, double: SlackDouble, tmp_path: Path, *,
                 channels_yaml: str | None = None, chain: Any = None, **settings_update: Any) -> Iterator[SlackSender]:
    """A server of its own (own state file, channels file, pool size, chain) for one test."""
    import dataclasses

    update: dict[str, Any] = {"slack_state_db": tmp_path / "slack-state.sqlite3",
                              "feedback_db": tmp_path / "feedback.sqlite3", **settings_update}
    if channels_yaml is not None:
        path = tmp_path / "channels.yaml"
        path.write_text(channels_yaml, encoding="utf-8")
        update["slack_channels_file"] = path
    settings = slack_settings.model_copy(update=update)
    services = dataclasses.replace(slack_services, settings=settings, **({"chain": chain} if chain else {}))
    with serve(make_app(settings, services)) as running:
        sender = SlackSender(running.url, double)
        # event ids of their own, so this server's dedupe never meets another test's ids
        sender._event_ids = iter(range(int(time.time() * 1000) % 10**9, 10**10))
        sender.parts = running.app.state.slack_bolt_app._export_parts  # type: ignore[attr-defined]
        yield sender


class StreamingChain:
    """The real chain, answering in pieces the way a streaming LLM answerer would: its text in a few
    chunks, then the Answer itself."""

    streams_tokens = True

    def __init__(self, chain: Any, pieces: int = 4, rejected_text: str | None = None):
        self._chain = chain
        self._pieces = pieces
        self._rejected_text = rejected_text  # stream this model text, then serve the chain's answer as a fallback

    def ask_stream(self, question: str, conversation: list, audience: str):
        answer = self._chain.ask(question, conversation, audience)
        if self._rejected_text is not None:
            yield self._rejected_text
            yield answer.model_copy(update={"mode": "fallback", "fallback_reason": "test"})
            return
        size = max(1, len(answer.text) // self._pieces + 1)
        for start in range(0, len(answer.text), size):
            yield answer.text[start:start + size]
        yield answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chain, name)


@pytest.fixture(autouse=True)
def _curated_store_per_test(request: pytest.FixtureRequest, fresh_curated) -> None:
    """Curated answers a Slack test saves stay in that test (the services are session-wide, the store is not)."""
    if {"slack", "slack_server", "slack_services"} & set(request.fixturenames):
        fresh_curated(request.getfixturevalue("slack_services"))
