"""Section detection: the real strategy's chapters and products, Markdown headings, stable anchors."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.text.normalize import normalize_extracted_text, squash
from ingest.text.sections import detect_headings, detect_sections

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"
STRATEGY = CORPUS / "miyagi_export_strategy_2025.txt"
PRODUCTS = ["(1) 水産物", "(2) 米", "(3) 牛肉", "(4) いちご", "(5) 日本酒", "(6) さつまいも"]


@pytest.fixture(scope="module")
def strategy_text() -> str:
    if not STRATEGY.is_file():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    return normalize_extracted_text(STRATEGY.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def strategy_sections(strategy_text):
    return detect_sections(strategy_text)


def _paths(sections):
    return [s.path for s in sections]


def test_strategy_has_its_six_chapters_in_order(strategy_sections):
    chapters = [s.path[0] for s in strategy_sections if len(s.path) == 1]
    assert [re.match(r"第\d章", c).group(0) for c in chapters] == [f"第{n}章" for n in range(1, 7)]
    assert chapters[3] == "第4章 輸出基幹品目"


def test_the_six_products_sit_directly_under_chapter_4_each_with_three_parts(strategy_sections):
    paths = _paths(strategy_sections)
    chapter4 = "第4章 輸出基幹品目"
    products = [p[1] for p in paths if len(p) == 2 and p[0] == chapter4 and p[1].startswith("(")]
    assert products == PRODUCTS
    for product in PRODUCTS:
        parts = [p[2] for p in paths if len(p) == 3 and p[:2] == (chapter4, product)]
        assert parts == ["① これまでの取組", "② 現状と課題", "③ 取組の方向性"], product
    assert (chapter4, "(3) 牛肉", "② 現状と課題") in paths
    # the introduction 「1 輸出基幹品目の設定」 is a sibling of the products, not their parent
    assert (chapter4, "1 輸出基幹品目の設定") in paths


def test_the_section_path_reads_as_in_the_issue(strategy_sections):
    sections = {" > ".join(s.path): s for s in strategy_sections}
    beef = sections["第4章 輸出基幹品目 > (3) 牛肉 > ② 現状と課題"]
    assert "仙台牛" in beef.text
    assert re.fullmatch(r"s(-\d+)+", beef.anchor)


def test_case_examples_are_sub_sections_of_their_torikumi_rei_box(strategy_sections):
    paths = _paths(strategy_sections)
    fish_cases = [
        p[-1] for p in paths
        if p[:4] == ("第4章 輸出基幹品目", "(1) 水産物", "① これまでの取組", "《取組例》") and len(p) == 5
    ]
    assert fish_cases == [
        "○ 産地への海外バイヤー招聘の実施",
        "○ ホヤメニュー開発による新たな需要創出",
        "○ アジア圏に向けたカキプロモーションの実施",
    ]
    rice_cases = [p[-1] for p in paths if len(p) == 5 and p[1] == "(2) 米" and p[3] == "《取組例》"]
    assert "○ 香港のおむすびチェーン店と連携した県産米の輸出" in rice_cases
    chapter2_cases = [p[-1] for p in paths if p[0].startswith("第2章") and "《取組例》" in p and p[-1] != "《取組例》"]
    assert len(chapter2_cases) == 9
    assert all(title.startswith("○ ") for title in chapter2_cases)
    # each of the six products has a 《取組例》 and a 《事業展開/イメージ》 box
    for product in PRODUCTS:
        boxes = {p[-1] for p in paths if len(p) >= 3 and p[1] == product and p[-1].startswith("《")}
        assert boxes == {"《取組例》", "《事業展開/イメージ》"}, product


def test_miyagi_style_box_is_a_section_of_the_sake_part(strategy_sections):
    boxes = [s for s in strategy_sections if s.path[-1] == "【MIYAGI STYLE】"]
    assert len(boxes) == 1
    assert boxes[0].path[1] == "(5) 日本酒"
    assert boxes[0].text


def test_chapter_5_has_the_four_targets(strategy_sections):
    targets = [s.path[-1] for s in strategy_sections if s.path[0] == "第5章 目標指標" and s.path[-1].startswith("<目標")]
    assert [t.split(">")[0] + ">" for t in targets] == ["<目標1>", "<目標2>", "<目標3>", "<目標4>"]


def test_long_bullets_stay_in_the_body(strategy_sections):
    # ② 現状と課題 is written as long ○ sentences: body, not headings
    issues = [s for s in strategy_sections if s.path[1:3] == ("(1) 水産物", "② 現状と課題")]
    assert len(issues) == 1
    assert issues[0].text.count("\n") >= 4


def test_footnotes_are_not_numbered_headings(strategy_sections):
    titles = {s.path[-1] for s in strategy_sections}
    assert not any(t.startswith("3 実質") for t in titles)
    chapter2 = [s.path[1] for s in strategy_sections if len(s.path) == 2 and s.path[0].startswith("第2章")]
    assert chapter2 == ["1 世界情勢", "2 国の取組", "3 県の取組"]


def test_no_body_text_is_lost(strategy_text, strategy_sections):
    rebuilt = "".join((s.path[-1] if s.path else "") + s.text for s in strategy_sections)
    assert squash(rebuilt) == squash(strategy_text)


def test_anchors_are_unique_url_safe_and_stable(strategy_text, strategy_sections):
    anchors = [s.anchor for s in strategy_sections]
    assert len(set(anchors)) == len(anchors)
    assert all(re.fullmatch(r"[a-z0-9-]+", a) for a in anchors)
    assert [s.anchor for s in detect_sections(strategy_text)] == anchors


def test_article_without_markers_gets_its_short_lines_as_headings():
    path = CORPUS / "gunma_ppp_case.txt"
    if not path.is_file():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    text = normalize_extracted_text(path.read_text(encoding="utf-8"))
    sections = detect_sections(text)
    titles = [s.path[-1] for s in sections if s.path]
    assert "まとめ:希望に満ちた地方創生の未来へ" in titles
    numbered = [s.path for s in sections if len(s.path) == 2]
    assert [p[1][:2] for p in numbered] == ["1.", "2.", "3.", "4."]
    assert all(p[0].startswith("他地域へのヒント") for p in numbered)
    rebuilt = "".join((s.path[-1] if s.path else "") + s.text for s in sections)
    assert squash(rebuilt) == squash(text)


def test_plain_headings_are_only_a_fallback():
    text = "はじめに\nこの文書は輸出の手順を説明するための試験用の文章で、四十文字を超える長さがあります。\n第1章 手順\n本文。"
    assert [h.title for h in detect_headings(text)] == ["第1章 手順"]
    assert [h.title for h in detect_headings(text, style="plain")] == ["はじめに", "第1章 手順"]


def test_markdown_headings_nest_by_level_and_skip_code_blocks():
    text = "前書きの文。\n# 米\n本文A\n## 台湾向け\n本文B\n```\n# これは見出しではない\n```\n## 香港向け\n本文C\n# 牛肉\n本文D"
    sections = detect_sections(text)
    assert [(s.path, s.text) for s in sections] == [
        ((), "前書きの文。"),
        (("米",), "本文A"),
        (("米", "台湾向け"), "本文B\n```\n# これは見出しではない\n```"),
        (("米", "香港向け"), "本文C"),
        (("牛肉",), "本文D"),
    ]
    assert [s.anchor for s in sections] == ["s-0", "s-1", "s-1-1", "s-1-2", "s-2"]


def test_numbered_parts_nest_under_their_numbered_heading_when_there_are_several():
    text = "第1章 概要\n1 背景\n(1) 国内\n本文。\n(2) 海外\n本文。\n2 目的\n本文。"
    paths = [s.path for s in detect_sections(text)]
    assert ("第1章 概要", "1 背景", "(2) 海外") in paths
    assert ("第1章 概要", "2 目的") in paths


def test_short_circle_line_followed_by_circle_line_is_a_bullet_not_a_title():
    text = "① 事例\n○ 香港\n○ 台湾\n"
    headings = detect_headings(text)
    assert [h.title for h in headings] == ["① 事例"]


# property: whatever the text, every line ends up as a heading or in exactly one section body

_line = st.one_of(
    st.sampled_from(["第1章 総論", "第2章 各論", "1 概要", "2 方針", "(1) 水産物", "(2) 米", "① これまで",
                     "② 課題", "《取組例》", "【囲み】", "<目標1> 事業者", "○ 短い題", "○ 長い文です。", "# 見出し"]),
    st.text(alphabet="輸出県産米牛肉あいう、。○(1)①《》 ", min_size=0, max_size=40),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_line, max_size=30).map("\n".join))
def test_property_sections_cover_the_text_exactly_once(text):
    sections = detect_sections(text, style="japanese")
    rebuilt = "".join((s.path[-1] if s.path else "") + s.text for s in sections)
    assert squash(rebuilt) == squash(text)
    assert len({s.anchor for s in sections}) == len(sections)
