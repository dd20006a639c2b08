"""/console: the coordinators' pages (sign-in, dashboard, unanswered queue, curated answers, matches, CSV export)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.consultation_log import to_csv
from bot.consultation_report import find_group, summarize, unanswered_groups, window
from bot.curated import CuratedAnswer
from bot.web import console_texts as t
from bot.web import console_views as views
from bot.web.console_auth import (
    LOGIN_COOKIE,
    LOGIN_SECONDS,
    SESSION_COOKIE,
    ConsoleKeys,
    ConsoleSession,
    cookie_options,
)
from bot.web.console_forms import FormUnreadable, citations_for, first, parse_curated, read_form, source_choices
from bot.web.state import WebState, get_services, get_state, rate_limit

if TYPE_CHECKING:
    from bot.consultation_log import ConsultationLog
    from bot.services import Services

CSS_PATH = Path(__file__).resolve().parent.parent / "console" / "console.css"
HEADERS = {"Content-Security-Policy": views.CONSOLE_CSP, "X-Frame-Options": "DENY", "Cache-Control": "no-store"}
DASHBOARD_DAYS = 30
QUEUE_DAYS = 90
NOTICES = {"saved": t.CURATED_SAVED, "retired": t.CURATED_RETIRED_DONE}

router = APIRouter(prefix="/console", include_in_schema=False)


class ConsoleRefused(Exception):
    """Not signed in (or the console is off): pages send the browser to sign in, form posts get 401."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class CsrfRejected(Exception):
    pass


def install_console(app: FastAPI) -> None:
    """The console's router and the mapping of its two refusals to pages."""
    app.include_router(router)

    @app.exception_handler(ConsoleRefused)
    async def refused(request: Request, error: ConsoleRefused) -> Response:
        if request.method == "GET" and error.status == 401:
            return RedirectResponse("/console/login", status_code=303, headers=HEADERS)
        return _html(views.message_page(t.TITLE, error.message), error.status)

    @app.exception_handler(CsrfRejected)
    async def csrf_rejected(request: Request, error: CsrfRejected) -> Response:
        return _html(views.message_page(t.TITLE, t.CSRF_REJECTED), 403)

    @app.exception_handler(FormUnreadable)
    async def unreadable(request: Request, error: FormUnreadable) -> Response:
        return _html(views.message_page(t.TITLE, t.FORM_UNREADABLE), 400)


@dataclass(frozen=True)
class Coordinator:
    """A signed-in coordinator's request: the keys and session that check its forms."""

    keys: ConsoleKeys
    session: ConsoleSession

    @property
    def csrf(self) -> str:
        return self.keys.csrf(self.session)

    def frame(self, current: str, notice: str | None = None, errors: tuple[str, ...] = ()) -> views.PageFrame:
        return views.PageFrame(self.csrf, current, notice, errors)


def get_keys(state: WebState = Depends(get_state)) -> ConsoleKeys:
    if not state.settings.coordinator_token:
        raise ConsoleRefused(404, t.LOGIN_DISABLED)
    return ConsoleKeys(state.settings.coordinator_token)


