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
