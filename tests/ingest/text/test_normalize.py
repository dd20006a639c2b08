"""Normalization of PDF-extracted Japanese text: NFKC, rejoined lines, page furniture, no content lost."""
from __future__ import annotations

import difflib
import re
import unicodedata
from pathlib import Path

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.text.normalize import (
    continues_on_next_line,
    drop_running_lines,
    is_furniture,
    nfkc,
    normalize_extracted_text,
    normalize_markup_text,
    squash,
)


def test_nfkc_makes_digits_and_letters_half_width_but_keeps_circled_numbers():
    assert nfkc("２０２４年 ＪＡ（株）") == "2024年 JA(株)"
    assert nfkc("② 現状と課題") == "② 現状と課題"
    assert unicodedata.normalize("NFKC", "②") == "2"  # why nfkc() exists


def test_sentence_broken_by_the_pdf_is_rejoined():
    text = (
        "〇 県産の農産物を海外へ売り込むため、県は商談会の開催や見本市への出展を支援してお\n"
        "\n"
        "り、今後も継続します。\n"
    )
    assert normalize_extracted_text(text) == "〇 県産の農産物を海外へ売り込むため、県は商談会の開催や見本市への出展を支援しており、今後も継続します。"


def test_short_heading_does_not_swallow_the_next_line():
    text = "第２章 現状と課題\n\n１ 世界の動き\n\n（１）人口の見通し\n\n○ 世界の人口は増え続けると見込まれています。\n"
    assert normalize_extracted_text(text).split("\n") == [
        "第2章 現状と課題",
        "1 世界の動き",
        "(1)人口の見通し",
        "○ 世界の人口は増え続けると見込まれています。",
    ]


def test_short_bullet_title_stays_on_its_own_line_before_its_body():
    text = "○ 香港への試験輸出  \n\n２０２３年に船便で試験的に輸出し、品質に問題はありませんでした。\n"
    assert normalize_extracted_text(text).split("\n") == [
        "○ 香港への試験輸出",
        "2023年に船便で試験的に輸出し、品質に問題はありませんでした。",
    ]


def test_numbers_wrapped_mid_figure_join_without_space_and_latin_words_with_one():
    assert continues_on_next_line("〇 水産物の輸出額は前年を上回り、全体の約8割(202" + "あ" * 30, "4年)を占めます。")
    joined = normalize_extracted_text("水産物の輸出額は前年を上回り、県全体の輸出額の約8割(202\n4年の調査)を占めます。")
    assert "約8割(2024年の調査)" in joined
    english = normalize_extracted_text("The prefecture supports exporters who want to reach new markets in\nAsia and Europe.")
    assert english == "The prefecture supports exporters who want to reach new markets in Asia and Europe."


def test_exclamation_inside_an_open_quote_does_not_end_the_line():
    text = "〇 県の計画は、関係する団体と何度も話し合いを重ねてまとめた「海外へ！\nみやぎの味」を合言葉に進めます。"
    assert normalize_extracted_text(text) == "〇 県の計画は、関係する団体と何度も話し合いを重ねてまとめた「海外へ!みやぎの味」を合言葉に進めます。"


def test_page_furniture_is_dropped_and_content_kept():
    text = "\n".join([
        "〇 本文の一文目です。",
        "- 15 -",
        "図１ 輸出額の推移",
        "図● 品目別の内訳                   単位：億円",
        "最終案で掲載予定",
        "最終案で",
        "主な支援策  今後の予算編成の状況によって加筆・修正の可能性あり",
        "図り、産地の形成を目指します。",
        "〇 本文の二文目です。",
    ])
    assert normalize_extracted_text(text).split("\n") == [
        "〇 本文の一文目です。",
        "主な支援策",
        "図り、産地の形成を目指します。",
        "〇 本文の二文目です。",
    ]


def test_is_furniture_recognises_layout_lines_only():
    assert is_furniture("- 3 -")
    assert is_furniture("図3 日本の人口推移")
    assert is_furniture("今後の予算編成の状況によって加筆・修正の可能性あり")
    assert not is_furniture("図り、輸出を拡大します。")
    assert not is_furniture("表1に示すとおり、輸出額は増えました。")
    assert not is_furniture("15")


