"""Abuse controls of the public API: per-client sliding-window rate limit, concurrency cap, body size cap."""
from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from contextlib import contextmanager
from typing import Iterator

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import texts
from bot.web.errors import Busy, Overloaded, RateLimited
from bot.web.schemas import ErrorResponse


class SlidingWindowRateLimiter:
    """At most `limit` requests per `window` seconds per client key (exact sliding window, in memory)."""

    def __init__(
        self,
        limit: int,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 50000,
    ):
        self.limit = limit
        self.window = window
        self._clock = clock
        self._max_clients = max_clients
        self._lock = threading.Lock()
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def hit(self, key: str) -> None:
        """Count one request for `key`, or raise RateLimited with the seconds until a slot frees up."""
        if self.limit <= 0:
            return
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                hits = self._hits[key] = deque()
                # a flood of distinct (spoofed) addresses must not grow memory without bound
                while len(self._hits) > self._max_clients:
                    self._hits.popitem(last=False)
            self._hits.move_to_end(key)
            while hits and now - hits[0] >= self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                retry_after = max(1, math.ceil(self.window - (now - hits[0])))
                raise RateLimited(retry_after)
            hits.append(now)


class ConcurrencyLimiter:
    """Caps answers in progress, overall and per client; over a cap the request is refused at once, not queued."""

    def __init__(self, limit: int, per_client: int = 0, retry_after: int = 5):
        self.limit = limit
        self.per_client = per_client  # 0: no per-client cap
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._active = 0
        self._by_client: dict[str, int] = {}

    @property
    def active(self) -> int:
        return self._active

    def acquire(self, client: str = "") -> None:
        with self._lock:
            held = self._by_client.get(client, 0)
            if self.per_client > 0 and held >= self.per_client:
                raise Busy(self.retry_after)
            if self._active >= self.limit:
                raise Overloaded(self.retry_after)
            self._active += 1
            self._by_client[client] = held + 1

    def release(self, client: str = "") -> None:
        with self._lock:
            self._active = max(0, self._active - 1)
            held = self._by_client.pop(client, 0) - 1
            if held > 0:  # an idle client leaves nothing behind: the map holds only answers in progress
                self._by_client[client] = held

    @contextmanager
    def slot(self, client: str = "") -> Iterator[None]:
        self.acquire(client)
        try:
            yield
        finally:
            self.release(client)


def client_key(peer: str | None, forwarded_for: str | None, trusted_proxy_hops: int) -> str:
    """The client address to rate-limit by.

    X-Forwarded-For is only believed when we sit behind `trusted_proxy_hops` proxies we run: each appends
    the address it saw, so the client is the hops-th entry from the right; anything further left was
    written by the client and may be forged.
    """
    if trusted_proxy_hops > 0 and forwarded_for:
        entries = [entry.strip() for entry in forwarded_for.split(",") if entry.strip()]
        if entries:
            return entries[-min(trusted_proxy_hops, len(entries))]
    return peer or "unknown"


class BodySizeLimit:
    """Pure ASGI middleware: refuse request bodies over `max_bytes` before the app reads any of them.

    Every path is capped except `exempt` ones, whose handler caps its own body (Slack's events carry a
    larger limit and must be signature-checked over the raw bytes, see bot/slack/http.py). A body without
    Content-Length (chunked) is read here, at most `max_bytes` + one chunk, then replayed to the app: the
    refusal is then the same 413 as for a declared length, not a parse error from deep inside the app.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, exempt: tuple[str, ...] = ("/slack/events",)):
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > self.max_bytes:
                await _refuse(scope, send)
                return
            await self.app(scope, receive, send)  # the server never delivers more than the declared length
            return
        messages = []
        received = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client went away: let the app see that
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                await _refuse(scope, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


async def _refuse(scope: Scope, send: Send) -> None:
    body = json.dumps(
        ErrorResponse(code="body_too_large", message=texts.WEB_BODY_TOO_LARGE).model_dump(), ensure_ascii=False
    ).encode()
    await send({
        "type": "http.response.start",
        "status": 413,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})
