"""👍/👎 feedback on answers, from the web widget and the Slack bot, kept in one SQLite file."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal
from bot.sqlite_files import open_sqlite

Rating = Literal["up", "down"]
Channel = Literal["web", "slack"]
RATINGS = ("up", "down")
CHANNELS = ("web", "slack")
MAX_COMMENT_CHARS = 2000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    answer_id TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT,
    channel TEXT NOT NULL CHECK (channel IN ('web', 'slack')),
    user TEXT,
    question TEXT NOT NULL DEFAULT '',
    answer_text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS feedback_answer ON feedback (answer_id);
"""


@dataclass(frozen=True)
class FeedbackEntry:
    id: int
    created_at: str
    answer_id: str
    rating: Rating
    comment: str | None
    channel: Channel
    user: str | None
    question: str
    answer_text: str


class FeedbackStore:
    """The feedback table (one row per answer and rater); one connection guarded by a lock, so web threads and Slack share it."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = open_sqlite(path, _SCHEMA)

    def record(
        self,
        answer_id: str,
        rating: Rating,
        comment: str | None = None,
        channel: Channel = "web",
        user: str | None = None,
        question: str = "",
        answer_text: str = "",
    ) -> int:
        """Store one rating, replacing this rater's earlier rating of the same answer; returns its row id."""
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
        if channel not in CHANNELS:
            raise ValueError(f"channel must be one of {CHANNELS}, not {channel!r}")
        if not answer_id:
            raise ValueError("answer_id is required")
        comment = (comment or "").strip()[:MAX_COMMENT_CHARS] or None
        created_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._lock:
            # one rating per answer and rater: a second click replaces the first instead of stuffing the table
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "DELETE FROM feedback WHERE answer_id = ? AND channel = ? AND user IS ?", (answer_id, channel, user)
                )
                cursor = self._db.execute(
                    "INSERT INTO feedback (created_at, answer_id, rating, comment, channel, user, question, answer_text)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (created_at, answer_id, rating, comment, channel, user, question, answer_text),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            assert cursor.lastrowid is not None  # sqlite3 sets it after every INSERT
            return cursor.lastrowid

    def entries(self, answer_id: str | None = None, limit: int = 100) -> list[FeedbackEntry]:
        """Newest first; optionally only those about one answer."""
        sql = "SELECT id, created_at, answer_id, rating, comment, channel, user, question, answer_text FROM feedback"
        params: tuple = ()
        if answer_id is not None:
            sql += " WHERE answer_id = ?"
            params = (answer_id,)
        sql += " ORDER BY id DESC LIMIT ?"
        with self._lock:
            rows = self._db.execute(sql, (*params, limit)).fetchall()
        return [FeedbackEntry(*row) for row in rows]

    def counts(self) -> dict[str, int]:
        """How many 👍 and 👎 in total."""
        with self._lock:
            rows = self._db.execute("SELECT rating, COUNT(*) FROM feedback GROUP BY rating").fetchall()
        return {"up": 0, "down": 0, **{rating: n for rating, n in rows}}

    def close(self) -> None:
        with self._lock:
            self._db.close()


def main(argv: list[str] | None = None) -> int:
    """`python -m bot.feedback [--db PATH] [--limit N] [--answer ID]`: totals, then the newest entries as JSON lines."""
    import argparse
    import json
    from dataclasses import asdict

    parser = argparse.ArgumentParser(prog="python -m bot.feedback", description="👍/👎 の集計と最新の評価を表示します")
    parser.add_argument("--db", type=Path, default=None, help="feedback SQLite file (default: settings.feedback_db)")
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--answer", default=None, help="only the feedback on this answer id")
    args = parser.parse_args(argv)
    if args.db is None:
        from bot.settings import Settings

        args.db = Settings().feedback_db
    if not args.db.exists():
        print(f"評価はまだありません（{args.db} がありません） / no feedback yet: {args.db}")
        return 0
    store = FeedbackStore(args.db)
    counts = store.counts()
    print(f"👍 {counts['up']}  👎 {counts['down']}")
    for entry in store.entries(args.answer, args.limit):
        print(json.dumps(asdict(entry), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
