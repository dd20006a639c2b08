"""A running Slack bot for scripts: the small test corpus indexed in a temp dir, the real web app on loopback,
the tests' Slack Web API double, and a signed sender (what tests/bot/slack uses, outside pytest)."""
from __future__ import annotations

import dataclasses
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest import build_index
from ingest import IndexConfig

from bot.services import Services, build_services
from bot.settings import Settings
from tests.bot.slack.conftest import (
    COORDINATOR,
    INTERNAL_CHANNEL,
    SIGNING_SECRET,
    USERGROUP,
    SlackSender,
    make_app,
    serve,
)
from tests.bot.slack.slack_double import SlackDouble

REPO = Path(__file__).resolve().parents[2]
SMALL_CORPUS = REPO / "tests" / "fixtures" / "small_corpus"


class SlowChain:
    """The real chain, `delay` seconds slower per question: the slow LLM answerer of the review (7 s)."""

    def __init__(self, chain: Any, delay: float):
        self._chain = chain
        self.delay = delay
        self.busy = 0
        self._lock = threading.Lock()

    def ask(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.busy += 1
        try:
            time.sleep(self.delay)
            return self._chain.ask(*args, **kwargs)
        finally:
            with self._lock:
                self.busy -= 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chain, name)


@dataclass
class Bot:
    sender: SlackSender
    double: SlackDouble
    services: Services
    parts: Any  # bot.slack.app.SlackParts


@contextmanager
def running_bot(*, delay: float = 0.0, channels_yaml: str | None = None, **settings_update: Any) -> Iterator[Bot]:
    with tempfile.TemporaryDirectory(prefix="slack-rig-") as tmp_name:
        tmp = Path(tmp_name)
        index_dir = tmp / "index"
        build_index([SMALL_CORPUS], index_dir, IndexConfig.from_env())
        double = SlackDouble().start()
        update: dict[str, Any] = {}
        if channels_yaml:
            (tmp / "channels.yaml").write_text(channels_yaml, encoding="utf-8")
            update["slack_channels_file"] = tmp / "channels.yaml"
        settings = Settings(
            _env_file=None, index_dir=index_dir, slack_bot_token="xoxb-rig", slack_signing_secret=SIGNING_SECRET,
            slack_api_base_url=double.api_url, public_base_url="https://export.example.jp",
            slack_coordinator_user_ids=[COORDINATOR], slack_coordinator_usergroup_id=USERGROUP,
            slack_internal_channel_ids=[INTERNAL_CHANNEL], feedback_db=tmp / "feedback.sqlite3",
            slack_state_db=tmp / "slack-state.sqlite3", curated_answers_path=tmp / "curated.jsonl",
            rate_limit_per_minute=0, **{**update, **settings_update})
        services = build_services(settings)
        if delay:
            services = dataclasses.replace(services, chain=SlowChain(services.chain, delay))  # type: ignore[arg-type]  # a stand-in with the chain's interface
        try:
            with serve(make_app(settings, services)) as running:
                sender = SlackSender(running.url, double)
                yield Bot(sender=sender, double=double, services=services,
                          parts=running.app.state.slack_bolt_app._export_parts)
        finally:
            double.stop()
