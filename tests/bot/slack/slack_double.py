"""A local Slack Web API double: a real HTTP server on loopback that records every call and answers like Slack.

It also keeps the channel history the bot would see (its own posts plus the user messages a test adds),
so conversations.replies behaves like Slack's, and it accepts response_url posts."""
from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlparse

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T0TEST"
_JSON_FIELDS = ("blocks", "view", "metadata", "attachments")


@dataclass
class Call:
    method: str  # "chat.postMessage", ... or "response_url" for posts to a response_url
    args: dict[str, Any]
    path: str = ""
    response: Any = None  # what the double answered


@dataclass
class SlackDouble:
    calls: list[Call] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)  # channel history: {"channel", "ts", ...}
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: Any = field(default_factory=lambda: itertools.count(1))
    _server: ThreadingHTTPServer | None = None
    socket_url: str | None = None  # what apps.connections.open hands out (a local websocket double)
    failing: dict[str, str] = field(default_factory=dict)  # method -> Slack error code to answer with
    # method -> how many more calls get HTTP 429 with Retry-After (Slack's rate limiting)
    rate_limited: dict[str, int] = field(default_factory=dict)
    retry_after: int = 0
    absent_from: set[str] = field(default_factory=set)  # channels the bot is not a member of (not_in_channel)
    delays: dict[str, float] = field(default_factory=dict)  # method -> seconds the double takes to answer

    # --- lifecycle ---
    def start(self) -> "SlackDouble":
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                status, payload = double.handle(self.path, self.headers.get("Content-Type", ""), raw)
                body = payload.encode("utf-8") if isinstance(payload, str) else json.dumps(payload).encode("utf-8")
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", str(double.retry_after))
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.base_url}/response/{name}"

    # --- what tests use ---
    def next_ts(self) -> str:
        with self._lock:
            return f"{1_700_000_000 + next(self._ts)}.000100"

    def add_user_message(self, channel: str, text: str, user: str, thread_ts: str | None = None) -> dict[str, Any]:
        """A message a person posted, as Slack would store it (the test then sends its event)."""
        message = {"type": "message", "channel": channel, "user": user, "text": text, "ts": self.next_ts()}
        if thread_ts:
            message["thread_ts"] = thread_ts
        with self._lock:
            self.messages.append(message)
        return message

    def calls_to(self, method: str, **match: Any) -> list[Call]:
        with self._lock:
            calls = list(self.calls)
        # `path` matches the request path (response_url posts); every other key matches a call argument
        return [c for c in calls if c.method == method
                and all((c.path if k == "path" else c.args.get(k)) == v for k, v in match.items())]

    def wait_for(self, method: str, count: int = 1, timeout: float = 60.0, **match: Any) -> list[Call]:
        """Bounded poll for calls made from Bolt's lazy-listener threads; fails with what was recorded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(method, **match)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        recent = [(c.method, {k: str(v)[:80] for k, v in c.args.items()}) for c in self.calls[-15:]]
        raise AssertionError(f"expected {count} {method} {match}; last calls recorded: {recent}")

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
        """Bounded poll for any condition on the recorded calls (or elsewhere)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.05)

    @contextmanager
    def failing_method(self, method: str, error: str) -> Iterator[None]:
        """Answer `method` with {"ok": false, "error": error} inside the block, as Slack does on errors."""
        self.failing[method] = error
        try:
            yield
        finally:
            self.failing.pop(method, None)

    @contextmanager
    def rate_limiting(self, method: str, times: int, retry_after: int = 0) -> Iterator[None]:
        """The next `times` calls of `method` get HTTP 429 with Retry-After, as Slack answers over its limit."""
        self.rate_limited[method] = times
        self.retry_after = retry_after
        try:
            yield
        finally:
            self.rate_limited.pop(method, None)

    @contextmanager
    def absent(self, channel: str) -> Iterator[None]:
        """The bot is not a member of `channel` inside the block: posts there fail with not_in_channel."""
        self.absent_from.add(channel)
        try:
            yield
        finally:
            self.absent_from.discard(channel)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()

    # --- the API ---
    def handle(self, path: str, content_type: str, raw: str) -> tuple[int, Any]:
        parsed = urlparse(path)
        args = self._parse(content_type, raw, parsed.query)
        if parsed.path.startswith("/response/"):
            self._record(Call("response_url", args, parsed.path))
            return 200, "ok"
        method = parsed.path.removeprefix("/api/")
        handler: Callable[[dict[str, Any]], dict[str, Any]] | None = getattr(self, "_" + method.replace(".", "_"), None)
        if self.delays.get(method):
            time.sleep(self.delays[method])
        with self._lock:
            limited = self.rate_limited.get(method, 0) > 0
            if limited:
                self.rate_limited[method] -= 1
        if limited:
            result: dict[str, Any] = {"ok": False, "error": "ratelimited"}
            self._record(Call(method, args, parsed.path, result))
            return 429, result
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.startStream") \
                and args.get("channel") in self.absent_from:
            result = {"ok": False, "error": "not_in_channel"}
        elif method in self.failing:
            result = {"ok": False, "error": self.failing[method]}
        else:
            result = handler(args) if handler else {"ok": False, "error": "unknown_method"}
        self._record(Call(method, args, parsed.path, result))
        return 200, result

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    @staticmethod
    def _parse(content_type: str, raw: str, query: str) -> dict[str, Any]:
        if "json" in content_type and raw:
            args = json.loads(raw)
        else:
            args = {k: v[0] for k, v in parse_qs(raw or query, keep_blank_values=True).items()}
        for name in _JSON_FIELDS:  # form-encoded calls send these as JSON strings
            if isinstance(args.get(name), str) and args[name]:
                try:
                    args[name] = json.loads(args[name])
                except ValueError:
                    pass
        return args

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://double.slack.test/", "team": "Test", "user": "export-bot",
                "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        message = {"type": "message", "channel": args["channel"], "user": BOT_USER_ID, "bot_id": BOT_ID,
                   "text": args.get("text", ""), "blocks": args.get("blocks") or [], "ts": self.next_ts()}
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        if args.get("metadata"):
            message["metadata"] = args["metadata"]
        with self._lock:
            self.messages.append(message)
        return {"ok": True, "channel": args["channel"], "ts": message["ts"],
                "message": {k: v for k, v in message.items() if k != "channel"}}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"ok": True, "message_ts": self.next_ts()}

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = args.get("channel"), args.get("ts")
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        with self._lock:
            found = [dict(m) for m in self.messages
                     if m["channel"] == channel and (m["ts"] == ts or m.get("thread_ts") == ts)]
        for m in found:
            m.pop("channel")
            if not with_metadata:
                m.pop("metadata", None)
        found.sort(key=lambda m: float(m["ts"]))
        return {"ok": True, "messages": found, "has_more": False}

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not self.socket_url:
            return {"ok": False, "error": "not_allowed_token_type"}
        return {"ok": True, "url": self.socket_url}

    def _reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    def _reactions_remove(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view = dict(args.get("view") or {})
        view.update({"id": f"V{self.next_ts().replace('.', '')}", "hash": "h1"})
        return {"ok": True, "view": view}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view = dict(args.get("view") or {})
        view.update({"id": args.get("view_id"), "hash": "h2"})
        return {"ok": True, "view": view}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages, newest first, each with reply_count as Slack reports it."""
        channel, latest = args.get("channel"), float(args.get("latest") or "9999999999")
        inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")
        limit = int(args.get("limit") or 100)
        with self._lock:
            every = [dict(m) for m in self.messages if m["channel"] == channel]
        top = [m for m in every if not m.get("thread_ts") or m.get("thread_ts") == m["ts"]]
        top = [m for m in top if float(m["ts"]) < latest or (inclusive and float(m["ts"]) == latest)]
        for m in top:
            m.pop("channel")
            replies = sum(1 for r in every if r.get("thread_ts") == m["ts"] and r["ts"] != m["ts"])
            if replies:
                m["reply_count"] = replies
        top.sort(key=lambda m: float(m["ts"]), reverse=True)
        return {"ok": True, "messages": top[:limit], "has_more": len(top) > limit}

    def _assistant_threads_setStatus(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        if not (args.get("channel_id") and args.get("thread_ts")) or "status" not in args:
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True}

    def _assistant_threads_setSuggestedPrompts(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        prompts = args.get("prompts") or []
        if not args.get("channel_id") or not prompts or len(prompts) > 4 \
                or not all(p.get("title") and p.get("message") for p in prompts):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True}

    # streaming: chat.startStream opens a message, appendStream adds markdown_text, stopStream finalises it
    def _chat_startStream(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        if not (args.get("channel") and args.get("thread_ts")):
            return {"ok": False, "error": "invalid_arguments"}
        if not str(args["channel"]).startswith("D") and not (args.get("recipient_user_id") and args.get("recipient_team_id")):
            return {"ok": False, "error": "missing_recipient_user_id"}  # channels name the recipient
        message = {"type": "message", "channel": args["channel"], "user": BOT_USER_ID, "bot_id": BOT_ID,
                   "text": args.get("markdown_text", ""), "ts": self.next_ts(), "thread_ts": args["thread_ts"],
                   "streaming": True}
        with self._lock:
            self.messages.append(message)
        return {"ok": True, "channel": args["channel"], "ts": message["ts"]}

    def _streamed(self, args: dict[str, Any]) -> dict[str, Any] | None:
        with self._lock:
            for m in self.messages:
                if m["channel"] == args.get("channel") and m["ts"] == args.get("ts") and m.get("streaming"):
                    return m
        return None

    def _chat_appendStream(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        message = self._streamed(args)
        if message is None:
            return {"ok": False, "error": "message_not_in_streaming_state"}
        message["text"] += args.get("markdown_text", "")
        return {"ok": True, "channel": args["channel"], "ts": args["ts"]}

    def _chat_stopStream(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        message = self._streamed(args)
        if message is None:
            return {"ok": False, "error": "message_not_in_streaming_state"}
        message["text"] += args.get("markdown_text", "") or ""
        message["streaming"] = False
        if args.get("blocks"):
            message["blocks"] = args["blocks"]
        if args.get("metadata"):
            message["metadata"] = args["metadata"]
        return {"ok": True, "channel": args["channel"], "ts": args["ts"],
                "message": {k: v for k, v in message.items() if k != "channel"}}