def coordinator(request: Request, keys: ConsoleKeys = Depends(get_keys)) -> Coordinator:
    session = keys.read("session", request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise ConsoleRefused(401, t.SESSION_REQUIRED)
    return Coordinator(keys, session)


async def checked_form(request: Request, who: Coordinator) -> dict[str, list[str]]:
    form = await read_form(request)
    if not who.keys.csrf_ok(who.session, first(form, "csrf")):
        raise CsrfRejected()
    return form


# --- sign-in ---
@router.get("/login")
async def login_form(keys: ConsoleKeys = Depends(get_keys)) -> Response:
    nonce_cookie = keys.issue("login", LOGIN_SECONDS)
    session = keys.read("login", nonce_cookie)
    assert session is not None
    response = _html(views.login_page(keys.csrf(session)))
    response.set_cookie(LOGIN_COOKIE, nonce_cookie, **cookie_options(LOGIN_SECONDS))
    return response


@router.post("/login", dependencies=[Depends(rate_limit)])
async def login(request: Request, state: WebState = Depends(get_state),
                keys: ConsoleKeys = Depends(get_keys)) -> Response:
    form = await read_form(request)
    pre_session = keys.read("login", request.cookies.get(LOGIN_COOKIE))
    if not keys.csrf_ok(pre_session, first(form, "csrf")):
        raise CsrfRejected()
    if not keys.token_matches(first(form, "token")):
        assert pre_session is not None
        return _html(views.login_page(keys.csrf(pre_session), t.LOGIN_WRONG), 401)
    seconds = state.settings.console_session_hours * 3600
    response = RedirectResponse("/console", status_code=303, headers=HEADERS)
    response.set_cookie(SESSION_COOKIE, keys.issue("session", seconds), **cookie_options(seconds))
    response.delete_cookie(LOGIN_COOKIE, path=cookie_options(0)["path"])
    return response


@router.post("/logout")
async def logout(request: Request, who: Coordinator = Depends(coordinator)) -> Response:
    await checked_form(request, who)
    response = _html(views.message_page(t.TITLE, t.SIGNED_OUT))
    response.delete_cookie(SESSION_COOKIE, path=cookie_options(0)["path"], secure=True, httponly=True,
                           samesite="strict")
    return response


@router.get("/console.css")
async def console_css() -> Response:
    return Response(CSS_PATH.read_text(encoding="utf-8"), media_type="text/css; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=300"})


# --- dashboard and queue ---
@router.get("")
async def dashboard(days: int = DASHBOARD_DAYS, who: Coordinator = Depends(coordinator),
                    services: "Services" = Depends(get_services)) -> Response:
    days = _days(days, DASHBOARD_DAYS)
    since, until = window(days)
    rows = await anyio.to_thread.run_sync(lambda: _log(services).rows(since, until))
    return _html(views.dashboard_page(who.frame("dashboard"), summarize(rows, since, until), days))


@router.get("/queue")
async def queue(days: int = QUEUE_DAYS, who: Coordinator = Depends(coordinator),
                services: "Services" = Depends(get_services)) -> Response:
    days = _days(days, QUEUE_DAYS)
    groups = await anyio.to_thread.run_sync(lambda: _groups(services, days))
    return _html(views.queue_page(who.frame("queue"), groups, days))


@router.get("/log.csv")
async def log_csv(days: int = 365, who: Coordinator = Depends(coordinator),
                  services: "Services" = Depends(get_services)) -> Response:
    days = _days(days, 365)
    since, until = window(days)
    rows = await anyio.to_thread.run_sync(lambda: _log(services).rows(since, until))
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d")
    return Response(to_csv(rows), media_type="text/csv; charset=utf-8", headers={
        **HEADERS, "Content-Disposition": f'attachment; filename="consultations-{stamp}.csv"'})


# --- curated answers ---
@router.get("/curated")
async def curated_list(done: str | None = None, who: Coordinator = Depends(coordinator),
                       services: "Services" = Depends(get_services)) -> Response:
    matched = await anyio.to_thread.run_sync(lambda: _match_counts(services))
    return _html(views.curated_list_page(who.frame("curated", NOTICES.get(done or "")), services.curated.all(), matched))


@router.get("/curated/export.jsonl")
async def curated_export(who: Coordinator = Depends(coordinator),
                         services: "Services" = Depends(get_services)) -> Response:
    return Response(services.curated.export_jsonl(), media_type="application/x-ndjson; charset=utf-8", headers={
        **HEADERS, "Content-Disposition": 'attachment; filename="curated_answers.jsonl"'})


@router.get("/curated/new")
async def curated_new(group: str = "", days: int = QUEUE_DAYS, who: Coordinator = Depends(coordinator),
                      services: "Services" = Depends(get_services)) -> Response:
    found = await anyio.to_thread.run_sync(lambda: find_group(_groups(services, _days(days, QUEUE_DAYS)), group))
    values = views.CuratedFormValues()
    heading = None
    if found is not None:
        cited = tuple(dict.fromkeys(d for q in found.questions for d in q.cited))
        values = views.CuratedFormValues(questions=tuple(q.question for q in found.questions), sources=cited,
                                         group=found.key)
        heading = views.group_heading(found)
    return _form_page(who, services, values, "/console/curated", t.CURATED_NEW, heading=heading)


