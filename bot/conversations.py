"""Server-side conversation state for the web channel: bounded, expiring, thread-safe Turn lists."""
from __future__ import annotations

import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.models import Audience, Turn

_CONVERSATION_ID = re.compile(r"^[0-9a-f]{32}$")
# A follow-up only needs the recent context; an unbounded history would let one client grow memory forever.
MAX_TURNS_PER_CONVERSATION = 12


@dataclass(frozen=True)
class AnswerRecord:
    """What was asked and answered under an answer id, so feedback can be tied to it."""

    answer_id: str
    conversation_id: str
    question: str
    answer_text: str


@dataclass
class _Conversation:
    audience: Audience
    touched: float
    turns: list[Turn] = field(default_factory=list)
    answers: dict[str, AnswerRecord] = field(default_factory=dict)


def is_conversation_id(value: str | None) -> bool:
    return value is not None and _CONVERSATION_ID.match(value) is not None


class ConversationStore:
    """Turn lists keyed by conversation id (uuid4 hex), least recently used evicted first."""

    def __init__(
        self,
        max_conversations: int = 10000,
        ttl_seconds: float = 1800,
        clock: Callable[[], float] = time.monotonic,
        max_turns: int = MAX_TURNS_PER_CONVERSATION,
    ):
        if max_conversations < 1:
            raise ValueError("max_conversations must be at least 1")
        self._max = max_conversations
        self._ttl = ttl_seconds
        self._clock = clock
        self._max_turns = max_turns
        self._lock = threading.Lock()
        self._items: OrderedDict[str, _Conversation] = OrderedDict()
        self._answer_owner: dict[str, str] = {}  # answer id -> conversation id, for feedback look-ups

    def __len__(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return len(self._items)

    def open(self, conversation_id: str | None, audience: Audience = "public") -> str:
        """The id to continue under: the given one if it is live and of the same audience, else a new one.

        Ids are never taken from the client as new keys, so a client cannot choose or guess its way into
        another conversation, and a coordinator's (internal) history never continues in a public session.
        """
        now = self._clock()
        with self._lock:
            self._expire(now)
            key = conversation_id or ""
            item = self._items.get(key)
            if item is not None and item.audience == audience:
                item.touched = now
                self._items.move_to_end(key)
                return key
            new_id = uuid.uuid4().hex
            self._items[new_id] = _Conversation(audience=audience, touched=now)
            while len(self._items) > self._max:
                self._drop(next(iter(self._items)))
            return new_id

    def turns(self, conversation_id: str) -> list[Turn]:
        """Earlier turns, oldest first; empty for an unknown or expired id."""
        with self._lock:
            self._expire(self._clock())
            item = self._items.get(conversation_id)
            return list(item.turns) if item else []

    def add_exchange(
        self, conversation_id: str, question: str, answer_text: str, slots: dict[str, str | None]
    ) -> str | None:
        """Append the user turn and the assistant turn; returns the new answer id (None if the id expired)."""
        now = self._clock()
        with self._lock:
            self._expire(now)
            item = self._items.get(conversation_id)
            if item is None:
                return None
            item.turns.append(Turn(role="user", text=question))
            item.turns.append(Turn(role="assistant", text=answer_text, slots=dict(slots)))
            del item.turns[: max(0, len(item.turns) - self._max_turns)]
            answer_id = uuid.uuid4().hex
            item.answers[answer_id] = AnswerRecord(answer_id, conversation_id, question, answer_text)
            self._answer_owner[answer_id] = conversation_id
            # answers of turns already trimmed can still be rated; keep them bounded the same way
            while len(item.answers) > self._max_turns:
                self._answer_owner.pop(item.answers.pop(next(iter(item.answers))).answer_id, None)
            item.touched = now
            self._items.move_to_end(conversation_id)
            return answer_id

    def find_answer(self, answer_id: str) -> AnswerRecord | None:
        with self._lock:
            self._expire(self._clock())
            item = self._items.get(self._answer_owner.get(answer_id, ""))
            return item.answers.get(answer_id) if item else None

    def _expire(self, now: float) -> None:
        # items are ordered by last use, so the expired ones are all at the front
        while self._items:
            oldest_id, oldest = next(iter(self._items.items()))
            if now - oldest.touched < self._ttl:
                break
            self._drop(oldest_id)

    def _drop(self, conversation_id: str) -> None:
        item = self._items.pop(conversation_id)
        for answer_id in item.answers:
            self._answer_owner.pop(answer_id, None)
