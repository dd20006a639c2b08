"""Counts over the consultation log: per day, channel, outcome, rating, topic, and the unanswered work queue."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.consultation_log import CHANNELS, OUTCOMES, Consultation
from bot.query import normalize_question

# the prefecture counts consultations by its own calendar day
LOCAL_TZ = ZoneInfo("Asia/Tokyo")
KIND_ORDER = ("abstain", "partial", "down")


@dataclass(frozen=True)
class Summary:
    total: int
    per_day: tuple[tuple[date, int], ...]  # every day of the window, zeros included, oldest first
    per_channel: tuple[tuple[str, int], ...]
    outcomes: tuple[tuple[str, int], ...]
    ratings: tuple[tuple[str, int], ...]  # ("up", n), ("down", n)
    topics: tuple[tuple[tuple[str | None, str | None], int], ...]  # (product, destination), most asked first
    unanswered: int


@dataclass(frozen=True)
class QueueQuestion:
    question: str
    count: int
    last_at: str
    cited: tuple[str, ...]


@dataclass(frozen=True)
class QueueGroup:
    product: str | None
    country: str | None
    kind: str  # "abstain" | "partial" | "down"
    count: int
    questions: tuple[QueueQuestion, ...]  # most frequent first

    @property
    def key(self) -> str:
        return group_key(self.product, self.country, self.kind)


def group_key(product: str | None, country: str | None, kind: str) -> str:
    return f"{product or ''}|{country or ''}|{kind}"


def local_day(created_at: str) -> date:
    return datetime.fromisoformat(created_at).astimezone(LOCAL_TZ).date()


def window(days: int, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The last `days` local calendar days, today included, as a UTC [since, until) pair."""
    now = (now or datetime.now(timezone.utc)).astimezone(LOCAL_TZ)
    first = datetime.combine(now.date() - timedelta(days=days - 1), datetime.min.time(), LOCAL_TZ)
    return first.astimezone(timezone.utc), now.astimezone(timezone.utc) + timedelta(seconds=1)


def kind_of(row: Consultation) -> str | None:
    """Why a consultation belongs in the work queue, or None: the assistant's own verdict first, then the asker's."""
    if row.outcome in ("abstain", "partial"):
        return row.outcome
    if row.rating == "down":
        return "down"
    return None


def summarize(rows: Sequence[Consultation], since: datetime, until: datetime, top: int = 10) -> Summary:
    first, last = since.astimezone(LOCAL_TZ).date(), (until - timedelta(seconds=1)).astimezone(LOCAL_TZ).date()
    by_day = Counter(local_day(r.created_at) for r in rows)
    days = []
    day = first
    while day <= last:
        days.append((day, by_day.get(day, 0)))
        day += timedelta(days=1)
    channels = Counter(r.channel for r in rows)
    outcomes = Counter(r.outcome for r in rows)
    ratings = Counter(r.rating for r in rows if r.rating)
    topics = Counter((r.product, r.country) for r in rows if r.product or r.country)
    return Summary(
        total=len(rows),
        per_day=tuple(days),
        per_channel=tuple((c, channels.get(c, 0)) for c in CHANNELS),
        outcomes=tuple((o, outcomes.get(o, 0)) for o in OUTCOMES),
        ratings=(("up", ratings.get("up", 0)), ("down", ratings.get("down", 0))),
        topics=tuple(topics.most_common(top)),
        unanswered=sum(1 for r in rows if kind_of(r)),
    )


def unanswered_groups(rows: Iterable[Consultation], answered: Iterable[str] = ()) -> list[QueueGroup]:
    """Abstained, partial and 👎 consultations by product × destination × kind, the most frequent group first.

    `answered`: questions a curated answer already serves; they have left the queue.
    """
    closed = {normalize_question(q) for q in answered}
    grouped: dict[tuple[str | None, str | None, str], list[Consultation]] = defaultdict(list)
    for row in rows:
        kind = kind_of(row)
        if kind and normalize_question(row.question) not in closed:
            grouped[(row.product, row.country, kind)].append(row)
    groups = []
    for (product, country, kind), members in grouped.items():
        by_question: dict[str, list[Consultation]] = defaultdict(list)
        for row in members:
            by_question[normalize_question(row.question)].append(row)
        questions = sorted(
            # shown as most recently asked, counted with every spelling that normalizes the same
            (QueueQuestion(rs[-1].question, len(rs), max(r.created_at for r in rs),
                           tuple(sorted({d for r in rs for d in r.cited})))
             for rs in by_question.values()),
            key=lambda q: (q.count, q.last_at), reverse=True,  # most asked, then most recent
        )
        groups.append(QueueGroup(product, country, kind, len(members), tuple(questions)))
    groups.sort(key=lambda g: (-g.count, KIND_ORDER.index(g.kind), g.product or "", g.country or ""))
    return groups


def find_group(groups: Iterable[QueueGroup], key: str) -> QueueGroup | None:
    return next((g for g in groups if g.key == key), None)