@router.post("/curated")
async def curated_create(request: Request, who: Coordinator = Depends(coordinator),
                         services: "Services" = Depends(get_services)) -> Response:
    form = await checked_form(request, who)
    reader = services.live_index.current()
    values, errors = parse_curated(form, source_choices(reader))
    if errors:
        return _form_page(who, services, values, "/console/curated", t.CURATED_NEW, errors, 422)
    citations = citations_for(reader, values.sources)
    await anyio.to_thread.run_sync(lambda: services.curated.add(
        values.questions[0], values.body, citations, author="console", audience=values.audience,
        variants=values.questions[1:], review_by=values.review_by or None))
    return RedirectResponse("/console/curated?done=saved", status_code=303, headers=HEADERS)


@router.get("/curated/{curated_id}")
async def curated_edit(curated_id: str, who: Coordinator = Depends(coordinator),
                       services: "Services" = Depends(get_services)) -> Response:
    answer = _curated(services, curated_id)
    values = views.CuratedFormValues(questions=answer.questions, body=answer.answer_text,
                                     sources=tuple(c.doc_id for c in answer.citations), audience=answer.audience,
                                     review_by=answer.review_by or "")
    return _form_page(who, services, values, f"/console/curated/{curated_id}", t.CURATED_EDIT)


@router.post("/curated/{curated_id}")
async def curated_update(curated_id: str, request: Request, who: Coordinator = Depends(coordinator),
                         services: "Services" = Depends(get_services)) -> Response:
    form = await checked_form(request, who)
    _curated(services, curated_id)
    reader = services.live_index.current()
    values, errors = parse_curated(form, source_choices(reader))
    if errors:
        return _form_page(who, services, values, f"/console/curated/{curated_id}", t.CURATED_EDIT, errors, 422)
    citations = citations_for(reader, values.sources)
    await anyio.to_thread.run_sync(lambda: services.curated.update(
        curated_id, question=values.questions[0], answer_text=values.body, citations=citations,
        audience=values.audience, variants=values.questions[1:], review_by=values.review_by, author="console"))
    return RedirectResponse("/console/curated?done=saved", status_code=303, headers=HEADERS)


@router.post("/curated/{curated_id}/retire")
async def curated_retire(curated_id: str, request: Request, who: Coordinator = Depends(coordinator),
                         services: "Services" = Depends(get_services)) -> Response:
    await checked_form(request, who)
    _curated(services, curated_id)
    await anyio.to_thread.run_sync(lambda: services.curated.retire(curated_id, author="console"))
    return RedirectResponse("/console/curated?done=retired", status_code=303, headers=HEADERS)


@router.get("/matches")
async def matches(who: Coordinator = Depends(coordinator), services: "Services" = Depends(get_services)) -> Response:
    rows = await anyio.to_thread.run_sync(lambda: [r for r in _log(services).rows() if r.curated_id])
    answers = {a.curated_id: a for a in services.curated.all()}
    return _html(views.matches_page(who.frame("matches"), list(reversed(rows)), answers))


# --- helpers ---
def _groups(services: "Services", days: int):
    since, until = window(days)
    answered = [q for a in services.curated.all() if not a.retired for q in a.questions]
    return unanswered_groups(_log(services).rows(since, until), answered)


def _match_counts(services: "Services") -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in _log(services).rows():
        if row.curated_id:
            counts[row.curated_id] = counts.get(row.curated_id, 0) + 1
    return counts


def _curated(services: "Services", curated_id: str) -> CuratedAnswer:
    answer = services.curated.get(curated_id)
    if answer is None:
        raise ConsoleRefused(404, t.NOT_FOUND)
    return answer


def _form_page(who: Coordinator, services: "Services", values: views.CuratedFormValues, action: str, title: str,
               errors: list[str] | tuple[str, ...] = (), status: int = 200, heading: str | None = None) -> Response:
    sources = list(source_choices(services.live_index.current()).values())
    current = "queue" if values.group else "curated"
    page = views.curated_form_page(who.frame(current, errors=tuple(errors)), values, sources, action, title, heading)
    return _html(page, status)


def _log(services: "Services") -> "ConsultationLog":
    """The consultation log; the console is only installed where services (and so the log) exist."""
    if services.consultations is None:
        raise RuntimeError("the consultation log is not open")
    return services.consultations


def _days(days: int, default: int) -> int:
    return days if days in views.WINDOW_CHOICES else default


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=HEADERS)
