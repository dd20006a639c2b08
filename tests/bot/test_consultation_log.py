"""The consultation log on a real SQLite file: outcomes, pseudonyms, retention, CSV, the CLI channel, and the
rule that a logging fault never costs the asker their answer."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from bot.consultation_log import ConsultationLog, Origin, outcome_of, to_csv
from bot.models import Answer
from tests.bot.web.console_rig import own_services

OYSTER = "カキは香港に輸出できますか"
OUT_OF_SCOPE = "ブラジル向けの関税率は何パーセントですか？"


@pytest.fixture
def services(small_services, tmp_path):
    return own_services(small_services, tmp_path)


def test_outcomes_of_real_answers_are_logged_with_their_sources_and_latency(services, tmp_path):
    answered = services.consult(OYSTER, [], "public", Origin("web"))
    withheld = services.consult(OUT_OF_SCOPE, [], "public", Origin("widget"))
    rows = services.consultations.rows()
    assert [(r.question, r.channel, r.outcome) for r in rows] == [(OYSTER, "web", "answer"),
                                                                  (OUT_OF_SCOPE, "widget", "abstain")]
    assert "oyster-hongkong" in rows[0].cited and rows[0].product and rows[0].country == "香港"
    assert rows[0].latency_ms == answered.answer.latency_ms > 0
    assert rows[1].consultation_id == withheld.consultation_id


def test_outcome_is_derived_in_one_place():
    # a question back is `clarify`; otherwise the chain's own outcome (answer / partial / abstain)
    assert outcome_of(Answer(text="?", clarify="どこへ？", mode="clarify")) == "clarify"
    assert outcome_of(Answer(text="x", abstained=True, mode="abstain", outcome="abstain")) == "abstain"
    assert outcome_of(Answer(text="ご質問の…", mode="partial", outcome="partial")) == "partial"
    assert outcome_of(Answer(text="x", mode="curated")) == "answer"


def test_slack_ids_are_hashed_outside_private_places_and_widget_traffic_has_no_user(tmp_path):
    log = ConsultationLog(tmp_path / "log.sqlite3")
    answer = Answer(text="x")
    log.record("q1", answer, "public", Origin("slack_channel", "UEXPORT1"))
    log.record("q2", answer, "public", Origin("slack_channel", "UEXPORT1"))
    log.record("q3", answer, "internal", Origin("slack_dm", "UCOORD1", hash_user=False))
    log.record("q4", answer, "public", Origin("widget"))
    users = [r.user for r in log.rows()]
    assert users[0] == users[1] and users[0].startswith("h:") and "UEXPORT1" not in users[0]
    assert users[2:] == ["UCOORD1", None]
    raw = sqlite3.connect(tmp_path / "log.sqlite3").execute("SELECT group_concat(user) FROM consultations").fetchone()
    assert "UEXPORT1" not in raw[0]


def test_retention_deletes_old_rows_on_open_and_on_purge(tmp_path):
    path = tmp_path / "log.sqlite3"
    now = datetime.now(timezone.utc)
    log = ConsultationLog(path, retention_days=365)
    for age in (400, 366, 364, 1):
        log.record(f"{age}日前の質問", Answer(text="x"), "public", Origin("web"), now=now - timedelta(days=age))
    log.close()
    reopened = ConsultationLog(path, retention_days=365)
    assert [r.question for r in reopened.rows()] == ["364日前の質問", "1日前の質問"]
    assert reopened.purge(now=now + timedelta(days=2)) == 1
    assert [r.question for r in reopened.rows()] == ["1日前の質問"]
    with pytest.raises(ValueError):
        ConsultationLog(path, retention_days=0)


def test_building_the_log_writes_nothing_until_a_question_is_logged(tmp_path):
    log = ConsultationLog(tmp_path / "var" / "log.sqlite3")
    assert not (tmp_path / "var").exists()
    log.record("q", Answer(text="x"), "public", Origin("web"))
    assert (tmp_path / "var" / "log.sqlite3").exists() and len(log) == 1


def test_csv_neutralises_formulas_and_opens_in_excel(tmp_path):
    log = ConsultationLog(tmp_path / "log.sqlite3")
    log.record("=1+1", Answer(text="x"), "public", Origin("cli"))
    exported = to_csv(log.rows())
    assert exported.startswith("\ufeffcreated_at,channel") and ",'=1+1," in exported


def test_a_logging_fault_never_costs_the_answer(services):
    services.consultations.close()  # the log is gone (disk full, file removed)
    recorded = services.consult(OYSTER, [], "public", Origin("web"))
    assert recorded.answer.citations and recorded.consultation_id is None
    recorded.link("anything")  # and linking feedback later is a no-op, not an error


def test_cli_questions_are_logged_as_cli(small_index_dir, tmp_path):
    env = {**os.environ, "EXPORT_BOT_CURATED_ANSWERS_PATH": str(tmp_path / "c.jsonl"),
           "EXPORT_BOT_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3")}
    result = subprocess.run([sys.executable, "-m", "bot", "ask", OYSTER, "--index", str(small_index_dir), "--json"],
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    [row] = ConsultationLog(tmp_path / "feedback.sqlite3").rows()
    assert (row.channel, row.question, row.outcome) == ("cli", OYSTER, "answer")
    assert row.cited == tuple(sorted({c["doc_id"] for c in json.loads(result.stdout)["citations"]}))


def test_the_log_has_a_cli_for_csv_and_purge(tmp_path):
    log = ConsultationLog(tmp_path / "feedback.sqlite3")
    now = datetime.now(timezone.utc)
    log.record("古い質問", Answer(text="x"), "public", Origin("web"), now=now - timedelta(days=400))
    log.record("新しい質問", Answer(text="x"), "public", Origin("cli"), now=now)
    env = {**os.environ, "EXPORT_BOT_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
           "EXPORT_BOT_CONSULTATION_RETENTION_DAYS": "1000"}
    csv_run = subprocess.run([sys.executable, "-m", "bot.consultation_log", "csv", "--days", "30"],
                             capture_output=True, text=True, timeout=120, env=env)
    assert csv_run.returncode == 0 and "新しい質問" in csv_run.stdout and "古い質問" not in csv_run.stdout
    purge = subprocess.run([sys.executable, "-m", "bot.consultation_log", "purge"], capture_output=True, text=True,
                           timeout=120, env={**env, "EXPORT_BOT_CONSULTATION_RETENTION_DAYS": "365"})
    assert purge.returncode == 0 and "1 rows kept" in purge.stdout
    assert [r.question for r in ConsultationLog(tmp_path / "feedback.sqlite3").rows()] == ["新しい質問"]
