"""The answerability features' audience vocabulary, on the small real index (real Chroma, real SudachiPy)."""
from __future__ import annotations

import re

import pytest

from bot.answerability import AudienceVocabulary
from bot.query import content_noun_forms
from ingest import visible


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_an_audience_vocabulary_is_what_tokenizing_its_visible_chunks_gives(small_services, audience):
    reader = small_services.live_index.current()
    tokenize = small_services.chain.extractive.tokenize
    expected: set[str] = set()
    for chunk in reader.chunks.values():
        if visible(chunk.audience, audience):
            expected.update(tokenize(chunk.indexed_text))
    assert AudienceVocabulary(tokenize).terms(reader, audience) == expected


def test_the_public_vocabulary_leaves_out_words_only_internal_chunks_use(small_services):
    reader = small_services.live_index.current()
    vocabulary = AudienceVocabulary(small_services.chain.extractive.tokenize)
    assert "kanaria" in vocabulary.terms(reader, "internal")
    assert "kanaria" not in vocabulary.terms(reader, "public")


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_the_nouns_question_words_are_compared_with_are_the_content_nouns_of_the_visible_chunks(small_services, audience):
    reader = small_services.live_index.current()
    expected = {form for chunk in reader.chunks.values() if visible(chunk.audience, audience)
                for form, _surface in content_noun_forms(chunk.indexed_text)}
    japanese = sorted(form for form in expected if len(form) >= 2 and re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", form))
    nouns = small_services.chain.policy.vocabulary.nouns(reader, audience)  # the session's: its vectors are embedded once
    assert nouns == japanese and len(nouns) > 50
    assert ("カナリア" in nouns) == (audience == "internal")


@pytest.mark.parametrize("question, missing", [
    ("2024年の輸出件数はいくつ？", 1.0),  # a figure asked for a year whose row is still empty
    ("2024年はどこの国で商談会をした？", 0.0),  # a place asked: the year needs no number beside it
])
def test_a_year_without_a_value_counts_only_when_a_figure_is_asked(small_services, question, missing):
    from bot.answerability import question_features
    from bot.query import analyze
    from bot.retriever import ScoredChunk
    from ingest import Chunk

    chunk = Chunk(chunk_id="c1", doc_id="d", text="商談会はイタリアとスイスで開いた。\n2024年：\n2023年：12件", section_path=("実績",),
                  anchor="a", ordinal=0, title="実績", as_of="2024-08", audience="public", kind="strategy")
    reader = small_services.live_index.current()
    features = question_features(analyze(question), [ScoredChunk(chunk, 1.0, 0.9)], [], reader, "public",
                                 small_services.chain.policy.vocabulary)
    assert features["year_value_missing"] == missing


def test_a_noun_is_known_by_another_form_only_when_these_documents_use_that_form(small_services):
    from bot.answerability import _known_by_another_form

    tokenize = small_services.chain.extractive.tokenize
    with_oysters = frozenset(tokenize("香港向けのカキの輸出"))
    assert _known_by_another_form("牡蠣", with_oysters, tokenize)  # the vocabulary's 牡蠣 is the documents' カキ
    assert not _known_by_another_form("牡蠣", frozenset(tokenize("いちごの輸出")), tokenize)  # no form of it here
    assert _known_by_another_form("ドンキ", frozenset(tokenize("PPIHとの協定")), tokenize)  # a glossary term
    assert not _known_by_another_form("ペース", with_oysters, tokenize)
