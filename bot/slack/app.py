"""The Bolt app: one set of listeners for HTTP (/slack/events) and Socket Mode; ack at once, work lazily."""
from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk import WebClient

from bot.feedback import FeedbackStore
from bot.slack.answering import SlackResponder
from bot.slack.dedupe import SeenEvents
from bot.slack.drafting import DraftStore
from bot.slack.listeners import buttons, dedupe, drafting, questions

if TYPE_CHECKING:
    from bot.services import Services



def make_web_client(services: "Services") -> WebClient:
    settings = services.settings
    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_base_url)


def build_bolt_app(services: "Services", *, client: WebClient | None = None) -> App:
    """Build the app without calling Slack (no auth.test at start: many networks block it).

    Bolt verifies request signatures with the signing secret; Socket Mode requests are not signed and
    Bolt skips the check for them by itself."""
    settings = services.settings
    app = App(
        client=client or make_web_client(services),
        signing_secret=settings.slack_signing_secret or "",
        token_verification_enabled=False,
        # ack first, then the lazy listeners run in Bolt's thread pool: right for a long-running server
        process_before_response=False,
        name="export-assistant",
    )
    responder = SlackResponder(services)
    register_listeners(app, responder, seen=SeenEvents(), drafts=DraftStore(),
                       feedback=FeedbackStore(settings.feedback_db))
    return app


def register_listeners(app: App, responder: SlackResponder, *, seen: SeenEvents, drafts: DraftStore,
                       feedback: FeedbackStore) -> None:
    """Every listener, in the order Bolt should try them; each module registers its own."""
    dedupe.register(app, seen)
    questions.register(app, responder)
    buttons.register(app, responder, feedback)
    drafting.register(app, responder, drafts)
