"""The consultation log: every question from every channel, its outcome and feedback, kept in SQLite for a while."""
from __future__ import annotations

import atexit
import csv
import hashlib
import hmac
import io
import json
import logging
import queue
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bot.sqlite_files import open_sqlite
from bot.feedback import _SCHEMA as FEEDBACK_SCHEMA

if TYPE_CHECKING:
    from bot.models import Answer

log = logging.getLogger(__name__)
Channel = Literal["web", "widget", "slack_channel", "slack_dm", "cli"]
CHANNELS: tuple[Channel, ...] = ("web", "widget", "slack_channel", "slack_dm", "cli")
Outcome = Literal["answer", "partial", "abstain", "clarify"]
OUTCOMES: tuple[Outcome, ...] = ("answer", "partial", "abstain", "clarify")
# what goes to the coordinators' work queue: the assistant could not answer, or the asker said it did not help
UNANSWERED_KINDS = ("abstain", "partial", "down")
PURGE_EVERY_SECONDS = 24 * 3600

_SCHEMA = """
CREATE TABLE IF NOT EXISTS consultation_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS consultations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    consultation_id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('web', 'widget', 'slack_channel', 'slack_dm', 'cli')),
    audience TEXT NOT NULL CHECK (audience IN ('public', 'internal')),
    user TEXT,
    question TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('answer', 'partial', 'abstain', 'clarify')),
    mode TEXT NOT NULL,
    product TEXT,
    country TEXT,
    cited TEXT NOT NULL DEFAULT '[]',
    latency_ms REAL NOT NULL,
    curated_id TEXT,
    answer_ref TEXT
);
CREATE INDEX IF NOT EXISTS consultations_created ON consultations (created_at);
CREATE INDEX IF NOT EXISTS consultations_answer_ref ON consultations (answer_ref);
"""


def outcome_of(answer: "Answer") -> Outcome:
    """The answer's outcome for the log, read in this one place: a question back is `clarify` (the chain's own
    `outcome` covers answer / partial / abstain only), otherwise the chain's outcome."""
    if answer.mode == "clarify" or answer.clarify:
        return "clarify"
    return answer.outcome


@dataclass(frozen=True)
class Origin:
    """Where a question came in: the channel, and for Slack who asked (kept raw only where no one else reads)."""

    channel: Channel
    user: str | None = None
    hash_user: bool = True

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"channel must be one of {CHANNELS}, not {self.channel!r}")


@dataclass(frozen=True)
class Consultation:
    id: int
    consultation_id: str
    created_at: str
    channel: Channel
    audience: str
    user: str | None
    question: str
    outcome: Outcome
    mode: str
    product: str | None
    country: str | None
    cited: tuple[str, ...]
    latency_ms: float
    curated_id: str | None
    answer_ref: str | None
    rating: str | None = None  # the newest 👍/👎 on this answer, if any


@dataclass(frozen=True)
class Recorded:
    """What a channel gets back from asking: the answer, and the handle that links its feedback to the log row."""

    answer: "Answer"
    consultation_id: str | None
    log: "ConsultationLog | None" = field(default=None, repr=False, compare=False)

    def link(self, answer_ref: str) -> None:
        """Tie the id under which the channel rates this answer (web answer_id, Slack message) to the log row."""
        if self.log is not None and self.consultation_id and answer_ref:
            self.log.link(self.consultation_id, answer_ref)


_COLUMNS = ("id, consultation_id, created_at, channel, audience, user, question, outcome, mode, product, country, "
            "cited, latency_ms, curated_id, answer_ref")


