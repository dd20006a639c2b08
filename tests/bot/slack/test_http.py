"""/slack/events on the real web app: URL verification, Bolt's signature check, and Slack switched off."""
from __future__ import annotations

import dataclasses
import time

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot import texts
from bot.slack.http import attach_slack
from tests.bot.slack.conftest import EXPORTER, PUBLIC_CHANNEL
from tests.bot.slack.slack_double import BOT_USER_ID


def test_url_verification_echoes_the_challenge(slack):
    response = slack.post_json({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                                "type": "url_verification"})
    assert response.status_code == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.text


def _mention_event(double, text: str) -> dict:
    message = double.add_user_message(PUBLIC_CHANNEL, f"<@{BOT_USER_ID}> {text}", EXPORTER)
    return {"type": "app_mention", "channel": PUBLIC_CHANNEL, "user": EXPORTER, "text": message["text"],
            "ts": message["ts"], "event_ts": message["ts"]}


def test_wrong_secret_is_rejected_and_nothing_is_posted(slack, slack_double):
    event = _mention_event(slack_double, "いちごを台湾に送るときの準備は？")
    response = slack.event(event, secret="not-the-signing-secret")
    assert response.status_code == 401
    stale = slack.event(event, timestamp=int(time.time()) - 600)  # signed correctly, but 10 minutes old
    assert stale.status_code == 401
    # a valid request afterwards is answered; the rejected ones never reached a listener
    slack.event(event)
    slack_double.wait_for("chat.postMessage", channel=PUBLIC_CHANNEL, thread_ts=event["ts"])
    assert len(slack_double.calls_to("assistant.threads.setStatus", thread_ts=event["ts"])) == 1


def test_unsigned_or_tampered_requests_are_rejected(slack, slack_server):
    unsigned = httpx.post(slack_server.url + "/slack/events", json={"type": "url_verification", "challenge": "x"})
    assert unsigned.status_code == 401
    body = '{"type": "url_verification", "challenge": "x"}'
    ts = str(int(time.time()))
    from slack_sdk.signature import SignatureVerifier
    from tests.bot.slack.conftest import SIGNING_SECRET

    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body)
    tampered = httpx.post(slack_server.url + "/slack/events", content=body.replace('"x"', '"y"'),
                          headers={"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature,
                                   "Content-Type": "application/json"})
    assert tampered.status_code == 401


def test_without_a_signing_secret_the_endpoint_says_slack_is_off(slack_services):
    # Socket Mode only (app token, no signing secret): nothing may be accepted over HTTP
    settings = slack_services.settings.model_copy(update={"slack_signing_secret": None, "slack_app_token": "xapp-1"})
    services = dataclasses.replace(slack_services, settings=settings)
    app = FastAPI()
    attach_slack(app, services)
    with TestClient(app) as client:
        response = client.post("/slack/events", json={"type": "url_verification", "challenge": "x"})
    assert response.status_code == 503
    assert response.json() == {"detail": texts.SLACK_OFF}


# --- H1: the public endpoint refuses what is not Slack's before parsing it ---

def test_a_huge_unsigned_body_is_refused_without_reading_it(slack_server):
    from bot.slack.http import MAX_BODY_BYTES

    huge = b"{" + b" " * (24 * 1024 * 1024) + b"}"
    with httpx.Client(timeout=30) as client:
        response = client.post(slack_server.url + "/slack/events", content=huge,
                               headers={"Content-Type": "application/json"})
        assert response.status_code == 413
        # the web app kept serving meanwhile and afterwards
        assert client.get(slack_server.url + "/api/health").status_code == 200
    assert len(huge) > MAX_BODY_BYTES


def test_a_chunked_body_over_the_cap_gets_413(slack_server):
    from bot.slack.http import MAX_BODY_BYTES

    def chunks():
        piece = b" " * 65536
        for _ in range(MAX_BODY_BYTES // len(piece) + 2):
            yield piece

    with httpx.Client(timeout=30) as client:
        response = client.post(slack_server.url + "/slack/events", content=chunks(),
                               headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert httpx.get(slack_server.url + "/api/health").status_code == 200


def test_an_unsigned_body_that_is_not_json_gets_401_not_500(slack_server):
    response = httpx.post(slack_server.url + "/slack/events", content=b"\x00garbage{" * 10000,
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 401


def test_a_signed_body_that_is_not_utf8_gets_400(slack):
    import hashlib
    import hmac

    from tests.bot.slack.conftest import SIGNING_SECRET

    body = b"payload=\xff\xfe"
    ts = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    signature = f"v0={digest}"
    response = slack.http.post(slack.url, content=body, headers={
        "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400


def test_a_declared_huge_body_is_refused_before_any_of_it_is_read(slack_server):
    # only the headers and a few bytes are sent: a server that waited to read 24 MB would never answer
    import socket
    from urllib.parse import urlparse

    url = urlparse(slack_server.url)
    with socket.create_connection((url.hostname, url.port), timeout=20) as conn:
        conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 25165824\r\n\r\n{\"a\":")
        reply = conn.recv(4096)
    assert reply.startswith(b"HTTP/1.1 413")
