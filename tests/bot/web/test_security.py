"""Audience by bearer token (the internal canary never reaches the public), CORS and security headers."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from bot.web.errors import Unauthorized
from bot.web.security import resolve_audience
from tests.bot.web.conftest import ALLOWED_ORIGIN, CANARY, COORDINATOR_TOKEN

CANARY_QUESTIONS = ["内部限定カナリアとは何ですか", "コーディネーター向け内部メモの取扱いは？", "KANARIA-7731"]
BEARER = {"Authorization": f"Bearer {COORDINATOR_TOKEN}"}


@pytest.mark.parametrize("question", CANARY_QUESTIONS)
def test_public_answers_never_contain_the_internal_canary(client: TestClient, question):
    asked = client.post("/api/ask", json={"question": question})
    assert asked.status_code == 200
    assert CANARY not in asked.text
    assert all(c["doc_id"] != "internal-coordinator-notes" for c in asked.json()["citations"])
    with client.stream("POST", "/api/ask/stream", json={"question": question}) as stream:
        raw = stream.read().decode("utf-8")
    assert CANARY not in raw and "internal-coordinator-notes" not in raw


def test_internal_source_page_is_404_for_the_public_and_shown_to_the_coordinator(client: TestClient):
    public = client.get("/sources/internal-coordinator-notes")
    assert public.status_code == 404
    assert CANARY not in public.text and "コーディネーター向け内部メモ" not in public.text
    assert public.text == client.get("/sources/no-such-document").text  # indistinguishable from missing
    coordinator = client.get("/sources/internal-coordinator-notes", headers=BEARER)
    assert coordinator.status_code == 200 and CANARY in coordinator.text
    assert "内部資料" in coordinator.text
    assert coordinator.headers["cache-control"] == "no-store"


def test_coordinator_with_the_token_gets_the_internal_fact(client: TestClient):
    answer = client.post("/api/ask", json={"question": CANARY_QUESTIONS[0]}, headers=BEARER).json()
    assert CANARY in answer["text"]
    assert answer["citations"][0]["doc_id"] == "internal-coordinator-notes"
    with client.stream("POST", "/api/ask/stream", json={"question": CANARY_QUESTIONS[0]}, headers=BEARER) as stream:
        assert CANARY in stream.read().decode("utf-8")


def test_a_coordinator_conversation_does_not_continue_publicly(client: TestClient):
    internal = client.post("/api/ask", json={"question": CANARY_QUESTIONS[0]}, headers=BEARER).json()
    public = client.post(
        "/api/ask", json={"question": "それについてもっと詳しく", "conversation_id": internal["conversation_id"]}
    ).json()
    assert public["conversation_id"] != internal["conversation_id"]
    assert CANARY not in json.dumps(public, ensure_ascii=False)


@pytest.mark.parametrize("header", [
    "Bearer wrong-token", f"Basic {COORDINATOR_TOKEN}", "Bearer", f"Bearer {COORDINATOR_TOKEN}x", "Token abc",
])
def test_a_wrong_credential_is_401_not_a_silent_public_answer(client: TestClient, header):
    for method, path, body in [("POST", "/api/ask", {"question": "香港"}), ("GET", "/sources/oyster-hongkong", None)]:
        response = client.request(method, path, json=body, headers={"Authorization": header})
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json() == {"code": "unauthorized", "message": "認証トークンが正しくありません。"}


def test_without_a_configured_token_no_credential_unlocks_anything(make_app):
    with TestClient(make_app(coordinator_token=None)) as client:
        assert client.get("/sources/internal-coordinator-notes", headers=BEARER).status_code == 401
        assert client.get("/sources/internal-coordinator-notes").status_code == 404


def test_resolve_audience_rules():
    assert resolve_audience(None, "t") == "public"
    assert resolve_audience("", None) == "public"
    assert resolve_audience("Bearer t", "t") == "internal"
    assert resolve_audience("bearer   t ", "t") == "internal"
    for header, token in [("Bearer t", None), ("Bearer u", "t"), ("Bearer ", "t"), ("t", "t")]:
        with pytest.raises(Unauthorized):
            resolve_audience(header, token)


def test_cors_allows_only_the_configured_origin(client: TestClient):
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    allowed = client.options("/api/ask", headers={"Origin": ALLOWED_ORIGIN, **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    refused = client.options("/api/ask", headers={"Origin": "https://evil.example.com", **preflight})
    assert "access-control-allow-origin" not in refused.headers
    with_auth = client.options(
        "/api/ask", headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST",
                             "Access-Control-Request-Headers": "authorization"})
    assert with_auth.status_code == 400  # the token is never sent from a browser on another site
    simple = client.get("/api/health", headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in simple.headers
    assert client.get("/api/health", headers={"Origin": ALLOWED_ORIGIN}).headers["access-control-allow-origin"] == ALLOWED_ORIGIN


def test_cross_origin_widget_can_read_the_rate_limit_message(make_app):
    with TestClient(make_app(rate_limit_per_minute=1)) as client:
        headers = {"Origin": ALLOWED_ORIGIN}
        assert client.post("/api/ask", json={"question": "香港のカキ"}, headers=headers).status_code == 200
        limited = client.post("/api/ask/stream", json={"question": "香港のカキ"}, headers=headers)
        assert limited.status_code == 429
        assert limited.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
        assert "retry-after" in limited.headers["access-control-expose-headers"].lower()


def test_no_cors_headers_at_all_without_configured_origins(make_app):
    with TestClient(make_app(cors_origins=[])) as client:
        response = client.get("/api/health", headers={"Origin": ALLOWED_ORIGIN})
        assert not any(name.startswith("access-control-") for name in response.headers)


def test_security_headers(client: TestClient):
    api = client.post("/api/ask", json={"question": "香港のカキ"})
    assert api.headers["x-content-type-options"] == "nosniff"
    assert api.headers["cache-control"] == "no-store"
    assert api.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert api.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    page = client.get("/sources/oyster-hongkong")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src" not in csp
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    demo = client.get("/demo")
    assert "script-src 'self'" in demo.headers["content-security-policy"]
    assert "unsafe-inline" not in demo.headers["content-security-policy"]
    widget = client.get("/widget.js")
    assert widget.headers["content-type"].startswith("text/javascript")
    assert widget.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "x-frame-options" not in widget.headers
    assert widget.headers["x-content-type-options"] == "nosniff"


def test_an_unexpected_exception_is_a_japanese_500_with_headers_and_no_traceback(make_app):
    app = make_app()

    @app.get("/api/explode")  # a route that fails the way a bug would
    async def explode():
        raise RuntimeError("secret internal detail /srv/app/bot/chain.py line 12")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/explode", headers={"Origin": ALLOWED_ORIGIN})
    assert response.status_code == 500
    assert response.json() == {"code": "internal_error", "message": "処理中に問題が発生しました。時間をおいて再度お試しください。"}
    assert "secret internal detail" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
