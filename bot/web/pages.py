"""HTML and static routes: /sources/{doc_id} (citation targets), /widget.js, /demo and its stylesheet."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot import texts
from bot.errors import IndexUnavailable
from bot.models import Audience
from bot.web.sources import PAGE_CSP, render_message_page, render_source_page
from bot.web.state import WebState, get_audience, get_services, get_state
from ingest import visible

if TYPE_CHECKING:
    from bot.services import Services

WIDGET_DIR = Path(__file__).resolve().parent.parent / "widget"
TEXTS_MARKER = "/*@WIDGET_TEXTS@*/{}"
CONFIG_MARKER = "/*@WIDGET_CONFIG@*/{}"
ORIGIN_MARKER = "{{ORIGIN}}"
_PLAIN_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$")
PAGE_HEADERS = {"Content-Security-Policy": PAGE_CSP, "X-Frame-Options": "DENY"}

router = APIRouter()


@router.get("/sources/{doc_id}", response_class=HTMLResponse, responses={404: {"content": {"text/html": {}}}})
async def source_page(
    doc_id: str,
    services: "Services" = Depends(get_services),
    audience: Audience = Depends(get_audience),
) -> HTMLResponse:
    def load():
        try:
            reader = services.live_index.current()
        except Exception as error:  # missing/corrupt index or Chroma down: one domain error, one status
            raise IndexUnavailable(str(error)) from error
        meta = reader.documents.get(doc_id)
        # an internal document is answered exactly like a missing one, so its id does not leak either
        if meta is None or not visible(meta.audience, audience):
            return None, []
        return meta, reader.sections(doc_id)

    meta, sections = await anyio.to_thread.run_sync(load)
    if meta is None:
        page = render_message_page(texts.WEB_SOURCE_NOT_FOUND, texts.WEB_SOURCE_NOT_FOUND)
        return HTMLResponse(page, status_code=404, headers=PAGE_HEADERS)
    headers = dict(PAGE_HEADERS)
    if not visible(meta.audience, "public"):
        headers["Cache-Control"] = "no-store"
    return HTMLResponse(render_source_page(meta, sections), headers=headers)


@router.get("/widget.js", include_in_schema=False)
async def widget_js(state: WebState = Depends(get_state)) -> Response:
    settings = state.settings
    return Response(
        widget_script(settings.max_question_chars, settings.conversation_ttl_seconds),
        media_type="text/javascript; charset=utf-8",
        headers={
            "Cache-Control": "public, max-age=300",
            # host pages on other origins load this script, including ones that set COEP
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )


@router.get("/demo", response_class=HTMLResponse, include_in_schema=False)
async def demo(state: WebState = Depends(get_state)) -> HTMLResponse:
    # the configured public base URL, or this page's own origin (relative URLs): never the Host header, which
    # the client chooses and a shared cache would then serve to everyone
    origin = state.settings.public_base_url.rstrip("/")
    page = demo_template().replace(ORIGIN_MARKER, escape(origin, quote=True))
    return HTMLResponse(page, headers={"Content-Security-Policy": demo_csp(origin), "X-Frame-Options": "DENY"})


@router.get("/demo.css", include_in_schema=False)
async def demo_css() -> Response:
    return Response((WIDGET_DIR / "demo.css").read_text(encoding="utf-8"), media_type="text/css; charset=utf-8")


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> Response:
    return Response(status_code=204)  # browsers ask for it on every page; an empty answer, not a 404 in the log


@router.get("/", include_in_schema=False)
async def root() -> RedirectResponse:
    return RedirectResponse("/demo")


@lru_cache(maxsize=4)
def widget_script(max_question_chars: int, conversation_ttl_seconds: int) -> str:
    """widget.js with the UI strings of bot.texts and the server's limits filled in (ASCII-escaped: safe
    whatever the host page's charset), so the widget never holds a copy of a limit that could drift."""
    source = (WIDGET_DIR / "widget.js").read_text(encoding="utf-8")
    for marker in (TEXTS_MARKER, CONFIG_MARKER):
        if marker not in source:
            raise RuntimeError(f"widget.js lost its {marker} marker")
    config = {"max_question_chars": max_question_chars, "conversation_ttl_seconds": conversation_ttl_seconds}
    return source.replace(TEXTS_MARKER, json.dumps(texts.WIDGET_TEXTS, ensure_ascii=True)).replace(
        CONFIG_MARKER, json.dumps(config)
    )


@lru_cache(maxsize=1)
def demo_template() -> str:
    return (WIDGET_DIR / "demo.html").read_text(encoding="utf-8")


def demo_csp(origin: str) -> str:
    """As strict as a careful prefecture site might be (no inline script or style): the widget must work under it.

    `origin` is where the snippet points (public_base_url behind a proxy, empty: this origin); it is allowed
    besides 'self'.
    """
    # a misconfigured base URL must not open the policy: only a plain scheme://host[:port] goes into it
    allowed = f"'self' {origin}" if _PLAIN_ORIGIN.match(origin) else "'self'"
    return (
        f"default-src 'none'; script-src {allowed}; connect-src {allowed}; style-src 'self'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
