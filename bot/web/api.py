"""JSON and SSE endpoints: /api/ask, /api/ask/stream, /api/feedback, /api/health, /api/ready."""
from __future__ import annotations

import json
import threading
import weakref
from typing import TYPE_CHECKING, Any, AsyncIterator

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse

from bot import texts
from bot.models import Audience
from bot.web.answering import finish, prepare, run_chain, stream_chain, stream_pieces, web_channel
from bot.web.errors import NotFound, describe
from bot.web.schemas import (
    AskRequest,
    AskResponse,
    ErrorResponse,
    FeedbackRequest,
    FeedbackResponse,
    HealthResponse,
    ReadyResponse,
)
from bot.web.state import WebState, get_audience, get_services, get_state, rate_limit

if TYPE_CHECKING:
    from bot.services import Services

router = APIRouter(prefix="/api")

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "質問が空・長すぎる（NFKC 正規化後の文字数）・読み取れない文字を含む、または本文を読み取れない"},
    401: {"model": ErrorResponse, "description": "認証トークンが正しくない"},
    413: {"model": ErrorResponse, "description": "本文が大きすぎる（64 KB 超）"},
    422: {"model": ErrorResponse, "description": "本文の形式が正しくない（JSON でない、question が文字列でないなど）"},
    429: {"model": ErrorResponse, "description": "送信回数の上限（Retry-After あり）"},
    503: {"model": ErrorResponse, "description": "準備中・混雑・インデックス不通（Retry-After あり）"},
}
_STREAM_DOC = """Server-Sent Events: `status` {message}, `answer` {text} (pieces of the answer text, in order; in LLM
mode the model's tokens as they arrive), `replace` {text, notice} (the streamed LLM text was rejected: show this
text and notice instead), `citations` [..], `done` (the same JSON as /api/ask), or `error` {status, code, message}."""


@router.post("/ask", response_model=AskResponse, responses=_ERRORS)
async def ask(
    body: AskRequest,
    request: Request,
    state: WebState = Depends(get_state),
    services: "Services" = Depends(get_services),
    audience: Audience = Depends(get_audience),
    client: str = Depends(rate_limit),
) -> AskResponse:
    prepared = prepare(state, body, audience, web_channel(request.headers.get("origin")))
    with state.concurrency.slot(client):
        # shielded: the slot must stay taken while the worker thread runs, even if the client went away
        with anyio.CancelScope(shield=True):
            answer = await run_chain(state, services, prepared)
    return finish(state, prepared, answer)


@router.post(
    "/ask/stream",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": _STREAM_DOC}, **_ERRORS},
)
async def ask_stream(
    body: AskRequest,
    request: Request,
    state: WebState = Depends(get_state),
    services: "Services" = Depends(get_services),
    audience: Audience = Depends(get_audience),
    client: str = Depends(rate_limit),
) -> EventSourceResponse:
    # checks and the concurrency slot come before the stream starts, so they are real HTTP statuses
    prepared = prepare(state, body, audience, web_channel(request.headers.get("origin")))
    state.concurrency.acquire(client)
    slot = _Slot(state, client)

    async def events() -> AsyncIterator[dict]:
        try:
            yield _event("status", {"message": texts.WEB_STATUS_SEARCHING})
            answer_stream = stream_chain(services, prepared)
            pieces = iter(answer_stream)
            try:
                first = True
                # each next() runs in the bounded answer pool, so tokens go out as they arrive
                while (piece := await anyio.to_thread.run_sync(next, pieces, None, limiter=state.answer_pool)) is not None:
                    if first:
                        yield _event("status", {"message": texts.WEB_STATUS_WRITING})
                        first = False
                    for part in stream_pieces(piece):
                        yield _event("answer", {"text": part})
            finally:
                answer_stream.close()  # a client that went away stops the model's generation too
                slot.release()
            response = finish(state, prepared, answer_stream.answer)
            if answer_stream.replaced:  # the streamed LLM text was rejected: the extractive answer takes its place
                yield _event("replace", {"text": response.text, "notice": texts.LLM_REPLACED_NOTICE})
            yield _event("citations", [c.model_dump() for c in response.citations])
            yield {"event": "done", "data": response.model_dump_json()}
        except Exception as error:  # after the 200 is sent, errors travel as an event
            status, error_body, _ = describe(error)
            yield _event("error", {"status": status, **error_body.model_dump()})

    stream = events()
    # a stream the client abandons before it starts never runs its finally: free the slot when it is dropped
    weakref.finalize(stream, slot.release)
    return EventSourceResponse(stream, ping=15, headers={"Cache-Control": "no-store"})


@router.post(
    "/feedback",
    response_model=FeedbackResponse,
    responses={**{code: _ERRORS[code] for code in (400, 413, 422, 429)}, 404: {"model": ErrorResponse}},
    dependencies=[Depends(rate_limit)],
)
async def feedback(body: FeedbackRequest, state: WebState = Depends(get_state)) -> FeedbackResponse:
    # only answers this server gave can be rated: the store is not a free-form comment box for anyone
    record = state.conversations.find_answer(body.answer_id)
    if record is None:
        raise NotFound(texts.WEB_UNKNOWN_ANSWER)
    row_id = await anyio.to_thread.run_sync(
        lambda: state.feedback.record(
            body.answer_id, body.rating, body.comment, "web", None, record.question, record.answer_text
        )
    )
    return FeedbackResponse(id=row_id, message=texts.WEB_FEEDBACK_THANKS)


@router.get("/health", response_model=HealthResponse)
async def health(state: WebState = Depends(get_state)) -> HealthResponse:
    return HealthResponse(
        slack="on" if state.settings.slack_enabled else "off",
        # opening a new generation reads files: not on the event loop
        index_generation=await anyio.to_thread.run_sync(_generation, state),
    )


@router.get("/ready", response_model=ReadyResponse, responses={503: {"model": ReadyResponse}})
async def ready(state: WebState = Depends(get_state)):
    services = state.services
    is_ready = services is not None and await anyio.to_thread.run_sync(lambda: services.ready)
    if is_ready:
        return ReadyResponse(ready=True, message=texts.WEB_READY)
    return JSONResponse(
        status_code=503,
        content=ReadyResponse(ready=False, message=texts.WEB_NOT_READY).model_dump(),
        headers={"Retry-After": "10"},
    )


class _Slot:
    """A concurrency slot released exactly once, whichever of the stream's end or its disposal comes first."""

    def __init__(self, state: WebState, client: str):
        self._state = state
        self._client = client
        self._held = True
        self._lock = threading.Lock()  # the finalizer may run on another thread

    def release(self) -> None:
        with self._lock:
            held, self._held = self._held, False
        if held:
            self._state.concurrency.release(self._client)


def _event(name: str, data: object) -> dict:
    return {"event": name, "data": json.dumps(data, ensure_ascii=False)}


def _generation(state: WebState) -> str | None:
    if state.services is None:
        return None
    try:
        reader = state.services.live_index.current()
    except Exception:  # health must answer 200 even when the index is gone
        return None
    generation = getattr(reader, "generation", None)
    if generation is None:
        generation = getattr(getattr(reader, "manifest", None), "generation", None)
    return str(generation) if generation is not None else None
