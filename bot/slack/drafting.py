"""Coordinator drafting: the 「返信案を作成」 modal views (pure) and the short-lived drafts behind them."""
from __future__ import annotations

import json
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from bot import texts
from bot.models import Citation

SHORTCUT_CALLBACK_ID = "draft_reply"
VIEW_CALLBACK_ID = "draft_reply_submit"
BLOCK_QUESTION = "draft_question"
BLOCK_TEXT = "draft_text"
BLOCK_ACTIONS = "draft_actions"
ELEMENT_INPUT = "value"
OPTION_POST = "post_in_thread"
OPTION_SAVE = "save_curated"
INPUT_LIMIT = 3000  # plain_text_input's maximum length


@dataclass(frozen=True)
class Draft:
    """Where the reply goes and the sources it was drafted from (kept server-side: too big for metadata)."""

    channel: str
    thread_ts: str
    question: str
    citations: list[Citation] = field(default_factory=list)
    audience: str = "public"  # what the draft was allowed to see; a saved curated answer keeps it


class DraftStore:
    """Bounded in-memory drafts; a draft lost to a restart is rebuilt by asking the chain again."""

    def __init__(self, max_size: int = 500):
        self._drafts: OrderedDict[str, Draft] = OrderedDict()
        self._max = max_size
        self._lock = threading.Lock()

    def put(self, draft: Draft) -> str:
        draft_id = uuid.uuid4().hex
        with self._lock:
            self._drafts[draft_id] = draft
            while len(self._drafts) > self._max:
                self._drafts.popitem(last=False)
        return draft_id

    def get(self, draft_id: str) -> Draft | None:
        with self._lock:
            return self._drafts.get(draft_id)


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def loading_view() -> dict[str, Any]:
    # views.open must happen within 3 s of the shortcut (trigger_id expiry), before the chain has answered
    return {
        "type": "modal",
        "callback_id": VIEW_CALLBACK_ID,
        "title": _plain(texts.SLACK_DRAFT_MODAL_TITLE),
        "close": _plain(texts.SLACK_DRAFT_MODAL_CLOSE),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": texts.SLACK_DRAFT_LOADING}}],
    }


def message_view(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": VIEW_CALLBACK_ID,
        "title": _plain(texts.SLACK_DRAFT_MODAL_TITLE),
        "close": _plain(texts.SLACK_DRAFT_MODAL_CLOSE),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def draft_view(draft_id: str, draft: Draft, draft_text: str) -> dict[str, Any]:
    metadata = json.dumps({"draft_id": draft_id, "channel": draft.channel, "thread_ts": draft.thread_ts})
    option_post = {"text": _plain(texts.SLACK_DRAFT_ACTION_POST), "value": OPTION_POST}
    option_save = {"text": _plain(texts.SLACK_DRAFT_ACTION_SAVE), "value": OPTION_SAVE}
    return {
        "type": "modal",
        "callback_id": VIEW_CALLBACK_ID,
        "private_metadata": metadata,
        "title": _plain(texts.SLACK_DRAFT_MODAL_TITLE),
        "submit": _plain(texts.SLACK_DRAFT_MODAL_SUBMIT),
        "close": _plain(texts.SLACK_DRAFT_MODAL_CLOSE),
        "blocks": [
            {"type": "input", "block_id": BLOCK_QUESTION, "label": _plain(texts.SLACK_DRAFT_QUESTION_LABEL),
             "element": {"type": "plain_text_input", "action_id": ELEMENT_INPUT, "multiline": True,
                         "max_length": INPUT_LIMIT, "initial_value": draft.question[:INPUT_LIMIT]}},
            {"type": "input", "block_id": BLOCK_TEXT, "label": _plain(texts.SLACK_DRAFT_TEXT_LABEL),
             "element": {"type": "plain_text_input", "action_id": ELEMENT_INPUT, "multiline": True,
                         "max_length": INPUT_LIMIT, "initial_value": draft_text[:INPUT_LIMIT]}},
            {"type": "input", "block_id": BLOCK_ACTIONS, "label": _plain(texts.SLACK_DRAFT_ACTIONS_LABEL),
             "element": {"type": "checkboxes", "action_id": ELEMENT_INPUT,
                         "options": [option_post, option_save], "initial_options": [option_post]}},
        ],
    }


@dataclass(frozen=True)
class Submission:
    """What a coordinator submitted from the draft modal."""

    draft_id: str
    channel: str
    thread_ts: str
    question: str
    text: str
    post: bool
    save: bool


def parse_submission(view: dict[str, Any]) -> Submission:
    values = view.get("state", {}).get("values", {})
    meta = json.loads(view.get("private_metadata") or "{}")

    def text_of(block: str) -> str:
        return ((values.get(block, {}).get(ELEMENT_INPUT, {}) or {}).get("value") or "").strip()

    selected = values.get(BLOCK_ACTIONS, {}).get(ELEMENT_INPUT, {}).get("selected_options") or []
    chosen = {option.get("value") for option in selected}
    return Submission(
        draft_id=meta.get("draft_id", ""),
        channel=meta.get("channel", ""),
        thread_ts=meta.get("thread_ts", ""),
        question=text_of(BLOCK_QUESTION),
        text=text_of(BLOCK_TEXT),
        post=OPTION_POST in chosen,
        save=OPTION_SAVE in chosen,
    )


def submission_errors(submission: Submission) -> dict[str, str]:
    """Errors shown in the modal (Slack keeps it open); empty when the submission can go ahead."""
    errors: dict[str, str] = {}
    if not submission.text:
        errors[BLOCK_TEXT] = texts.SLACK_DRAFT_EMPTY_TEXT
    if not (submission.post or submission.save):
        errors[BLOCK_ACTIONS] = texts.SLACK_DRAFT_ACTION_REQUIRED
    if submission.save and not submission.question:
        errors[BLOCK_QUESTION] = texts.QUESTION_EMPTY
    return errors
