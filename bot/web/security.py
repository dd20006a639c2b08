"""Who is asking (public or coordinator, by bearer token) and the security headers every response carries."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.models import Audience
from bot.web.errors import Unauthorized, describe


def resolve_audience(authorization: str | None, coordinator_token: str | None) -> Audience:
    """`internal` only for `Bearer <coordinator_token>`; no header is `public`; any other credential is refused.

    A wrong token is an error rather than a silent downgrade to public, so a misconfigured partner system
    notices at once instead of getting quietly thinner answers.
    """
    if not authorization:
        return "public"
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or not coordinator_token:
        raise Unauthorized()
    if not hmac.compare_digest(token.encode("utf-8"), coordinator_token.encode("utf-8")):
        raise Unauthorized()
    return "internal"


def csp_hash(source: str) -> str:
    """The CSP source expression allowing exactly this inline <style>/<script> body."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


API_CSP = "default-src 'none'; frame-ancestors 'none'"
BASE_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}


class SecurityHeaders:
    """Pure ASGI middleware (it must not buffer SSE): adds the headers unless the route set its own.

    Pages set their own Content-Security-Policy (they know their inline style hashes); everything else gets
    the API policy, which allows nothing to load and nothing to frame. An unexpected exception becomes the
    Japanese 500 here, inside this middleware, so that response carries the headers (and CORS) too.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                extra = dict(BASE_HEADERS)
                if path != "/widget.js":
                    # the widget script must load into other sites' pages; nothing else may be framed
                    extra["x-frame-options"] = "DENY"
                    extra["content-security-policy"] = API_CSP
                if path.startswith("/api/"):
                    extra["cache-control"] = "no-store"
                for name, value in extra.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_headers(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            if started:
                raise  # too late for a response: let the server close the connection
            status, body, headers = describe(error)  # logs the traceback; the client gets none of it
            payload = json.dumps(body.model_dump(), ensure_ascii=False).encode("utf-8")
            await send_with_headers({
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            *((k.lower().encode(), v.encode()) for k, v in headers.items())],
            })
            await send_with_headers({"type": "http.response.body", "body": payload})