class ConsultationLog:
    """One SQLite file shared with the feedback table (so a 👍/👎 joins its question); one connection under a lock."""

    def __init__(self, path: Path | str, retention_days: int = 365):
        if retention_days < 1:
            raise ValueError("retention_days must be at least 1")
        self.path = Path(path)
        self.retention_days = retention_days
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None
        self._hash_key = b""
        self._last_purge = 0.0
        self._closed = False
        self._queue: queue.Queue = queue.Queue()
        self._writer: threading.Thread | None = None

    def _conn(self) -> sqlite3.Connection:
        """Opened on first use, so building the services (evals, tests that never ask) writes no file."""
        with self._lock:
            if self._closed:
                raise sqlite3.ProgrammingError(f"the consultation log {self.path} is closed")
            if self._db is not None:
                return self._db
            db = open_sqlite(self.path, FEEDBACK_SCHEMA, _SCHEMA)
            # WAL + NORMAL: a commit is not fsynced, which keeps logging far below a millisecond per answer;
            # a power cut may lose the last few rows, never corrupt the file
            db.execute("PRAGMA synchronous=NORMAL")
            self._db = db
            self._hash_key = self._key(db)
            self.purge()
            return db

    @staticmethod
    def _key(db: sqlite3.Connection) -> bytes:
        row = db.execute("SELECT value FROM consultation_meta WHERE key = 'user_hash_key'").fetchone()
        if row:
            return bytes.fromhex(row[0])
        key = secrets.token_bytes(32)
        db.execute("INSERT INTO consultation_meta (key, value) VALUES ('user_hash_key', ?)", (key.hex(),))
        return key

    def pseudonym(self, user: str) -> str:
        """A keyed hash: the same person counts once, but the log alone does not say who they are."""
        self._conn()
        return "h:" + hmac.new(self._hash_key, user.encode("utf-8"), hashlib.sha256).hexdigest()[:16]

    # --- writing ---
    def record(self, question: str, answer: "Answer", audience: str, origin: Origin,
               curated_id: str | None = None, now: datetime | None = None, answer_ref: str | None = None) -> str:
        """Queue one consultation for the writer thread; returns its id (used to link feedback later)."""
        consultation_id = uuid.uuid4().hex
        created = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds")
        user = origin.user or None
        if user and origin.hash_user:
            user = self.pseudonym(user)
        cited = json.dumps(sorted({c.doc_id for c in answer.citations}), ensure_ascii=False)
        self._submit(
            f"INSERT INTO consultations ({_COLUMNS.removeprefix('id, ')}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (consultation_id, created, origin.channel, audience, user, question.strip(), outcome_of(answer),
             answer.mode, answer.slots.get("product"), answer.slots.get("country"), cited,
             float(answer.latency_ms), curated_id, answer_ref),
        )
        return consultation_id

    def link(self, consultation_id: str, answer_ref: str) -> None:
        self._submit("UPDATE consultations SET answer_ref = ? WHERE consultation_id = ?", (answer_ref, consultation_id))

    # --- the writer thread: an answer only queues its row, so a slow disk or a WAL checkpoint never delays it ---
    def _submit(self, sql: str, params: tuple) -> None:
        with self._lock:
            self._conn()  # refuses once closed; opens the file (and the pseudonym key) on first use
            if self._writer is None:
                self._writer = threading.Thread(target=self._drain, name="consultation-log", daemon=True)
                self._writer.start()
                atexit.register(self.flush)  # a CLI question is written before the process ends
        self._queue.put((sql, params))

    def _drain(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                with self._lock:
                    self._conn().execute(*item)
                if time.monotonic() - self._last_purge > PURGE_EVERY_SECONDS:
                    self.purge()
            except Exception:  # one bad write must not stop the thread; the row is named in the log
                log.exception("could not write a consultation row")
            finally:
                self._queue.task_done()

    def flush(self) -> None:
        """Wait until every queued row is in the file (readers call it, so they see their own writes)."""
        if self._writer is not None and self._writer.is_alive():
            self._queue.join()

    def purge(self, now: datetime | None = None) -> int:
        """Delete the rows older than the retention period; returns how many went."""
        cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=self.retention_days)
        with self._lock:
            deleted = self._conn().execute("DELETE FROM consultations WHERE created_at < ?",
                                       (cutoff.astimezone(timezone.utc).isoformat(timespec="seconds"),)).rowcount
        self._last_purge = time.monotonic()
        return int(deleted)

    # --- reading ---
    def rows(self, since: datetime | None = None, until: datetime | None = None,
             limit: int | None = None) -> list[Consultation]:
        """Oldest first, each with the newest rating its answer got."""
        sql = (f"SELECT {', '.join('c.' + name.strip() for name in _COLUMNS.split(','))}, "
               "(SELECT f.rating FROM feedback f WHERE f.answer_id = c.answer_ref ORDER BY f.id DESC LIMIT 1) "
               "FROM consultations c")
        where, params = _window(since, until)
        sql += where + " ORDER BY c.id"
        self.flush()
        if limit is not None:
            sql += " LIMIT ?"
            params = (*params, limit)
        with self._lock:
            fetched = self._conn().execute(sql, params).fetchall()
        return [_consultation(row) for row in fetched]

    def get(self, consultation_id: str) -> Consultation | None:
        found = [r for r in self.rows() if r.consultation_id == consultation_id]
        return found[0] if found else None

    def __len__(self) -> int:
        self.flush()
        with self._lock:
            return int(self._conn().execute("SELECT COUNT(*) FROM consultations").fetchone()[0])

    def close(self) -> None:
        """Write what is queued and close the file; a closed log refuses to write (the channels then answer
        without logging)."""
        self.flush()
        with self._lock:
            if self._writer is not None:
                self._queue.put(None)
            if self._db is not None:
                self._db.close()
            self._closed = True


