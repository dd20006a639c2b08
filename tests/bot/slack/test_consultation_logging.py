"""Slack questions reach the consultation log through the real app: channel or DM, hashed or raw user id, and
the 👍/👎 button linked to the row; then the weekly digest goes to the Web API double via `python -m bot digest`."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from bot.web import console_texts as t
from tests.bot.slack.test_app import feedback_click
from tests.bot.slack.conftest import COORDINATOR, EXPORTER, PUBLIC_BASE_URL, PUBLIC_CHANNEL, SlackSender, make_app, serve
from tests.bot.web.console_rig import own_services

STRAWBERRY = "いちごを台湾に送るときの準備は？"
OUT_OF_SCOPE = "ブラジル向けの関税率は何パーセントですか？"
DIGEST_CHANNEL = "CDIGEST1"


@pytest.fixture
def services(slack_services, tmp_path):
    return own_services(slack_services, tmp_path)


@pytest.fixture
def sender(slack_settings, services, slack_double, tmp_path) -> Iterator[SlackSender]:
    settings = slack_settings.model_copy(update={"feedback_db": tmp_path / "feedback.sqlite3",
                                                 "slack_state_db": tmp_path / "slack-state.sqlite3"})
    with serve(make_app(settings, services)) as server:
        sender = SlackSender(server.url, slack_double)
        # event ids of its own: the session-wide server's dedupe must never meet this test's ids
        sender._event_ids = iter(range(int(time.time() * 1000) % 10**9, 10**10))
        yield sender


def answer_call(double, channel: str, thread_ts: str):
    [call] = double.wait_for("chat.postMessage", channel=channel, thread_ts=thread_ts)
    return call


def test_channel_and_dm_questions_are_logged_and_feedback_joins_them(sender, slack_double, services):
    public, _ = sender.mention(PUBLIC_CHANNEL, EXPORTER, STRAWBERRY)
    answer = answer_call(slack_double, PUBLIC_CHANNEL, public["ts"])
    direct, _ = sender.message("D0COORD9", COORDINATOR, OUT_OF_SCOPE, channel_type="im")
    answer_call(slack_double, "D0COORD9", direct["ts"])
    slack_double.wait_until(lambda: len(services.consultations) == 2 and all(
        r.answer_ref for r in services.consultations.rows()), "both questions logged and linked")

    posted_ts = answer.response["ts"]
    sender.interaction({
        "type": "block_actions", "user": {"id": EXPORTER}, "channel": {"id": PUBLIC_CHANNEL},
        "container": {"type": "message", "message_ts": posted_ts, "channel_id": PUBLIC_CHANNEL},
        "message": {"type": "message", "ts": posted_ts, "thread_ts": public["ts"], "text": answer.args["text"],
                    "blocks": answer.args["blocks"], "bot_id": "BBOT"},
        "response_url": slack_double.response_url("log-fb"), "trigger_id": "trig-log-fb",
        "actions": [feedback_click(answer.args, "up")],
    })
    slack_double.wait_until(lambda: services.consultations.rows()[0].rating == "up", "👍 joined to the row")
    first, second = services.consultations.rows()
    assert (first.channel, first.question, first.outcome, first.audience) == (
        "slack_channel", STRAWBERRY, "answer", "public")
    assert first.user.startswith("h:") and EXPORTER not in first.user  # a public channel: pseudonymised
    assert (second.channel, second.user, second.audience, second.outcome) == (
        "slack_dm", COORDINATOR, "internal", "abstain")


def test_weekly_digest_posts_counts_and_top_groups_with_a_console_link(sender, slack_double, services, tmp_path,
                                                                       slack_settings):
    for _ in range(2):
        message, _ = sender.mention(PUBLIC_CHANNEL, EXPORTER, OUT_OF_SCOPE)
        answer_call(slack_double, PUBLIC_CHANNEL, message["ts"])
    slack_double.wait_until(lambda: len(services.consultations) == 2, "two questions logged")
    env = {**os.environ, "EXPORT_BOT_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
           "EXPORT_BOT_CURATED_ANSWERS_PATH": str(tmp_path / "curated.jsonl"),
           "EXPORT_BOT_SLACK_DIGEST_CHANNEL": DIGEST_CHANNEL, "SLACK_BOT_TOKEN": "xoxb-test-token",
           "EXPORT_BOT_SLACK_API_BASE_URL": slack_double.api_url, "EXPORT_BOT_PUBLIC_BASE_URL": PUBLIC_BASE_URL}
    result = subprocess.run([sys.executable, "-m", "bot", "digest"], capture_output=True, text=True, timeout=120,
                            env=env)
    assert result.returncode == 0, result.stderr
    [post] = slack_double.calls_to("chat.postMessage", channel=DIGEST_CHANNEL)
    text = post.args["text"] + str(post.args["blocks"])
    assert t.digest_counts(2, 0, 2, 0, 0) in text
    assert OUT_OF_SCOPE in text and t.KIND_NAMES["abstain"] in text and "2件" in text
    button = post.args["blocks"][-1]["elements"][0]
    assert button["url"] == f"{PUBLIC_BASE_URL}/console/queue"

    missing = subprocess.run([sys.executable, "-m", "bot", "digest"], capture_output=True, text=True, timeout=120,
                             env={**env, "EXPORT_BOT_SLACK_DIGEST_CHANNEL": ""})
    assert missing.returncode == 2 and t.DIGEST_NO_CHANNEL in missing.stderr
