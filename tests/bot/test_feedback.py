import sqlite3
import threading

import pytest

from bot.feedback import FeedbackStore


def test_record_returns_ids_and_entries_round_trip(tmp_path):
    store = FeedbackStore(tmp_path / "fb" / "feedback.sqlite3")
    first = store.record("a1", "up", None, "web", None, "いちごは台湾に輸出できますか", "はい。[1]")
    second = store.record("a1", "down", "  出典が古い  ", "slack", "U123", "q", "t")
    assert second > first
    newest, oldest = store.entries("a1")
    assert (newest.rating, newest.comment, newest.channel, newest.user) == ("down", "出典が古い", "slack", "U123")
    assert (oldest.rating, oldest.comment, oldest.question) == ("up", None, "いちごは台湾に輸出できますか")
    assert store.counts() == {"up": 1, "down": 1}


def test_data_survives_reopening_the_file(tmp_path):
    path = tmp_path / "feedback.sqlite3"
    FeedbackStore(path).record("a9", "down", "違います", "web", None, "q", "t")
    rows = sqlite3.connect(path).execute("SELECT answer_id, rating, comment FROM feedback").fetchall()
    assert rows == [("a9", "down", "違います")]
    assert FeedbackStore(path).counts() == {"up": 0, "down": 1}


@pytest.mark.parametrize("kwargs", [
    {"answer_id": "a", "rating": "meh"},
    {"answer_id": "a", "rating": "up", "channel": "email"},
    {"answer_id": "", "rating": "up"},
])
def test_invalid_values_are_refused(tmp_path, kwargs):
    store = FeedbackStore(tmp_path / "f.sqlite3")
    with pytest.raises(ValueError):
        store.record(**kwargs)
    assert store.entries() == []


def test_long_comment_is_truncated(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite3")
    store.record("a", "up", "あ" * 5000)
    assert len(store.entries()[0].comment) == 2000


def test_concurrent_writers_lose_nothing(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite3")

    def write(n):
        for i in range(50):
            store.record(f"t{n}-{i}", "up" if i % 2 else "down", channel="web")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.counts() == {"up": 200, "down": 200}
    assert len({e.answer_id for e in store.entries(limit=1000)}) == 400


def test_command_line_prints_totals_and_newest_entries(tmp_path, repo_root):
    import json
    import subprocess
    import sys

    db = tmp_path / "feedback.sqlite3"
    store = FeedbackStore(db)
    store.record("a1", "up", None, "web", None, "q1", "t1")
    store.record("a2", "down", "古い", "slack", "U1", "q2", "t2")
    result = subprocess.run([sys.executable, "-m", "bot.feedback", "--db", str(db), "--limit", "1"],
                            cwd=repo_root, capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    assert lines[0] == "👍 1  👎 1"
    assert len(lines) == 2
    assert json.loads(lines[1])["comment"] == "古い"
    missing = subprocess.run([sys.executable, "-m", "bot.feedback", "--db", str(tmp_path / "none.sqlite3")],
                             cwd=repo_root, capture_output=True, text=True, check=True)
    assert "評価はまだありません" in missing.stdout
