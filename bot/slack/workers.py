"""The bounded pool that answers questions, apart from Bolt's own pool, so acks and clicks never wait for it."""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

log = logging.getLogger(__name__)


class AnswerPool:
    """`workers` answers at once and at most `max_waiting` queued; beyond that `submit` refuses (returns None)
    so a flood turns into a quick 'busy' reply instead of an ever-growing queue."""

    def __init__(self, workers: int, max_waiting: int | None = None):
        self.workers = max(1, workers)
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="slack-answer")
        self._slots = threading.BoundedSemaphore(self.workers + (max_waiting if max_waiting is not None
                                                                  else self.workers * 8))
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any] | None:
        if not self._slots.acquire(blocking=False):
            return None
        with self._idle:
            self._pending += 1

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception:
                log.exception("slack answer worker failed")
                raise
            finally:
                self._slots.release()
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

        return self._executor.submit(run)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until nothing is queued or running (for scripts and tests that read what was posted)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def shutdown(self, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait)
