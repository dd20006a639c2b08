"""What the running web app holds (settings, services once loaded, stores, limiters) and its dependencies."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio
from fastapi import Depends, Request

from bot.conversations import ConversationStore
from bot.feedback import FeedbackStore
from bot.models import Audience
from bot.settings import Settings
from bot.web.errors import NotReady
from bot.web.limits import ConcurrencyLimiter, SlidingWindowRateLimiter, client_key
from bot.web.security import resolve_audience

if TYPE_CHECKING:  # bot.services pulls in the index and models; only its type is needed here
    from bot.services import Services


@dataclass
class WebState:
    settings: Settings
    conversations: ConversationStore
    feedback: FeedbackStore
    rate_limiter: SlidingWindowRateLimiter
    concurrency: ConcurrencyLimiter
    answer_pool: anyio.CapacityLimiter  # the worker threads the chain runs in, apart from anyio's shared pool
    services: "Services | None" = None
    load_error: str | None = None  # why services could not be built, for the log and /api/ready

    @classmethod
    def from_settings(cls, settings: Settings, services: "Services | None" = None) -> "WebState":
        return cls(
            settings=settings,
            conversations=ConversationStore(settings.max_conversations, settings.conversation_ttl_seconds),
            feedback=FeedbackStore(settings.feedback_db),
            rate_limiter=SlidingWindowRateLimiter(settings.rate_limit_per_minute, 60.0),
            concurrency=ConcurrencyLimiter(settings.max_concurrent_requests, settings.max_concurrent_per_client),
            answer_pool=anyio.CapacityLimiter(max(1, settings.answer_workers)),
            services=services,
        )


def get_state(request: Request) -> WebState:
    return request.app.state.web


def get_services(state: WebState = Depends(get_state)) -> "Services":
    if state.services is None:
        raise NotReady()
    return state.services


def get_audience(request: Request, state: WebState = Depends(get_state)) -> Audience:
    return resolve_audience(request.headers.get("authorization"), state.settings.coordinator_token)


def rate_limit(request: Request, state: WebState = Depends(get_state)) -> str:
    """Count the request against its client's limit; returns the client key (for the per-client concurrency cap)."""
    peer = request.client.host if request.client else None
    key = client_key(peer, request.headers.get("x-forwarded-for"), state.settings.trusted_proxy_hops)
    state.rate_limiter.hit(key)
    return key