def _window(since: datetime | None, until: datetime | None) -> tuple[str, tuple]:
    clauses, params = [], []
    if since is not None:
        clauses.append("c.created_at >= ?")
        params.append(since.astimezone(timezone.utc).isoformat(timespec="seconds"))
    if until is not None:
        clauses.append("c.created_at < ?")
        params.append(until.astimezone(timezone.utc).isoformat(timespec="seconds"))
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(params)


def _consultation(row: tuple) -> Consultation:
    values = list(row)
    values[11] = tuple(json.loads(values[11] or "[]"))
    return Consultation(*values)


CSV_FIELDS = ("created_at", "channel", "audience", "user", "question", "outcome", "mode", "product", "country",
              "cited", "latency_ms", "curated_id", "rating")


def to_csv(rows: Iterable[Consultation]) -> str:
    """The log as CSV (UTF-8 with BOM, so Excel opens the Japanese correctly) for the prefecture's reporting."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for row in rows:
        writer.writerow([
            row.created_at, row.channel, row.audience, row.user or "", _csv_safe(row.question), row.outcome,
            row.mode, row.product or "", row.country or "", " ".join(row.cited), f"{row.latency_ms:.1f}",
            row.curated_id or "", row.rating or "",
        ])
    return "\ufeff" + out.getvalue()


def _csv_safe(text: str) -> str:
    # a cell starting with = + - @ is run as a formula by spreadsheets; the question comes from the public
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def main(argv: list[str] | None = None) -> int:
    """`python -m bot.consultation_log csv [--days N]` prints the log as CSV; `purge` applies the retention now."""
    import argparse
    import sys

    from bot.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m bot.consultation_log", description="相談記録の書き出しと削除")
    parser.add_argument("command", choices=["csv", "purge"])
    parser.add_argument("--days", type=int, default=None, help="csv: only the last N days (default: everything kept)")
    args = parser.parse_args(argv)
    settings = Settings()
    log = ConsultationLog(settings.feedback_db, settings.consultation_retention_days)
    if args.command == "purge":
        log.purge()  # opening the log has already applied it once; this makes the command explicit
        print(f"{len(log)} rows kept (retention {settings.consultation_retention_days} days)")
        return 0
    since = datetime.now(timezone.utc) - timedelta(days=args.days) if args.days else None
    sys.stdout.write(to_csv(log.rows(since)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
