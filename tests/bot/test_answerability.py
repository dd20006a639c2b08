"""The answerability features' audience vocabulary, on the small real index (real Chroma, real SudachiPy)."""
from __future__ import annotations

import pytest

from bot.answerability import AudienceVocabulary
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
