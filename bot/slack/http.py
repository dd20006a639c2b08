"""Mount the Bolt app on the FastAPI app at POST /slack/events (events, interactivity, slash commands).

The endpoint is public, so nothing is parsed before the request is known to be Slack's: the body is read
with a size cap, its signature is checked over the raw bytes, and only then does Bolt parse and dispatch it,
all off the event loop."""
from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk.signature import SignatureVerifier
from starlette.concurrency import run_in_threadpool

from bot import texts
from bot.slack.app import build_bolt_app

if TYPE_CHECKING:
    from bot.services import Services

EVENTS_PATH = "/slack/events"
# Slack's own payloads (events, a view submission with a 3,000-char draft, a click on a 50-block message)
# stay far below this; anything bigger is not Slack and is refused before it is read whole
MAX_BODY_BYTES = 1024 * 1024


class BodyTooLarge(Exception):
    pass


async def read_capped(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body, or BodyTooLarge as soon as the declared or the received size passes `limit`."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def attach_slack(app: FastAPI, services: "Services") -> None:
    """With a bot token and signing secret: Slack's endpoint. Without: the same path says Slack is off (503)."""
    settings = services.settings
    if not (settings.slack_bot_token and settings.slack_signing_secret):

        @app.post(EVENTS_PATH, include_in_schema=False)
        async def slack_off() -> JSONResponse:
            return JSONResponse({"detail": texts.SLACK_OFF}, status_code=503)

        return

    bolt_app = build_bolt_app(services)
    app.state.slack_bolt_app = bolt_app
    verifier = SignatureVerifier(settings.slack_signing_secret)

    def handle(request: Request, body: bytes) -> Response:
        # HMAC over the raw bytes first: an unsigned body never reaches json.loads / parse_qs.
        # Bolt checks again after parsing; that second check is cheap and stays as the framework's own.
        try:
            body.decode("utf-8")  # Slack sends UTF-8 only (and the HMAC helper decodes it)
        except UnicodeDecodeError:
            return JSONResponse({"error": "invalid request"}, status_code=400)
        timestamp = request.headers.get("x-slack-request-timestamp", "")
        signature = request.headers.get("x-slack-signature", "")
        if not (timestamp.isdigit() and verifier.is_valid(body=body, timestamp=timestamp, signature=signature)):
            return JSONResponse({"error": "invalid request"}, status_code=401)
        return to_starlette_response(bolt_app.dispatch(to_bolt_request(request, body)))

    @app.post(EVENTS_PATH, include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        # Bolt's sync adapter in the thread pool: verifying, parsing, waiting for ack() and the first
        # auth.test must not block the web server's event loop
        try:
            body = await read_capped(request)
        except BodyTooLarge:
            return JSONResponse({"error": "request body too large"}, status_code=413)
        return await run_in_threadpool(handle, request, body)
