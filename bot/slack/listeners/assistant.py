"""Slack's assistant container (Agents & AI Apps): suggested prompts when an exporter opens a thread.

Messages in those threads arrive as ordinary DM messages with a thread_ts, so the DM path in questions.py
answers them; where the workspace plan has no assistant container, DMs work exactly as before."""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import texts
from bot.slack.listeners.common import just_ack

log = logging.getLogger(__name__)
PROMPTS_PATH = Path(__file__).resolve().parents[2] / "data" / "slack_suggested_prompts.yaml"
MAX_PROMPTS = 4  # Slack shows at most four


@lru_cache(maxsize=1)
def suggested_prompts() -> tuple[dict[str, str], ...]:
    raw = yaml.safe_load(PROMPTS_PATH.read_text(encoding="utf-8")) or []
    return tuple({"title": str(p["title"]), "message": str(p["message"])} for p in raw[:MAX_PROMPTS])


def register(app: App) -> None:
    def offer_prompts(event: dict[str, Any], client: WebClient) -> None:
        thread = event.get("assistant_thread") or {}
        if not (thread.get("channel_id") and thread.get("thread_ts")):
            return
        try:
            client.assistant_threads_setSuggestedPrompts(channel_id=thread["channel_id"], thread_ts=thread["thread_ts"],
                                                         title=texts.SLACK_ASSISTANT_PROMPTS_TITLE,
                                                         prompts=list(suggested_prompts()))
        except SlackApiError as exc:
            log.info("suggested prompts not set: %s", exc.response.get("error"))

    app.event("assistant_thread_started")(ack=just_ack, lazy=[offer_prompts])
    # the context (which channel the user is looking at) does not change our answers: ack and move on
    app.event("assistant_thread_context_changed")(just_ack)
