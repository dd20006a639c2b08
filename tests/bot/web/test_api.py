"""The JSON and SSE API against the real app, real chain and a real small index."""
from __future__ import annotations

import json
import shutil
import time

import pytest
from fastapi.testclient import TestClient

from bot import texts
from bot.conversations import is_conversation_id
from bot.feedback import FeedbackStore
from bot.web.app import MAX_BODY_BYTES

OYSTER = "カキは香港に輸出できますか"


def parse_sse(raw: str) -> list[tuple[str, str]]:
    events = []
    for block in raw.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" "))
        if data:
            events.append((name, "\n".join(data)))
    return events


def test_ask_returns_a_cited_answer_with_working_source_links(client: TestClient):
    response = client.post("/api/ask", json={"question": OYSTER})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "answer_id", "conversation_id", "text", "citations", "abstained", "clarify", "clarify_options",
        "as_of", "disclaimer", "mode", "outcome",
    }
    assert is_conversation_id(body["conversation_id"]) and body["answer_id"]
    assert not body["abstained"] and body["mode"] == "extractive"
    assert "香港" in body["text"] and "[1]" in body["text"]
    citation = body["citations"][0]
    assert set(citation) == {"number", "title", "section", "as_of", "url", "doc_id"}
    assert citation["doc_id"] == "oyster-hongkong"
    assert citation["url"].startswith("/sources/oyster-hongkong#")
    assert body["disclaimer"]  # an import ban is a regulation: the disclaimer comes with it
    page = client.get(citation["url"].split("#")[0])
    assert page.status_code == 200
    assert f'id="{citation["url"].split("#")[1]}"' in page.text


def test_follow_up_continues_the_conversation_and_carries_the_product(client: TestClient):
    first = client.post("/api/ask", json={"question": "いちごを台湾に輸出するときの注意点は？"}).json()
    second = client.post(
        "/api/ask", json={"question": "じゃあ香港は？", "conversation_id": first["conversation_id"]}
    ).json()
    assert second["conversation_id"] == first["conversation_id"]
    assert second["answer_id"] != first["answer_id"]
    state = client.app.state.web
    turns = state.conversations.turns(first["conversation_id"])
    assert [t.role for t in turns] == ["user", "assistant", "user", "assistant"]
    assert turns[1].slots.get("product") and turns[3].slots.get("country")
    assert turns[3].slots["product"] == turns[1].slots["product"]  # the product carried over


def test_unknown_conversation_id_starts_a_new_one(client: TestClient):
    made_up = "f" * 32
    body = client.post("/api/ask", json={"question": OYSTER, "conversation_id": made_up}).json()
    assert body["conversation_id"] != made_up and is_conversation_id(body["conversation_id"])


