"""`python -m bot ask` as a user runs it: a real subprocess over the small index."""
import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # every test runs the CLI in a subprocess: not in make test-quick


def test_ask_json_prints_the_contract(small_index_dir, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "香港に牡蠣は今出せますか？", "--index", str(small_index_dir), "--json"],
        capture_output=True, text=True, timeout=300,
        env={**__import__("os").environ, "EXPORT_BOT_CURATED_ANSWERS_PATH": str(tmp_path / "c.jsonl"),
             "EXPORT_BOT_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3")},
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"answer", "abstained", "clarify", "citations", "retrieved", "latency_ms"} <= set(data)
    assert "2023年8月" in data["answer"]
    assert {"title", "section", "as_of", "doc_id", "text"} <= set(data["citations"][0])
    assert {"text", "score", "doc_id", "section"} <= set(data["retrieved"][0])


def test_ask_plain_prints_sources_and_refuses_empty_questions_in_japanese(small_index_dir, tmp_path):
    env = {**__import__("os").environ, "EXPORT_BOT_CURATED_ANSWERS_PATH": str(tmp_path / "c.jsonl"),
           "EXPORT_BOT_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3")}
    ok = subprocess.run([sys.executable, "-m", "bot", "ask", "台湾へいちごを送るときは何を確かめますか？", "--index",
                         str(small_index_dir)], capture_output=True, text=True, timeout=300, env=env)
    assert ok.returncode == 0 and "出典:" in ok.stdout and "/sources/strawberry-taiwan#" in ok.stdout
    empty = subprocess.run([sys.executable, "-m", "bot", "ask", "  ", "--index", str(small_index_dir)],
                           capture_output=True, text=True, timeout=300, env=env)
    assert empty.returncode == 2 and "質問を入力してください" in empty.stderr
