"""The Slack bot's state that must survive a restart (seen events, drafts, answered threads), in one SQLite file.

Same conventions as the feedback store: one connection guarded by a lock, WAL so the Socket Mode process and
the web server can share the file, a busy timeout, schema created on open. Times are wall-clock seconds,
because Slack's retry window (about 5 minutes) spans a restart."""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from bot.sqlite_files import open_sqlite

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen_events (
    event_id TEXT PRIMARY KEY,
    seen_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS seen_events_at ON seen_events (seen_at);
CREATE TABLE IF NOT EXISTS drafts (
    draft_id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    draft TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS drafts_at ON drafts (created_at);
CREATE TABLE IF NOT EXISTS threads (
    channel TEXT NOT NULL,
    thread_ts TEXT NOT NULL,
    asker TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'human')),
    updated_at REAL NOT NULL,
    PRIMARY KEY (channel, thread_ts)
);
CREATE INDEX IF NOT EXISTS threads_at ON threads (updated_at);
"""


class StateDB:
    """One SQLite connection for the Slack stores; `:memory:` for a throwaway state."""

    def __init__(self, path: Path | str = ":memory:"):
        self.path = path
        self._lock = threading.Lock()
        self._db = open_sqlite(path, _SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection, inside one IMMEDIATE transaction (so check-then-write is atomic across processes)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()
