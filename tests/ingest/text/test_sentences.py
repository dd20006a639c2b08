"""The one sentence splitter: quotes stay whole, pieces give back the text, cuts respect the limit."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.answer_extractive import split_sentences as answer_units
from bot.web.answering import stream_pieces
from ingest.text.chunker import split_sentences as chunk_units
from ingest.text.sentences import cut_at_boundaries, ends_sentence, sentence_pieces, split_sentences

QUOTED = "担当者は「輸出できます。」と答えた。"

_TEXT = st.text(alphabet="あ漢A1、。！？!?「」『』()（）\n ", max_size=80)


def test_a_quotation_inside_a_sentence_does_not_end_it():
    assert split_sentences(QUOTED + "次の文です。") == [QUOTED, "次の文です。"]


def test_chunker_answerer_and_sse_cut_the_same_sentences():
    text = QUOTED + "香港は停止！\n○ 箇条書き"
    expected = [QUOTED, "香港は停止！", "○ 箇条書き"]
    assert chunk_units(text) == expected
    assert answer_units(text) == expected
    assert [p.strip() for p in stream_pieces(text, max_chars=100) if p.strip()] == expected


def test_an_unclosed_bracket_does_not_glue_the_line_together():
    assert split_sentences("「閉じない引用。次の文。") == ["「閉じない引用。", "次の文。"]


def test_closing_brackets_stay_with_their_sentence():
    assert split_sentences("前年比です。）次。") == ["前年比です。）", "次。"]
    assert split_sentences("「躍進！」の見出し。") == ["「躍進！」の見出し。"]


def test_ascii_period_inside_figures_is_no_sentence_end():
    assert split_sentences("目標は1.2兆円です。") == ["目標は1.2兆円です。"]


def test_ends_sentence_allows_closers_and_a_footnote_number():
    assert ends_sentence("迎えています。4")
    assert ends_sentence("「躍進！」")
    assert not ends_sentence("輸出の現状と")


@given(_TEXT)
def test_pieces_give_back_the_text_exactly(text):
    assert "".join(sentence_pieces(text)) == text


@given(_TEXT, st.integers(min_value=1, max_value=30))
def test_cuts_respect_the_limit_and_lose_nothing(text, limit):
    pieces = cut_at_boundaries(text, limit)
    assert "".join(pieces) == text
    assert all(0 < len(p) <= limit for p in pieces)