def test_stream_sends_status_answer_pieces_citations_then_done(client: TestClient):
    with client.stream("POST", "/api/ask/stream", json={"question": OYSTER}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(response.read().decode("utf-8"))
    names = [name for name, _ in events]
    assert names[0] == "status"
    assert names[-2:] == ["citations", "done"]
    assert "answer" in names and "error" not in names
    done = json.loads(events[-1][1])
    streamed = "".join(json.loads(data)["text"] for name, data in events if name == "answer")
    assert streamed == done["text"]
    citations = json.loads(events[-2][1])
    assert citations == done["citations"] and citations[0]["doc_id"] == "oyster-hongkong"
    assert is_conversation_id(done["conversation_id"]) and done["answer_id"]


def test_feedback_is_stored_with_the_question_and_answer(client: TestClient):
    answer = client.post("/api/ask", json={"question": OYSTER}).json()
    response = client.post("/api/feedback", json={"answer_id": answer["answer_id"], "rating": "down", "comment": "古い"})
    assert response.status_code == 200
    assert response.json()["message"].startswith("ご評価ありがとう")
    settings = client.app.state.web.settings
    (entry,) = FeedbackStore(settings.feedback_db).entries(answer["answer_id"])
    assert (entry.rating, entry.comment, entry.channel, entry.question) == ("down", "古い", "web", OYSTER)
    assert entry.answer_text == answer["text"]


def test_a_second_rating_of_an_answer_replaces_the_first(client: TestClient):
    answer = client.post("/api/ask", json={"question": "カキは香港に輸出できますか"}).json()
    for rating in ("up", "down", "down"):
        assert client.post("/api/feedback", json={"answer_id": answer["answer_id"], "rating": rating}).status_code == 200
    settings = client.app.state.web.settings
    entries = FeedbackStore(settings.feedback_db).entries(answer["answer_id"])
    assert [e.rating for e in entries] == ["down"]


def test_feedback_on_an_answer_never_given_is_404(client: TestClient):
    response = client.post("/api/feedback", json={"answer_id": "0" * 32, "rating": "up"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found" and "回答" in response.json()["message"]


@pytest.mark.parametrize("payload", [{"answer_id": "x", "rating": "great"}, {"rating": "up"}, {"answer_id": "", "rating": "up"}])
def test_bad_feedback_is_422_in_japanese(client: TestClient, payload):
    response = client.post("/api/feedback", json=payload)
    assert response.status_code == 422
    assert response.json() == {"code": "invalid_request", "message": "送信された内容の形式が正しくありません。"}


def test_empty_question_is_400_in_japanese(client: TestClient):
    for question in ("", "   \n ", "\u3000"):  # a full-width space is blank once normalized
        response = client.post("/api/ask", json={"question": question})
        assert response.status_code == 400
        assert response.json() == {"code": "question_empty", "message": "質問を入力してください。"}


def test_question_length_limit_is_400_in_japanese_and_the_limit_itself_passes(make_app):
    with TestClient(make_app(max_question_chars=30)) as client:
        too_long = client.post("/api/ask", json={"question": "香港" * 15 + "？"})
        assert too_long.status_code == 400
        assert too_long.json() == {"code": "question_too_long", "message": "質問が長すぎます。30文字以内でお願いします。"}
        streamed = client.post("/api/ask/stream", json={"question": "あ" * 31})
        assert streamed.status_code == 400
        at_limit = client.post("/api/ask", json={"question": "カキは香港に輸出できますか" + "？" * 17})
        assert at_limit.status_code == 200


def test_the_limit_counts_the_normalized_question(make_app):
    # U+FDFA is one character that NFKC turns into 18: 2 of them are 36 characters of work, over a limit of 30
    with TestClient(make_app(max_question_chars=30)) as client:
        response = client.post("/api/ask", json={"question": "\ufdfa" * 2})
        assert response.status_code == 400 and response.json()["code"] == "question_too_long"
        # and the other way round: half-width kana that NFKC joins (ｶﾞ → ガ) count once
        assert client.post("/api/ask", json={"question": "ｶﾞ" * 20}).status_code == 200


@pytest.mark.parametrize("path", ["/api/ask", "/api/ask/stream"])
def test_a_lone_surrogate_is_400_in_japanese_not_an_outage(client: TestClient, path, caplog):
    body = '{"question": "\\ud800いちごを台湾に輸出するには？"}'  # valid JSON; no UTF-8 encoder can write it
    with caplog.at_level("INFO"):
        response = client.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {"code": "question_unreadable", "message": texts.QUESTION_UNREADABLE}
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


def test_oversized_body_is_refused_before_parsing(client: TestClient):
    response = client.post("/api/ask", content=json.dumps({"question": "あ" * 100000}), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


def test_every_body_is_capped_not_only_the_api(client: TestClient):
    big = b"x" * (MAX_BODY_BYTES + 1)
    for path in ("/demo", "/sources/oyster-hongkong", "/no-such-page"):
        response = client.post(path, content=big)
        assert response.status_code == 413 and response.json()["code"] == "body_too_large"


def test_a_chunked_body_over_the_cap_is_413_like_a_declared_one(client: TestClient):
    def chunks():
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b" " * 1024

    response = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413 and response.json()["code"] == "body_too_large"
    small = client.post("/api/ask", content=iter([b'{"question": ', '"カキは香港に輸出できますか"}'.encode()]),
                        headers={"content-type": "application/json"})
    assert small.status_code == 200  # a chunked body under the cap is replayed to the app whole


@pytest.mark.parametrize("body", ["{not json", "[]", '{"question": 12}', '{"conversation_id": "x"}'])
def test_malformed_requests_get_a_japanese_422_without_internals(client: TestClient, body):
    response = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json() == {"code": "invalid_request", "message": "送信された内容の形式が正しくありません。"}


def test_unknown_route_and_method_are_japanese_json(client: TestClient):
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404 and missing.json()["message"] == "お探しのページは見つかりませんでした。"
    wrong = client.get("/api/ask")
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"


def test_health_reports_slack_off_and_the_index_generation(client: TestClient):
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["slack"] == "off"
    assert body["index_generation"] == client.app.state.web.services.live_index.current().generation
    assert client.get("/api/ready").json()["ready"] is True
    assert client.post("/slack/events", json={"type": "url_verification", "challenge": "x"}).status_code == 404


def test_missing_index_gives_503_in_japanese_then_recovers_when_it_appears(small_index_dir, web_settings, tmp_path):
    """No index under a running app: answers are 503 「ただいま回答できません…」, never a stack trace."""
    from bot.services import build_services
    from bot.web.app import create_app

    index_dir = tmp_path / "index"
    settings = web_settings.model_copy(update={"index_dir": index_dir, "feedback_db": tmp_path / "f.sqlite3"})
    services = build_services(settings)
    with TestClient(create_app(settings, services)) as client:
        response = client.post("/api/ask", json={"question": OYSTER})
        assert response.status_code == 503
        assert response.json()["code"] == "index_unavailable"
        assert response.json()["message"].startswith("ただいま回答できません")
        assert response.headers["retry-after"]
        assert "Traceback" not in response.text and str(index_dir) not in response.text
        with client.stream("POST", "/api/ask/stream", json={"question": OYSTER}) as stream:
            events = parse_sse(stream.read().decode("utf-8"))
        assert events[-1][0] == "error"
        assert json.loads(events[-1][1])["status"] == 503
        assert client.get("/sources/oyster-hongkong").status_code == 503
        health = client.get("/api/health")
        assert health.status_code == 200 and health.json()["index_generation"] is None
        ready = client.get("/api/ready")
        assert ready.status_code == 503 and "準備中" in ready.json()["message"]

        shutil.copytree(small_index_dir, index_dir)  # the index is built: the same app now answers
        assert client.get("/api/ready").status_code == 200
        assert client.post("/api/ask", json={"question": OYSTER}).status_code == 200


def test_services_load_in_the_background_and_ready_says_when(web_settings, tmp_path):
    from bot.web.app import create_app

    missing = web_settings.model_copy(update={"index_dir": tmp_path / "no-index", "feedback_db": tmp_path / "f.sqlite3"})
    app = create_app(missing)
    with TestClient(app) as client:
        assert client.get("/api/health").status_code == 200
        # nothing to load: the loader fails, the app keeps serving and says why it is not ready
        for _ in range(600):
            if app.state.web.load_error or app.state.web.services is not None:
                break
            time.sleep(0.05)
        ready = client.get("/api/ready")
        assert ready.status_code == 503 and ready.headers["retry-after"]
        answer = client.post("/api/ask", json={"question": OYSTER})
        assert answer.status_code == 503 and answer.json()["message"]


def test_with_slack_settings_the_events_endpoint_is_mounted_and_health_says_on(web_settings, web_services, tmp_path):
    from dataclasses import replace

    from bot.web.app import create_app

    settings = web_settings.model_copy(update={
        "slack_bot_token": "xoxb-test", "slack_signing_secret": "not-a-real-secret",
        "slack_api_base_url": "http://127.0.0.1:9/api/", "feedback_db": tmp_path / "f.sqlite3",
        "slack_state_db": tmp_path / "slack-state.sqlite3",
    })
    # the same loaded index and chain, seen through the Slack-enabled settings
    services = replace(web_services, settings=settings)
    with TestClient(create_app(settings, services)) as client:
        assert client.get("/api/health").json()["slack"] == "on"
        unsigned = client.post("/slack/events", json={"type": "url_verification", "challenge": "x"})
        assert unsigned.status_code == 401  # mounted, and Bolt checks Slack's signature


def test_worst_case_questions_are_refused_on_a_real_server_before_any_work(live_server):
    import httpx

    services = live_server.app.state.web.services
    cached_before = len(services.embedder._cache._entries)
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        amplified = http.post("/api/ask", json={"question": "\ufdfa" * 500})  # 500 characters, 9,000 after NFKC
        surrogate = http.post(
            "/api/ask", content=b'{"question": "\\ud800\xe3\x81\x84\xe3\x81\xa1\xe3\x81\x94"}',
            headers={"content-type": "application/json"},
        )
        assert http.get("/api/health").status_code == 200
    assert amplified.status_code == 400 and amplified.json()["code"] == "question_too_long"
    assert surrogate.status_code == 400 and surrogate.json()["code"] == "question_unreadable"
    # refused before the chain: nothing was embedded for either
    assert len(services.embedder._cache._entries) == cached_before
