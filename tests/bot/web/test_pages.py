"""The widget script and demo page as served: strings from bot.texts filled in, no secrets, no CDNs."""
from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from bot import texts
from bot.web.pages import CONFIG_MARKER, TEXTS_MARKER, WIDGET_DIR
from tests.bot.web.conftest import COORDINATOR_TOKEN


def test_widget_js_is_served_with_the_texts_filled_in(client: TestClient):
    script = client.get("/widget.js")
    assert script.status_code == 200
    body = script.text
    assert TEXTS_MARKER not in body
    match = re.search(r"var TEXTS = (\{.*?\});\n", body)
    assert json.loads(match.group(1)) == texts.WIDGET_TEXTS
    assert body.isascii()  # safe on a Shift_JIS host page whatever charset it declares
    assert "担当窓口に相談する" == json.loads(match.group(1))["consult"]


def test_widget_js_carries_the_servers_own_limits(make_app):
    with TestClient(make_app(max_question_chars=123, conversation_ttl_seconds=45)) as client:
        body = client.get("/widget.js").text
    assert CONFIG_MARKER not in body
    config = json.loads(re.search(r"var CONFIG = (\{.*?\});\n", body).group(1))
    assert config == {"max_question_chars": 123, "conversation_ttl_seconds": 45}


def test_widget_needs_nothing_from_other_hosts_and_holds_no_secret(client: TestClient):
    body = client.get("/widget.js").text
    allowed = body.replace("https://HOST", "").replace("http://www.w3.org/2000/svg", "")  # comment, SVG namespace
    assert not re.search(r"https?://", allowed)
    assert COORDINATOR_TOKEN not in body and "Authorization" not in body
    # IME-safe Enter: composing keystrokes never send
    assert "event.isComposing" in body and "keyCode === 229" in body


def test_demo_embeds_the_widget_with_the_one_line_snippet(client: TestClient):
    # a forged Host header changes nothing: without a configured base URL the page points at its own origin
    page = client.get("/demo", headers={"host": "evil.example:8080"})
    assert page.status_code == 200
    assert '<script src="/widget.js" data-api="" data-title="輸出相談アシスタント" defer></script>' in page.text
    assert "evil.example" not in page.text and "evil.example" not in page.headers["content-security-policy"]
    assert "{{ORIGIN}}" not in page.text
    assert client.get("/demo.css").headers["content-type"].startswith("text/css")
    assert client.get("/", follow_redirects=False).headers["location"] == "/demo"


def test_demo_uses_the_configured_public_base_url_never_the_host_header(make_app):
    with TestClient(make_app(public_base_url="https://assist.example.jp/")) as client:
        page = client.get("/demo", headers={"host": "evil.example:8080"})
    snippet = '<script src="https://assist.example.jp/widget.js" data-api="https://assist.example.jp" data-title="輸出相談アシスタント" defer>'
    assert snippet in page.text and "evil.example" not in page.text
    assert "script-src 'self' https://assist.example.jp;" in page.headers["content-security-policy"]


def test_widget_source_keeps_all_japanese_in_bot_texts():
    source = (WIDGET_DIR / "widget.js").read_text(encoding="utf-8")
    assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", source)


def test_demo_policy_allows_only_a_plain_origin():
    from bot.web.pages import demo_csp

    assert "script-src 'self' https://assist.example.jp:8443;" in demo_csp("https://assist.example.jp:8443")
    assert "script-src 'self';" in demo_csp("https://evil.example; script-src *")
