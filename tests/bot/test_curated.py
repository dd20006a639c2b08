"""The curated store on a real file with the real embedder: question variants, versions (edit, retire) kept across a
restart, and an export of the newest version of each answer."""
from __future__ import annotations

import json

import pytest

from bot.curated import CuratedAnswerStore, current_answers

QUESTION = "ブラジル向けの関税率は何パーセントですか？"
VARIANT = "台湾向けの年会費の払い方を教えてください"


@pytest.fixture
def store(small_services, tmp_path):
    return CuratedAnswerStore(tmp_path / "curated.jsonl", small_services.embedder.embed_query)


def test_a_question_variant_is_matched_as_well_as_the_main_question(store):
    curated_id = store.add(QUESTION, "本文", [], author="test", variants=[VARIANT])
    assert store.match(QUESTION, "public")[0].curated_id == curated_id
    assert store.match(VARIANT, "public")[0].curated_id == curated_id


def test_edits_and_retirement_survive_a_restart_and_export_keeps_the_newest_version(store, small_services, tmp_path):
    curated_id = store.add(QUESTION, "古い本文", [], author="test", review_by="2027-01-31")
    store.update(curated_id, answer_text="新しい本文")
    reopened = CuratedAnswerStore(tmp_path / "curated.jsonl", small_services.embedder.embed_query)
    assert reopened.match(QUESTION, "public")[0].answer_text == "新しい本文"
    assert reopened.get(curated_id).review_by == "2027-01-31"  # carried over by the edit
    [exported] = [json.loads(line) for line in reopened.export_jsonl().splitlines()]
    assert exported["answer_text"] == "新しい本文"

    reopened.retire(curated_id)
    assert reopened.match(QUESTION, "public") is None and len(reopened) == 0
    again = CuratedAnswerStore(tmp_path / "curated.jsonl", small_services.embedder.embed_query)
    assert again.match(QUESTION, "public") is None and again.get(curated_id).retired
    assert [a.retired for a in current_answers(tmp_path / "curated.jsonl")] == [True]  # read without embedding
    with pytest.raises(KeyError):
        again.update("no-such-id", answer_text="x")
