"""Remember Events API event ids for a while, so Slack's retries of an event in progress are dropped."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict


class SeenEvents:
    """Thread-safe, bounded, expiring set of event ids (Slack retries within minutes; an hour is plenty)."""

    def __init__(self, ttl_seconds: float = 3600.0, max_size: int = 10000):
        self._ttl = ttl_seconds
        self._max = max_size
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        """True the first time an id is offered (and records it); False for every repeat within the TTL."""
        now = time.monotonic()
        with self._lock:
            while self._seen:
                oldest, at = next(iter(self._seen.items()))
                if now - at <= self._ttl and len(self._seen) < self._max:
                    break
                self._seen.popitem(last=False)
            if event_id in self._seen:
                return False
            self._seen[event_id] = now
            return True
