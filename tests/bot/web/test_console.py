"""/console against the real app: sign-in, CSRF, the dashboard, the queue, curated answers served next time, CSV."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.web import console_texts as t
from tests.bot.web.conftest import ALLOWED_ORIGIN, COORDINATOR_TOKEN
from tests.bot.web.console_rig import csrf_of, own_app, own_services, sign_in

OYSTER = "カキは香港に輸出できますか"
OUT_OF_SCOPE = "ブラジル向けの関税率は何パーセントですか？"
HTTPS = "https://testserver"


@pytest.fixture
def services(web_services, tmp_path):
    return own_services(web_services, tmp_path)


@pytest.fixture
def client(web_settings, services, tmp_path) -> Iterator[TestClient]:
    # https: the session cookie is Secure, so a client on plain http would (rightly) never send it back
    with TestClient(own_app(web_settings, services, tmp_path), base_url=HTTPS) as test_client:
        yield test_client


def test_console_refuses_the_public_and_a_wrong_token_and_accepts_the_coordinator(client):
    refused = client.get("/console", follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"] == "/console/login"
    assert client.get("/console/queue", follow_redirects=False).status_code == 303
    assert client.get("/console/log.csv", follow_redirects=False).status_code == 303
    # the public API's bearer token is not a console session
    bearer = client.get("/console", headers={"Authorization": f"Bearer {COORDINATOR_TOKEN}"}, follow_redirects=False)
    assert bearer.status_code == 303

    wrong = sign_in(client, "not-the-token")
    assert wrong.status_code == 401 and t.LOGIN_WRONG in wrong.text
    assert "console_session" not in client.cookies
    assert client.get("/console", follow_redirects=False).status_code == 303

    signed_in = sign_in(client)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/console"
    cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert COORDINATOR_TOKEN not in cookie  # the cookie carries a signed nonce, never the secret
    dashboard = client.get("/console")
    assert dashboard.status_code == 200 and t.NAV_DASHBOARD in dashboard.text
    for name in ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy"):
        assert name in dashboard.headers
    assert "form-action 'self'" in dashboard.headers["content-security-policy"]
    assert dashboard.headers["cache-control"] == "no-store"


def test_a_forged_or_tampered_session_cookie_is_refused(client):
    sign_in(client)
    good = client.cookies["console_session"]
    expires, nonce, signature = good.split(".")
    client.cookies.clear()
    for forged in (f"{int(expires) + 9999}.{nonce}.{signature}", f"{expires}.{nonce}.{'0' * 64}", "x"):
        client.cookies.set("console_session", forged, domain="testserver.local", path="/console")
        assert client.get("/console", follow_redirects=False).status_code == 303, forged
        client.cookies.clear()


def test_every_console_form_rejects_a_post_without_its_csrf_token(client, services):
    login = client.get("/console/login")
    no_token = client.post("/console/login", data={"token": COORDINATOR_TOKEN}, follow_redirects=False)
    assert no_token.status_code == 403 and t.CSRF_REJECTED in no_token.text
    assert "console_session" not in client.cookies
    assert sign_in(client).status_code == 303
    csrf = csrf_of(client.get("/console").text)
    curated_id = services.curated.add(OYSTER, "確認済みの本文", [], author="test")
    for path, data in [
        ("/console/curated", {"questions": "質問", "body": "本文", "audience": "public"}),
        (f"/console/curated/{curated_id}", {"questions": "質問", "body": "本文", "audience": "public"}),
        (f"/console/curated/{curated_id}/retire", {}),
        ("/console/logout", {}),
    ]:
        missing = client.post(path, data=data, follow_redirects=False)
        wrong = client.post(path, data={**data, "csrf": csrf[::-1]}, follow_redirects=False)
        assert missing.status_code == 403 and wrong.status_code == 403, path
    assert services.curated.get(curated_id).retired is False and len(services.curated) == 1
    assert login.status_code == 200
    # with the token the same retire goes through
    done = client.post(f"/console/curated/{curated_id}/retire", data={"csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303 and services.curated.get(curated_id).retired is True


def test_a_curated_answer_written_from_a_queue_group_is_served_to_the_next_matching_question(client, services):
    assert client.post("/api/ask", json={"question": OUT_OF_SCOPE}).json()["abstained"]
    client.post("/api/ask", json={"question": OUT_OF_SCOPE})
    sign_in(client)
    queue = client.get("/console/queue")
    assert OUT_OF_SCOPE in queue.text and t.KIND_NAMES["abstain"] in queue.text and t.queue_count(2) in queue.text
    write_link = queue.text.split('class="write" href="')[1].split('"')[0].replace("&amp;", "&")
    form = client.get(write_link)
    assert form.status_code == 200 and OUT_OF_SCOPE in form.text
    body = "ブラジル向けの関税率は資料にないため、県の輸出相談窓口が個別にご案内します。"
    saved = client.post("/console/curated", data={
        "csrf": csrf_of(form.text), "questions": OUT_OF_SCOPE, "body": body, "audience": "public",
        "source": "contact-export-consultation", "review_by": "2027-03-31",
    }, follow_redirects=False)
    assert saved.status_code == 303

    answer = client.post("/api/ask", json={"question": OUT_OF_SCOPE}).json()
    assert answer["mode"] == "curated" and body in answer["text"]
    assert [c["doc_id"] for c in answer["citations"]] == ["contact-export-consultation"]
    # the group has left the queue, and the match is shown against the curated answer
    assert OUT_OF_SCOPE not in client.get("/console/queue").text
    matches = client.get("/console/matches").text
    assert OUT_OF_SCOPE in matches
    listing = client.get("/console/curated").text
    assert t.CURATED_ACTIVE in listing and "2027-03-31" in listing
    exported = client.get("/console/curated/export.jsonl")
    assert body in exported.text and '"review_by": "2027-03-31"' in exported.text


def test_a_retired_curated_answer_is_no_longer_served_and_an_edit_replaces_the_text(client, services):
    sign_in(client)
    curated_id = services.curated.add(OUT_OF_SCOPE, "古い本文です。", [], author="test")
    edit = client.get(f"/console/curated/{curated_id}")
    assert "古い本文です。" in edit.text
    client.post(f"/console/curated/{curated_id}", data={
        "csrf": csrf_of(edit.text), "questions": OUT_OF_SCOPE, "body": "新しい本文です。", "audience": "public"})
    assert "新しい本文です。" in client.post("/api/ask", json={"question": OUT_OF_SCOPE}).json()["text"]
    listing = client.get("/console/curated")
    client.post(f"/console/curated/{curated_id}/retire", data={"csrf": csrf_of(listing.text)})
    assert client.post("/api/ask", json={"question": OUT_OF_SCOPE}).json()["mode"] == "abstain"


def test_an_answer_past_its_review_by_date_is_flagged_in_the_list(client, services):
    services.curated.add(OYSTER, "本文", [], author="test", review_by="2020-01-31")
    services.curated.add(OUT_OF_SCOPE, "本文", [], author="test", review_by="2999-01-31")
    sign_in(client)
    listing = client.get("/console/curated").text
    assert listing.count(t.CURATED_OVERDUE) == 1
    assert f'2020-01-31 <span class="badge overdue">{t.CURATED_OVERDUE}' in listing


def test_a_bad_curated_form_is_shown_again_with_japanese_errors_and_nothing_typed_is_lost(client, services):
    sign_in(client)
    form = client.get("/console/curated/new")
    bad = client.post("/console/curated", data={
        "csrf": csrf_of(form.text), "questions": "台湾向けの質問", "body": "", "audience": "public",
        "source": "internal-coordinator-notes", "review_by": "来月"})
    assert bad.status_code == 422
    for message in (t.ERROR_NO_BODY, t.ERROR_BAD_DATE, t.ERROR_INTERNAL_SOURCE):
        assert message in bad.text
    assert "台湾向けの質問" in bad.text and 'value="来月"' in bad.text
    assert len(services.curated) == 0


def test_dashboard_draws_the_charts_from_the_log(client, services):
    client.post("/api/ask", json={"question": OYSTER})
    client.post("/api/ask", json={"question": OYSTER}, headers={"Origin": ALLOWED_ORIGIN})
    client.post("/api/ask", json={"question": OUT_OF_SCOPE})
    sign_in(client)
    page = client.get("/console").text
    for chart in ("chart-per-day", "chart-per-channel", "chart-outcomes", "chart-ratings", "chart-topics"):
        assert f'<svg class="chart" id="{chart}"' in page, chart
    assert '<div class="n" id="total">3</div>' in page
    assert f"{t.CHANNEL_NAMES['widget']}: 1" in page and f"{t.CHANNEL_NAMES['web']}: 2" in page
    assert f"{t.OUTCOME_NAMES['abstain']}: 1" in page
    # drawn on the server: no script, nothing fetched from anywhere (the page works offline)
    assert "<script" not in page and 'src="' not in page and 'href="http' not in page


def test_csv_export_has_every_row_with_its_feedback(client, services):
    answer = client.post("/api/ask", json={"question": OYSTER}).json()
    client.post("/api/feedback", json={"answer_id": answer["answer_id"], "rating": "down"})
    client.post("/api/ask", json={"question": "=HYPERLINK(\"x\")カキ"})
    sign_in(client)
    exported = client.get("/console/log.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert [r["question"] for r in rows] == [OYSTER, "'=HYPERLINK(\"x\")カキ"]
    assert rows[0]["rating"] == "down" and rows[0]["channel"] == "web" and rows[0]["outcome"] == "answer"
    assert "oyster-hongkong" in rows[0]["cited"]
    # a 👎 answer joins the work queue
    assert OYSTER in client.get("/console/queue").text


def test_console_is_off_without_a_coordinator_token(web_settings, services, tmp_path):
    with TestClient(own_app(web_settings, services, tmp_path, coordinator_token=None), base_url=HTTPS) as client:
        assert client.get("/console/login").status_code == 404
        assert client.get("/console", follow_redirects=False).status_code == 404