def test_running_headers_and_footers_repeated_on_most_pages_are_dropped():
    pages = [f"輸出の手引き 2025\n本文{n}の一行目です。\n本文{n}の二行目です。\n{n} / 4" for n in range(1, 5)]
    cleaned = drop_running_lines(pages)
    assert cleaned == [f"本文{n}の一行目です。\n本文{n}の二行目です。" for n in range(1, 5)]
    # two pages are too few to tell a running header from content
    assert drop_running_lines(pages[:2]) == pages[:2]
    # a line repeated in the middle of pages is content, not a header
    heads = ["米の話", "牛肉の話", "いちごの話", "日本酒の話"]
    middle = [f"{h}\n{h}を続けます。\n同じ文です。\n{h}のまとめです。\n{h}はここまで。" for h in heads]
    assert drop_running_lines(middle) == middle


def test_runs_of_blank_lines_collapse_in_markup_text():
    assert normalize_markup_text("# 見出し\n\n\n\n本文　です。  \n\n\n次の段落") == "# 見出し\n\n本文 です。\n\n次の段落"


def test_markup_text_keeps_author_line_breaks():
    text = "- 一つ目の項目で、まだ続くように見える\n- 二つ目の項目"
    assert normalize_markup_text(text) == text


STRATEGY = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "miyagi_export_strategy_2025.txt"


def test_on_the_real_strategy_only_page_furniture_is_removed():
    if not STRATEGY.is_file():
        pytest.skip(f"the shared corpus is not at {STRATEGY.parent}")
    raw = STRATEGY.read_text(encoding="utf-8")
    before, after = squash(nfkc(raw)), squash(normalize_extracted_text(raw))
    removed = []
    for op, i1, i2, _, _ in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        assert op in ("equal", "delete"), "normalization must never add or change text"
        if op == "delete":
            removed.append(before[i1:i2])
    furniture = re.compile(r"-\d+-|図[\d●].*|最終案で(掲載予定)?|今後の予算編成の状況によって加筆・修正の可能性あり")
    assert removed and all(furniture.fullmatch(piece) for piece in removed), removed
    assert len(normalize_extracted_text(raw).split("\n")) < len(raw.split("\n")) / 4  # lines rejoined


# Realistic material for property tests: kana, kanji, full-width and half-width alphanumerics,
# Japanese punctuation, structural markers, spaces (incl. ideographic) and line breaks.
_ALPHABET = (
    "あいうえおかきくけこ輸出県産米牛肉水産物日本酒戦略取組課題"
    "アイウエオタイミングホヤカキ"
    "０１２３４５６７８９ＡＢＣabcXYZ0123456789"
    "。、！？「」（）()《》【】＜＞・○〇①②③第章－-"
    " \u3000\t"
)
_line = st.text(alphabet=_ALPHABET, min_size=0, max_size=60)
_text = st.lists(_line, min_size=0, max_size=25).map("\n".join)


def _without_furniture(text: str) -> bool:
    return not any(is_furniture(line) for line in text.split("\n"))


@settings(max_examples=300, deadline=None)
@given(_text)
def test_property_no_content_character_is_lost(text):
    if not _without_furniture(text):
        return
    assert squash(normalize_extracted_text(text)) == squash(nfkc(text))


@settings(max_examples=300, deadline=None)
@given(_text)
def test_property_normalization_never_adds_content(text):
    # with furniture allowed, the output is the input minus some lines: a subsequence
    out, source = squash(normalize_extracted_text(text)), iter(squash(nfkc(text)))
    assert all(ch in source for ch in out)


@settings(max_examples=300, deadline=None)
@given(_text)
def test_property_normalization_is_idempotent(text):
    once = normalize_extracted_text(text)
    assert normalize_extracted_text(once) == once
    markup = normalize_markup_text(text)
    assert normalize_markup_text(markup) == markup
