"""Every web question is logged with its channel (Web API or the widget) and outcome, and its 👍/👎 joins the row."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.bot.web.conftest import ALLOWED_ORIGIN
from tests.bot.web.console_rig import own_app, own_services

OYSTER = "カキは香港に輸出できますか"
OUT_OF_SCOPE = "ブラジル向けの関税率は何パーセントですか？"


@pytest.fixture
def services(web_services, tmp_path):
    return own_services(web_services, tmp_path)


@pytest.fixture
def client(web_settings, services, tmp_path) -> Iterator[TestClient]:
    with TestClient(own_app(web_settings, services, tmp_path)) as test_client:
        yield test_client


def test_api_and_widget_questions_are_logged_with_outcome_and_feedback(client, services):
    api = client.post("/api/ask", json={"question": OYSTER}).json()
    with client.stream("POST", "/api/ask/stream", json={"question": OUT_OF_SCOPE},
                       headers={"Origin": ALLOWED_ORIGIN, "Accept": "text/event-stream"}) as stream:
        assert stream.status_code == 200
        "".join(stream.iter_text())
    client.post("/api/feedback", json={"answer_id": api["answer_id"], "rating": "up"})
    rows = services.consultations.rows()
    assert [(r.channel, r.question, r.outcome, r.audience, r.user) for r in rows] == [
        ("web", OYSTER, "answer", "public", None), ("widget", OUT_OF_SCOPE, "abstain", "public", None)]
    assert rows[0].answer_ref == api["answer_id"] and rows[0].rating == "up"
    assert rows[1].answer_ref and rows[1].rating is None


def test_a_rejected_question_is_not_a_consultation(client, services):
    assert client.post("/api/ask", json={"question": "   "}).status_code == 400
    assert len(services.consultations) == 0
