"""The web app factory: `create_app(settings, services=None)` wires routes, limits, headers and error mapping."""
from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, AsyncIterator

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from bot.settings import Settings
from bot.web import api, pages
from bot.web.console import install_console
from bot.web.errors import install_error_handlers
from bot.web.limits import BodySizeLimit
from bot.web.security import SecurityHeaders
from bot.web.state import WebState

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024  # a 500-character question is ~2 KB of JSON; anything near this is not a question


def create_app(settings: Settings, services: "Services | None" = None) -> FastAPI:
    """The ASGI app. Without `services`, they are built in the background at start-up (see /api/ready)."""
    state = WebState.from_settings(settings, services)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loader = None
        if state.services is None:
            loader = asyncio.create_task(_load_services(app, state))
        try:
            yield
        finally:
            if loader is not None and not loader.done():
                loader.cancel()

    app = FastAPI(
        title="輸出相談アシスタント API",
        version="1.0",
        description="食品・農林水産物の輸出に関する質問に、出典付きで答える API。",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI loads its assets from a CDN; the contract is /openapi.json
        redoc_url=None,
    )
    app.state.web = state
    install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    install_console(app)
    # innermost first: the body limit, then headers (which also turn stray exceptions into the Japanese 500),
    # CORS outermost so that every response, errors included, is readable by the allowed sites
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(SecurityHeaders)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            # no Authorization: the coordinator token is for server-to-server calls, never a browser on another site
            allow_headers=["Content-Type"],
            expose_headers=["Retry-After"],
            max_age=600,
        )
    if services is not None:
        _attach_slack(app, state)
    return app


async def _load_services(app: FastAPI, state: WebState) -> None:
    from bot.services import build_services  # heavy: the embedder and the index

    try:
        state.services = await anyio.to_thread.run_sync(build_services, state.settings)
    except Exception as error:  # keep serving: /api/health stays up and /api/ready explains
        state.load_error = str(error)
        log.error("could not build services: %s", error)
        return
    log.info("services ready (index %s)", state.settings.index_dir)
    _attach_slack(app, state)


def _attach_slack(app: FastAPI, state: WebState) -> None:
    if not state.settings.slack_enabled or state.services is None:
        return  # /slack/events then answers 404 and /api/health says slack "off"
    from bot.slack.http import attach_slack  # slack-bolt only when Slack is configured

    attach_slack(app, state.services)
