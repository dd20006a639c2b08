"""Pure parts of the web answering: stream pieces lose and add nothing."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.web.answering import stream_pieces


@given(st.text(alphabet=st.sampled_from(list("あいう漢字。！？!?\n[1] abc")), max_size=400))
def test_pieces_join_back_to_the_text_and_stay_short(text):
    pieces = stream_pieces(text, max_chars=12)
    assert "".join(pieces) == text
    assert all(0 < len(piece) <= 12 for piece in pieces)


def test_pieces_end_at_sentence_boundaries():
    assert stream_pieces("香港は停止。[1]\n台湾は可能！") == ["香港は停止。", "[1]\n", "台湾は可能！"]
