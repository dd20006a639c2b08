"""The Bolt app: one set of listeners for HTTP (/slack/events) and Socket Mode; ack at once, work elsewhere."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler

from bot.feedback import FeedbackStore
from bot.slack.answering import SlackResponder
from bot.slack.channels import ChannelConfig
from bot.slack.dedupe import SeenEvents
from bot.slack.drafting import DraftStore
from bot.slack.followups import AnsweredThreads
from bot.slack.listeners import assistant, buttons, dedupe, drafting, questions
from bot.slack.state import StateDB
from bot.slack.workers import AnswerPool

if TYPE_CHECKING:
    from bot.services import Services

RATE_LIMIT_RETRIES = 3  # a 429 waits its Retry-After and tries again, up to this many times


def make_web_client(services: "Services") -> WebClient:
    settings = services.settings
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_base_url)
    # slack_sdk's defaults retry connection errors only; a 429 would otherwise lose the answer
    handlers: list[RetryHandler] = [*client.retry_handlers, RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)]
    client.retry_handlers = handlers
    return client


@dataclass(frozen=True)
class SlackParts:
    """What the listeners share, built once per app (kept so tests and scripts can look inside)."""

    responder: SlackResponder
    seen: SeenEvents
    drafts: DraftStore
    feedback: FeedbackStore
    pool: AnswerPool


def build_bolt_app(services: "Services", *, client: WebClient | None = None,
                   state: StateDB | None = None) -> App:
    """Build the app without calling Slack (no auth.test at start: many networks block it).

    Bolt verifies request signatures with the signing secret; Socket Mode requests are not signed and
    Bolt skips the check for them by itself."""
    settings = services.settings
    app = App(
        client=client or make_web_client(services),
        signing_secret=settings.slack_signing_secret or "",
        token_verification_enabled=False,
        # ack functions run inline, before the response: a click or shortcut is acked (and its modal opened)
        # without waiting for a free worker; slow work goes to the answer pool, not Bolt's threads
        process_before_response=True,
        name="export-assistant",
    )
    state = state or StateDB(settings.slack_state_db)
    responder = SlackResponder(services, threads=AnsweredThreads(state),
                               channels=ChannelConfig.load(settings.slack_channels_file))
    parts = SlackParts(responder=responder, seen=SeenEvents(state), drafts=DraftStore(state),
                       feedback=FeedbackStore(settings.feedback_db), pool=AnswerPool(settings.slack_answer_workers))
    register_listeners(app, parts)
    app._export_parts = parts  # type: ignore[attr-defined]
    return app


def register_listeners(app: App, parts: SlackParts) -> None:
    """Every listener, in the order Bolt should try them; each module registers its own."""
    dedupe.register(app, parts.seen)
    assistant.register(app)
    questions.register(app, parts.responder, parts.pool)
    buttons.register(app, parts.responder, parts.feedback, parts.pool)
    drafting.register(app, parts.responder, parts.drafts, parts.pool)
