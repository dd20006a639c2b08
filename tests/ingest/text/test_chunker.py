"""Chunking: sentence-aware packing, size limit, declared overlap, stable ids; nothing lost or duplicated."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.text.chunker import chunk_id, chunk_text, split_sentences
from ingest.text.normalize import squash

SENTENCE_A = "県は輸出に取り組む事業者を支援します。"
SENTENCE_B = "商談会の開催や見本市への出展がその中心です！"
SENTENCE_C = "次年度も同じ規模で続ける予定ですか？"


def test_split_sentences_at_japanese_sentence_ends_and_lines():
    text = f"{SENTENCE_A}{SENTENCE_B}\n○ 箇条書きの項目\n「引用した文。」と書かれています。"
    assert split_sentences(text) == [SENTENCE_A, SENTENCE_B, "○ 箇条書きの項目", "「引用した文。」と書かれています。"]


def test_sentences_are_packed_up_to_the_limit_and_never_split():
    text = (SENTENCE_A + SENTENCE_B + SENTENCE_C) * 4
    pieces = chunk_text(text, chunk_chars=60)
    assert all(len(p.text) <= 60 for p in pieces)
    for p in pieces:  # every chunk ends at a sentence end
        assert p.text[-1] in "。！？"
    assert squash("".join(p.text for p in pieces)) == squash(text)
    assert [p.ordinal_in_section for p in pieces] == list(range(len(pieces)))


def test_lines_stay_lines_inside_a_chunk():
    pieces = chunk_text("○ 一つ目の項目\n○ 二つ目の項目", chunk_chars=400)
    assert [p.text for p in pieces] == ["○ 一つ目の項目\n○ 二つ目の項目"]


def test_an_over_long_sentence_is_cut_at_commas_then_hard():
    clause = "輸出先の規制を確認し"
    long_sentence = "、".join([clause] * 12) + "。"
    pieces = chunk_text(long_sentence, chunk_chars=50)
    assert len(pieces) > 1
    assert all(len(p.text) <= 50 for p in pieces)
    assert all(p.text.endswith(("、", "。")) for p in pieces)
    no_commas = "あ" * 130
    assert [len(p.text) for p in chunk_text(no_commas, chunk_chars=50)] == [50, 50, 30]


def test_declared_overlap_repeats_the_last_sentence_of_the_previous_chunk():
    text = SENTENCE_A + SENTENCE_B + SENTENCE_C + SENTENCE_A
    pieces = chunk_text(text, chunk_chars=45, overlap_sentences=1)
    assert len(pieces) >= 2
    assert pieces[0].overlap_chars == 0
    for previous, current in zip(pieces, pieces[1:]):
        repeated = current.text[: current.overlap_chars]
        assert repeated and previous.text.endswith(repeated)


def test_empty_text_gives_no_chunks():
    assert chunk_text("") == []
    assert chunk_text(" \n \n") == []


def test_chunk_ids_are_stable_and_depend_on_position_and_text():
    first = chunk_id("strategy", "s-4-3-2", 0, "本文")
    assert first == chunk_id("strategy", "s-4-3-2", 0, "本文")
    assert first.startswith("strategy-") and len(first) == len("strategy-") + 12
    assert first != chunk_id("strategy", "s-4-3-2", 1, "本文")
    assert first != chunk_id("strategy", "s-4-3-3", 0, "本文")
    assert first != chunk_id("strategy", "s-4-3-2", 0, "本文。")
    # a fixed value: the same on every machine and Python run (no hash randomisation)
    assert first == "strategy-" + __import__("hashlib").sha1("s-4-3-2|0|本文".encode()).hexdigest()[:12]


_sentence = st.builds(
    lambda body, end: body + end,
    st.text(alphabet="輸出県産米牛肉水産物取組課題あいうえお、「」○ 0123", min_size=1, max_size=90),
    st.sampled_from(["。", "！", "？", ""]),
)
_section_text = st.lists(st.lists(_sentence, min_size=1, max_size=6).map("".join), min_size=0, max_size=12).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(_section_text, st.integers(min_value=20, max_value=400))
def test_property_no_text_lost_or_duplicated(text, limit):
    pieces = chunk_text(text, chunk_chars=limit)
    assert squash("".join(p.text for p in pieces)) == squash(text)
    assert all(len(p.text) <= limit for p in pieces)
    assert all(p.overlap_chars == 0 for p in pieces)


@settings(max_examples=300, deadline=None)
@given(_section_text, st.integers(min_value=20, max_value=400), st.integers(min_value=1, max_value=3))
def test_property_only_the_declared_overlap_is_duplicated(text, limit, overlap):
    pieces = chunk_text(text, chunk_chars=limit, overlap_sentences=overlap)
    assert squash("".join(p.text[p.overlap_chars:] for p in pieces)) == squash(text)
    assert all(len(p.text) <= limit for p in pieces)
    for previous, current in zip(pieces, pieces[1:]):
        assert previous.text.endswith(current.text[: current.overlap_chars])
