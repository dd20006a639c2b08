"""State that survives a restart: event ids and pending drafts are read back by a new process."""
from __future__ import annotations

from bot.models import Citation
from bot.slack.dedupe import SeenEvents
from bot.slack.drafting import Draft, DraftStore
from bot.slack.state import StateDB


def test_an_event_seen_before_a_restart_is_still_a_repeat(tmp_path):
    path = tmp_path / "state.sqlite3"
    assert SeenEvents(StateDB(path)).first_time("Ev1") is True
    assert SeenEvents(StateDB(path)).first_time("Ev1") is False  # a new process, the same file
    assert SeenEvents(StateDB(path)).first_time("Ev2") is True


def test_a_draft_outlives_the_process_that_made_it(tmp_path):
    path = tmp_path / "state.sqlite3"
    citation = Citation(number=1, chunk_id="c1", doc_id="d1", title="題", section="節", anchor="a", url="/sources/d1#a",
                        text="本文", as_of="2025-04")
    draft = Draft(channel="C1", thread_ts="1.0", question="質問", citations=[citation], audience="internal",
                  disclaimer="注意書き", retrieval_question="")
    draft_id = DraftStore(StateDB(path)).put(draft)
    assert DraftStore(StateDB(path)).get(draft_id) == draft
    assert DraftStore(StateDB(path)).get("unknown") is None


def test_drafts_are_bounded_and_expire(tmp_path):
    store = DraftStore(StateDB(tmp_path / "s.sqlite3"), max_size=2)
    ids = [store.put(Draft(channel="C", thread_ts=str(i), question=f"q{i}")) for i in range(3)]
    assert store.get(ids[0]) is None and store.get(ids[2]) is not None
    expired = DraftStore(StateDB(tmp_path / "e.sqlite3"), ttl_seconds=-1)
    assert expired.get(expired.put(Draft(channel="C", thread_ts="1", question="q"))) is None
