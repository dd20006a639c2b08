"""Remember Events API event ids for a while, so Slack's retries of an event in progress are dropped."""
from __future__ import annotations

import time

from bot.slack.state import StateDB


class SeenEvents:
    """Bounded, expiring set of event ids in the state file: a restart inside Slack's retry window (retries
    come up to about 5 minutes later) still recognises them. An hour is plenty."""

    def __init__(self, db: StateDB | None = None, ttl_seconds: float = 3600.0, max_size: int = 10000):
        self._db = db or StateDB()
        self._ttl = ttl_seconds
        self._max = max_size

    def first_time(self, event_id: str) -> bool:
        """True the first time an id is offered (and records it); False for every repeat within the TTL."""
        now = time.time()
        with self._db.transaction() as db:
            db.execute("DELETE FROM seen_events WHERE seen_at < ?", (now - self._ttl,))
            if db.execute("SELECT 1 FROM seen_events WHERE event_id = ?", (event_id,)).fetchone():
                return False
            db.execute("INSERT INTO seen_events (event_id, seen_at) VALUES (?, ?)", (event_id, now))
            # over the bound: forget the oldest (a retry of those is long past)
            db.execute("DELETE FROM seen_events WHERE event_id IN (SELECT event_id FROM seen_events"
                       " ORDER BY seen_at DESC, rowid DESC LIMIT -1 OFFSET ?)", (self._max,))
            return True
