"""Socket Mode entry point (`python -m bot slack --socket`): the same Bolt app over a websocket, no endpoint."""
from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.slack.app import build_bolt_app

if TYPE_CHECKING:
    from bot.services import Services


class SlackNotConfigured(RuntimeError):
    pass


def build_socket_mode_handler(services: "Services") -> SocketModeHandler:
    settings = services.settings
    if not (settings.slack_bot_token and settings.slack_app_token):
        raise SlackNotConfigured("Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN (xapp-...)")
    app = build_bolt_app(services)
    # the handler's web client is the app's, so apps.connections.open also goes to slack_api_base_url
    return SocketModeHandler(app, app_token=settings.slack_app_token, web_client=app.client)


def run_socket_mode(services: "Services") -> None:
    """Connect and serve until interrupted."""
    build_socket_mode_handler(services).start()
