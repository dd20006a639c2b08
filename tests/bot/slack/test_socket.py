"""Socket Mode: the same Bolt app over a websocket, against a local websocket double (no Slack)."""
from __future__ import annotations

import dataclasses
import json
import queue
import threading
import time

import pytest
from websockets.sync.server import serve

from slack_bolt.util.utils import get_name_for_callable as get_name

from bot.slack.app import build_bolt_app
from bot.slack.socket import SlackNotConfigured, build_socket_mode_handler
from tests.bot.slack.conftest import EXPORTER
from tests.bot.slack.slack_double import BOT_USER_ID, TEAM_ID


class SocketDouble:
    """Slack's side of a Socket Mode connection: says hello, pushes envelopes, collects the acks."""

    def __init__(self):
        self.outbox: queue.Queue[str] = queue.Queue()
        self.acks: queue.Queue[dict] = queue.Queue()
        self.server = serve(self._session, "127.0.0.1", 0)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/link"

    def _session(self, websocket) -> None:
        websocket.send(json.dumps({"type": "hello", "num_connections": 1}))
        while True:
            try:
                websocket.send(self.outbox.get(timeout=0.05))
            except queue.Empty:
                pass
            try:
                incoming = websocket.recv(timeout=0.05)
            except TimeoutError:
                continue
            except Exception:
                return
            self.acks.put(json.loads(incoming))

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture
def socket_services(slack_services, slack_double):
    socket_double = SocketDouble()
    slack_double.socket_url = socket_double.url
    settings = slack_services.settings.model_copy(update={"slack_app_token": "xapp-1-test"})
    yield dataclasses.replace(slack_services, settings=settings), socket_double
    slack_double.socket_url = None
    socket_double.stop()


def test_socket_mode_uses_the_same_listeners_as_http(socket_services):
    services, _ = socket_services
    handler = build_socket_mode_handler(services)
    http_app = build_bolt_app(services)

    def describe(app):
        # each listener by its ack and lazy functions, in registration order
        return [(get_name(listener.ack_function), [get_name(f) for f in listener.lazy_functions])
                for listener in app._listeners]

    assert describe(handler.app) == describe(http_app)
    assert ("just_ack", ["answer_mention"]) in describe(http_app)
    assert ("check_submission", ["submit_draft"]) in describe(http_app)
    assert handler.client.web_client.base_url == services.settings.slack_api_base_url


def test_socket_mode_event_is_acked_and_answered(socket_services, slack_double):
    services, socket_double = socket_services
    handler = build_socket_mode_handler(services)
    handler.connect()  # apps.connections.open on the Web API double, then the websocket double
    try:
        message = slack_double.add_user_message("D0SOCKET1", "香港向けにカキを出荷できますか？", EXPORTER)
        socket_double.outbox.put(json.dumps({
            "envelope_id": "env-0001", "type": "events_api", "accepts_response_payload": False, "retry_attempt": 0,
            "payload": {"type": "event_callback", "team_id": TEAM_ID, "api_app_id": "A0TEST", "event_id": "EvSOCK01",
                        "event_time": int(time.time()),
                        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
                        "event": {"type": "message", "channel": "D0SOCKET1", "channel_type": "im", "user": EXPORTER,
                                  "text": message["text"], "ts": message["ts"], "event_ts": message["ts"]}},
        }))
        ack = socket_double.acks.get(timeout=30)
        assert ack["envelope_id"] == "env-0001"
        [answer] = slack_double.wait_for("chat.postMessage", channel="D0SOCKET1", thread_ts=message["ts"])
        assert "oyster-hongkong" in json.dumps(answer.args["blocks"], ensure_ascii=False)
        assert slack_double.calls_to("apps.connections.open")
    finally:
        handler.close()


def test_socket_mode_needs_an_app_token(slack_services):
    settings = slack_services.settings.model_copy(update={"slack_app_token": None})
    with pytest.raises(SlackNotConfigured):
        build_socket_mode_handler(dataclasses.replace(slack_services, settings=settings))
