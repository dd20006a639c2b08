"""The one place where errors become HTTP responses: domain and web exceptions → status + Japanese message."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot import texts
from bot.errors import AssistantError, BadQuestion, IndexUnavailable
from bot.web.schemas import ErrorResponse

log = logging.getLogger(__name__)


class WebError(Exception):
    """An error of the web layer with its status, code and Japanese message."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class RateLimited(WebError):
    status, code = 429, "rate_limited"

    def __init__(self, retry_after: int):
        super().__init__(texts.WEB_RATE_LIMITED.format(seconds=retry_after), {"Retry-After": str(retry_after)})


class Overloaded(WebError):
    status, code = 503, "overloaded"

    def __init__(self, retry_after: int = 5):
        super().__init__(texts.WEB_OVERLOADED, {"Retry-After": str(retry_after)})


class Busy(WebError):
    """This client already has its share of answers in progress."""

    status, code = 429, "busy"

    def __init__(self, retry_after: int = 5):
        super().__init__(texts.WEB_BUSY, {"Retry-After": str(retry_after)})


class NotReady(WebError):
    status, code = 503, "not_ready"

    def __init__(self, retry_after: int = 10):
        super().__init__(texts.WEB_NOT_READY, {"Retry-After": str(retry_after)})


class Unauthorized(WebError):
    status, code = 401, "unauthorized"

    def __init__(self):
        super().__init__(texts.WEB_UNAUTHORIZED, {"WWW-Authenticate": "Bearer"})


class NotFound(WebError):
    status, code = 404, "not_found"


def describe(error: Exception) -> tuple[int, ErrorResponse, dict[str, str]]:
    """Status, body and headers for any error; also used for the SSE `error` event."""
    if isinstance(error, WebError):
        return error.status, ErrorResponse(code=error.code, message=error.message), error.headers
    if isinstance(error, IndexUnavailable):
        log.error("index unavailable: %s", error)
        return 503, ErrorResponse(code="index_unavailable", message=error.message_ja), {"Retry-After": "30"}
    if isinstance(error, BadQuestion):  # empty, too long or unreadable: one error, one status (bot/validation.py)
        return 400, ErrorResponse(code=f"question_{error.reason}", message=error.message_ja), {}
    if isinstance(error, AssistantError):
        log.error("assistant error: %s", error)
        return 500, ErrorResponse(code="assistant_error", message=error.message_ja), {}
    log.exception("unexpected error", exc_info=error)
    return 500, ErrorResponse(code="internal_error", message=texts.WEB_INTERNAL_ERROR), {}


def _json(status: int, body: ErrorResponse, headers: dict[str, str]) -> JSONResponse:
    return JSONResponse(status_code=status, content=body.model_dump(), headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    async def on_error(request: Request, error: Exception) -> JSONResponse:
        return _json(*describe(error))

    async def on_validation(request: Request, error: RequestValidationError) -> JSONResponse:
        # the field-level details stay in the log: they echo input back and are no help to a visitor
        log.info("invalid request to %s: %s", request.url.path, error.errors()[:3])
        return _json(422, ErrorResponse(code="invalid_request", message=texts.WEB_INVALID_REQUEST), {})

    async def on_http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        messages = {404: texts.WEB_NOT_FOUND, 405: texts.WEB_METHOD_NOT_ALLOWED, 413: texts.WEB_BODY_TOO_LARGE}
        message = messages.get(error.status_code, texts.WEB_INVALID_REQUEST if error.status_code < 500 else texts.WEB_INTERNAL_ERROR)
        code = {400: "invalid_request", 404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(
            error.status_code, "http_error"
        )
        return _json(error.status_code, ErrorResponse(code=code, message=message), dict(error.headers or {}))

    app.add_exception_handler(WebError, on_error)
    app.add_exception_handler(AssistantError, on_error)
    # Starlette's stub types a handler for any Exception; these take the exception class they are registered for
    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, on_error)
