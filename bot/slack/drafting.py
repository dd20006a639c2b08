"""Coordinator drafting: the 「返信案を作成」 modal views (pure) and the pending drafts behind them."""
from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from bot import texts
from bot.models import Citation
from bot.slack.state import StateDB

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
    disclaimer: str = ""  # the answer's disclaimer, left out of a saved curated answer (the bot adds its own)
    retrieval_question: str = ""  # what the chain was asked when the enquiry was too long to ask whole


class DraftStore:
    """Pending drafts in the state file, so a submission after a restart still finds its sources; bounded
    (oldest forgotten first) and expiring (a modal left open for a day is not coming back)."""

    def __init__(self, db: StateDB | None = None, max_size: int = 500, ttl_seconds: float = 86400.0):
        self._db = db or StateDB()
        self._max = max_size
        self._ttl = ttl_seconds

    def put(self, draft: Draft) -> str:
        draft_id = uuid.uuid4().hex
        payload = json.dumps({"channel": draft.channel, "thread_ts": draft.thread_ts, "question": draft.question,
                              "audience": draft.audience, "disclaimer": draft.disclaimer,
                              "retrieval_question": draft.retrieval_question,
                              "citations": [c.model_dump() for c in draft.citations]}, ensure_ascii=False)
        now = time.time()
        with self._db.transaction() as db:
            db.execute("DELETE FROM drafts WHERE created_at < ?", (now - self._ttl,))
            db.execute("INSERT INTO drafts (draft_id, created_at, draft) VALUES (?, ?, ?)", (draft_id, now, payload))
            db.execute("DELETE FROM drafts WHERE draft_id IN (SELECT draft_id FROM drafts"
                       " ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?)", (self._max,))
        return draft_id

    def get(self, draft_id: str) -> Draft | None:
        with self._db.transaction() as db:
            row = db.execute("SELECT draft FROM drafts WHERE draft_id = ? AND created_at >= ?",
                             (draft_id, time.time() - self._ttl)).fetchone()
        if not row:
            return None
        data = json.loads(row[0])
        return Draft(channel=data["channel"], thread_ts=data["thread_ts"], question=data["question"],
                     audience=data["audience"], citations=[Citation(**c) for c in data["citations"]],
                     disclaimer=data.get("disclaimer", ""), retrieval_question=data.get("retrieval_question", ""))


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


def draft_view(draft_id: str, draft: Draft, draft_text: str, max_question_chars: int = 500) -> dict[str, Any]:
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
        "blocks": ([{"type": "context", "elements": [{"type": "plain_text", "emoji": True,
                      "text": texts.SLACK_DRAFT_LONG_NOTE.format(limit=max_question_chars)}]}]
                   if draft.retrieval_question else []) + [
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


def submission_errors(submission: Submission, max_question_chars: int = 500) -> dict[str, str]:
    """Errors shown in the modal (Slack keeps it open); empty when the submission can go ahead."""
    errors: dict[str, str] = {}
    if submission.save and len(submission.question) > max_question_chars:
        # a curated question is matched against later questions, which the chain caps at this length
        errors[BLOCK_QUESTION] = texts.question_too_long(max_question_chars)
    if not submission.text:
        errors[BLOCK_TEXT] = texts.SLACK_DRAFT_EMPTY_TEXT
    if not (submission.post or submission.save):
        errors[BLOCK_ACTIONS] = texts.SLACK_DRAFT_ACTION_REQUIRED
    if submission.save and not submission.question:
        errors[BLOCK_QUESTION] = texts.QUESTION_EMPTY
    return errors


def retrieval_question(text: str, limit: int) -> str:
    """What the chain is asked for a draft: the enquiry itself, or, when longer than the chain accepts, its
    opening cut at the last sentence end that fits (business mail puts the question up front)."""
    if len(text) <= limit:
        return text
    window = text[:limit]
    cut = max(window.rfind(mark) + 1 for mark in ("。", "？", "！", "?", "\n"))
    return (window[:cut] if cut >= limit // 2 else window).strip()


def curated_body(text: str, disclaimer: str = "") -> str:
    """The reusable part of a coordinator's reply: without the greeting, the closing, the plain-text source
    list and the disclaimer (a curated answer is shown with the bot's own sources and disclaimer)."""
    drop = {texts.SLACK_DRAFT_GREETING.strip(), texts.SLACK_DRAFT_CLOSING.strip(), disclaimer.strip()} - {""}
    kept = [p.strip() for p in re.split(r"\n\s*\n", text)
            if p.strip() and p.strip() not in drop and not p.strip().startswith(texts.SLACK_DRAFT_SOURCES_LEAD)]
    return "\n\n".join(kept) or text.strip()
