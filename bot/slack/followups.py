"""Who the bot answers in a thread it has answered: the asker's follow-ups, while no human has stepped in.

Not acknowledgements, not messages addressed to someone else, not after 「担当者に相談」 or another person's
post (until someone mentions the bot again). Threads are remembered in the state file, so deciding costs no
Web API call (conversations.replies is read only for threads the bot is part of)."""
from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml

from bot.slack.state import StateDB

ACKNOWLEDGEMENTS_PATH = Path(__file__).resolve().parents[1] / "data" / "slack_acknowledgements.yaml"
ACK_MAX_CHARS = 30  # an acknowledgement is short; a longer message starting with 「ありがとう」 may ask more
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_NOT_WORDS = re.compile(r"[\s\W_]+", re.UNICODE)  # punctuation, spaces, emoji
_QUESTION_MARK = re.compile(r"[?？]")
ThreadStatus = Literal["open", "human"]


@dataclass(frozen=True)
class ThreadState:
    asker: str
    status: ThreadStatus


class Skip(str, Enum):
    """Why an untagged thread message is not answered (logged, and asserted by tests)."""

    NOT_OURS = "not a thread the bot answered"
    TAG_ONLY = "the channel answers mentions only"
    HUMAN = "a person has stepped in"
    OTHER_PERSON = "posted by someone other than the asker"
    ADDRESSED = "addressed to another person"
    ACKNOWLEDGEMENT = "an acknowledgement, not a question"


@lru_cache(maxsize=1)
def _acknowledgements() -> tuple[str, ...]:
    phrases = yaml.safe_load(ACKNOWLEDGEMENTS_PATH.read_text(encoding="utf-8")) or []
    return tuple(_NOT_WORDS.sub("", unicodedata.normalize("NFKC", p)).lower() for p in phrases)


def is_acknowledgement(text: str) -> bool:
    normalized = unicodedata.normalize("NFKC", _USER_MENTION.sub("", text or ""))
    if _QUESTION_MARK.search(normalized):
        return False
    compact = _NOT_WORDS.sub("", normalized).lower()
    return bool(compact) and len(compact) <= ACK_MAX_CHARS and compact.startswith(_acknowledgements())


def mentions_someone_else(text: str, bot_user_id: str | None) -> bool:
    return any(user != bot_user_id for user in _USER_MENTION.findall(text or ""))


def follow_up_skip(state: ThreadState | None, user: str, text: str, *, bot_user_id: str | None,
                   tag_only: bool) -> Skip | None:
    """None when the untagged message should be answered; otherwise the reason it is not."""
    if state is None:
        return Skip.NOT_OURS
    if tag_only:
        return Skip.TAG_ONLY
    if state.status == "human":
        return Skip.HUMAN
    if user != state.asker:
        return Skip.OTHER_PERSON
    if mentions_someone_else(text, bot_user_id):
        return Skip.ADDRESSED
    if is_acknowledgement(text):
        return Skip.ACKNOWLEDGEMENT
    return None


class AnsweredThreads:
    """Threads the bot answered, with their asker and whether a person has taken over."""

    def __init__(self, db: StateDB | None = None, ttl_seconds: float = 30 * 86400.0):
        self._db = db or StateDB()
        self._ttl = ttl_seconds

    def get(self, channel: str, thread_ts: str) -> ThreadState | None:
        with self._db.transaction() as db:
            row = db.execute("SELECT asker, status FROM threads WHERE channel = ? AND thread_ts = ?"
                             " AND updated_at >= ?", (channel, thread_ts, time.time() - self._ttl)).fetchone()
        return ThreadState(asker=row[0], status=row[1]) if row else None

    def answered(self, channel: str, thread_ts: str, asker: str) -> None:
        """The bot answered `asker` here (a mention also re-opens a thread a person had taken over)."""
        now = time.time()
        with self._db.transaction() as db:
            db.execute("DELETE FROM threads WHERE updated_at < ?", (now - self._ttl,))
            db.execute("INSERT INTO threads (channel, thread_ts, asker, status, updated_at) VALUES (?, ?, ?, 'open', ?)"
                       " ON CONFLICT (channel, thread_ts) DO UPDATE SET asker = excluded.asker, status = 'open',"
                       " updated_at = excluded.updated_at", (channel, thread_ts, asker, now))

    def human_stepped_in(self, channel: str, thread_ts: str) -> None:
        with self._db.transaction() as db:
            db.execute("UPDATE threads SET status = 'human', updated_at = ? WHERE channel = ? AND thread_ts = ?",
                       (time.time(), channel, thread_ts))
