"""Mount the Bolt app on the FastAPI app at POST /slack/events (events, interactivity, slash commands)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.concurrency import run_in_threadpool

from bot import texts
from bot.slack.app import build_bolt_app

if TYPE_CHECKING:
    from bot.services import Services

EVENTS_PATH = "/slack/events"


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

    @app.post(EVENTS_PATH, include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        # Bolt's sync FastAPI/Starlette adapter, but dispatch runs in the thread pool: Bolt waits (briefly)
        # for ack() and the first request calls auth.test, and neither may block the web server's event loop.
        body = await request.body()
        bolt_response = await run_in_threadpool(bolt_app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)
