"""What a note claims, beyond its numbers: scope of bans, attribution to the cited chapter, draft wording, dates.

Each check is a function that returns the offending sentences of one note, run over every note, and run once
more over a deliberately broken copy of a real note so that a check which can no longer fail is noticed.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from .conftest import KNOWLEDGE, Note, load_note, note_paths
from .test_facts import cited_text, numbers_in

# a sentence that says a country or region stops imports
BAN = re.compile(r"輸入を止め|輸入停止|禁輸")
# whose products a ban covers, in the words the strategy uses (本県産品 → 宮城県産 / 県産) or 日本産 where the
# source is about Japan as a whole
BAN_SCOPE = re.compile(r"宮城県産|県産|日本産")
# the Japan-wide wording the review found in 11 notes: 「日本のすべての食品」「日本の水産物」
JAPAN_WIDE = re.compile(r"日本の(?:すべての)?(?:食品|水産物|農林水産物)")
# sentences that say the strategy states something
ATTRIBUTED = re.compile(r"戦略案?によると|戦略案?は、|戦略案?では、|戦略（案）は、")
# a bare 「戦略によると」 about the Miyagi draft (the national 輸出拡大実行戦略 / 輸出力強化戦略 are adopted documents)
BARE_STRATEGY = re.compile(r"(?<![実行強化])戦略によると")
ADOPTED_WORDING = re.compile(r"今回改定された|策定された本戦略|決定した本戦略")
PLAN_SECTIONS = ("取組の方向性", "具体的な取組", "今後の事業のイメージ")
# names whose presence in the cited chapter is checked: katakana words, 「」-quoted names, company names
NAME = re.compile(r"[ァ-ヴー]{4,}|「([^」]{2,30})」|(?:\(株\)|（株）)[^\s、。（(]{2,20}")
# words of the notes' own that name no fact of the source (attribution, pointers to other notes)
OWN_WORDS = {"ページ", "テスト"}
CORPUS_META = "{name}.meta.yaml"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def sentences(body: str) -> list[str]:
    """Body sentences: headings and blank lines dropped, split after 。."""
    lines = [line.strip() for line in body.split("\n") if line.strip() and not line.lstrip().startswith("#")]
    return [s + "。" if not s.endswith("。") else s
            for line in lines for s in re.split(r"(?<=。)", line) if s.strip() and s.strip() != "。"]


def countries() -> list[str]:
    vocab = yaml.safe_load((KNOWLEDGE.parent / "ingest" / "data" / "vocabulary.yaml").read_text(encoding="utf-8"))
    return list(vocab["countries"])


def unscoped_bans(note: Note) -> list[str]:
    names = countries()
    return [s for s in sentences(note.body)
            if BAN.search(s) and any(c in s for c in names) and (not BAN_SCOPE.search(s) or JAPAN_WIDE.search(s))]


def japan_wide_attributed(note: Note) -> list[str]:
    """「戦略案によると、…日本の水産物…」: the strategy speaks of Miyagi's products, never of Japan's, in a ban."""
    return [s for s in sentences(note.body) if ATTRIBUTED.search(s) and BAN.search(s) and JAPAN_WIDE.search(s)]


def ban_lists_said_incomplete(note: Note) -> list[str]:
    """A rules or procedure note that states bans of two or more countries says the list is not complete."""
    names = countries()
    banned = {c for s in sentences(note.body) if BAN.search(s) for c in names if c in s}
    if note.path.parent.name not in ("rules", "procedures") or len(banned) < 2:
        return []
    return [] if "すべてではありません" in note.body else [f"bans of {sorted(banned)} without 「すべてではありません」"]


def unsourced_attributions(note: Note, source_text: str) -> list[str]:
    """Attributed sentences whose figures or names are not in the chapters the note cites."""
    cited = cited_text(note, source_text)
    allowed_numbers = numbers_in(cited)
    cited_squashed = squash(cited)
    bad = []
    for s in sentences(note.body):
        if not ATTRIBUTED.search(s):
            continue
        stray = sorted(numbers_in(s) - allowed_numbers)
        names = {m.group(1) or m.group(0) for m in NAME.finditer(unicodedata.normalize("NFKC", s))}
        missing = sorted(n for n in names if n not in OWN_WORDS and squash(n) not in cited_squashed)
        if stray or missing:
            bad.append(f"{s}  numbers={stray} names={missing}")
    return bad


def draft_wording(note: Note) -> list[str]:
    """A note restating a draft says 案, attributes to 戦略案, never calls it adopted, and states planned measures
    as plans."""
    if "案" not in note.meta["source"]:
        return []
    bad = [] if "案" in note.body else ["the body never says the source is a draft (案)"]
    bad += [s for s in sentences(note.body) if BARE_STRATEGY.search(s) or ADOPTED_WORDING.search(s)]
    section = ""
    for line in note.body.split("\n"):
        if line.startswith("## "):
            section = line[3:]
        elif ((note.meta["kind"] == "support" or any(p in section for p in PLAN_SECTIONS)) and line.startswith("宮城県") and line.endswith("ます。")
              and not line.endswith(("ています。", "あります。")) and "計画です" not in line):
            bad.append(line)
    return bad


def source_as_of(corpus_dir: Path, source_file: str) -> str | None:
    meta = yaml.safe_load((corpus_dir / CORPUS_META.format(name=source_file)).read_text(encoding="utf-8")) or {}
    return str(meta["as_of"]) if meta.get("as_of") else None


def as_of_after_source(note: Note, corpus_dir: Path) -> list[str]:
    """The facts of a note cannot be newer than its source; a source without a date leaves as_of empty."""
    if "source_file" not in note.meta:
        return []
    limit, as_of = source_as_of(corpus_dir, note.meta["source_file"]), note.meta["as_of"]
    if limit is None:
        return [] if as_of is None else [f"as_of {as_of} but {note.meta['source_file']} has no date"]
    return [] if as_of is None or str(as_of) <= limit else [f"as_of {as_of} is after the source's {limit}"]


def unattributed_article_sentences(note: Note) -> list[str]:
    """Every sentence of a note restating the unofficial article says it is the article's claim."""
    return [s for s in sentences(note.body) if "記事" not in s]


def sourced(paths: list[Path]) -> list[Path]:
    return [p for p in paths if "source_file" in load_note(p).meta]


# --- over every note ---

@pytest.mark.parametrize("path", note_paths(), ids=lambda p: p.stem)
def test_ban_statements_name_whose_products_they_cover(path: Path):
    note = load_note(path)
    assert unscoped_bans(note) == []
    assert japan_wide_attributed(note) == []
    assert ban_lists_said_incomplete(note) == []


@pytest.mark.parametrize("path", sourced(note_paths()), ids=lambda p: p.stem)
def test_attributed_sentences_hold_only_figures_and_names_of_the_cited_chapters(path: Path, corpus_dir: Path):
    note = load_note(path)
    source_text = (corpus_dir / note.meta["source_file"]).read_text(encoding="utf-8")
    assert unsourced_attributions(note, source_text) == []


@pytest.mark.parametrize("path", note_paths(), ids=lambda p: p.stem)
def test_notes_on_a_draft_say_so_and_state_its_measures_as_plans(path: Path):
    assert draft_wording(load_note(path)) == []


@pytest.mark.parametrize("path", sourced(note_paths()), ids=lambda p: p.stem)
def test_no_as_of_is_newer_than_its_source(path: Path, corpus_dir: Path):
    assert as_of_after_source(load_note(path), corpus_dir) == []


def test_the_unofficial_article_is_attributed_in_every_sentence(corpus_dir: Path):
    notes = [load_note(p) for p in sourced(note_paths()) if load_note(p).meta["source_file"] == "gunma_ppp_case.txt"]
    assert notes
    for note in notes:
        assert unattributed_article_sentences(note) == [], note.doc_id
        assert "公式" in note.body and "ブログ" in note.body, "the card names its kind of source"


def test_internal_notes_say_in_their_body_that_they_are_samples(notes: list[Note]):
    for note in (n for n in notes if n.meta["audience"] == "internal"):
        assert "見本" in note.body and "差し替え" in note.body, note.doc_id


def test_verbatim_names_are_names_found_in_the_corpus(corpus_dir: Path):
    corpus = "".join(squash(p.read_text(encoding="utf-8")) for p in corpus_dir.glob("*.txt"))
    lines = [l.strip() for l in (KNOWLEDGE / ".verbatim-names").read_text(encoding="utf-8").splitlines()]
    names = [l for l in lines if l and not l.startswith("#")]
    assert names
    for name in names:
        assert squash(name) in corpus, f"{name}: not in the corpus, so not a name that must stay verbatim"
        assert len(name) <= 40 and not re.search(r"[。、]", name), f"{name}: a clause, not a name"


# --- each check catches a deliberately broken note ---

def note(stem: str) -> Note:
    return load_note(next(p for p in note_paths() if p.stem == stem))


def broken(stem: str, old: str, new: str) -> Note:
    real = note(stem)
    assert old in real.body, f"{stem} no longer holds {old!r}: pick another sentence to break"
    return replace(real, body=real.body.replace(old, new, 1))


def test_checks_catch_a_ban_stated_as_japan_wide():
    bad = broken("import-bans-by-country", "宮城県産のすべての食品の輸入を止めています", "日本のすべての食品の輸入を止めています")
    assert unscoped_bans(bad) and japan_wide_attributed(bad)
    assert unscoped_bans(replace(bad, body="韓国は東日本大震災の後から水産物の輸入を止めています。"))


def test_checks_catch_a_ban_list_presented_as_complete():
    bad = broken("import-bans-by-country", "すべてではありません", "主なものです")
    assert ban_lists_said_incomplete(bad)


def test_checks_catch_an_attributed_figure_or_name_missing_from_the_cited_chapter(corpus_dir: Path):
    source_text = (corpus_dir / "miyagi_export_strategy_2025.txt").read_text(encoding="utf-8")
    figure = replace(note("beef-strategy"), body="戦略案によると、2023年度の仙台牛の輸出量は約64トンでした。")
    assert any("64" in b for b in unsourced_attributions(figure, source_text))
    name = broken("beef-export-rules", "マカオ、タイ、ベトナム向け", "マカオ、タイ、フィンランド向け")
    assert any("フィンランド" in b for b in unsourced_attributions(name, source_text))
    # the figures of the beef rules are in 第4章: a 第6章-only citation does not hold them
    moved = replace(note("beef-export-rules"), meta={**note("beef-export-rules").meta, "source": "戦略 第6章"})
    assert unsourced_attributions(moved, source_text)


def test_checks_catch_draft_stated_as_adopted_and_plans_as_services():
    assert draft_wording(broken("strategy-vision-and-policies", "2024年8月時点の改定案で示された", "今回改定された"))
    assert draft_wording(broken("rice-export-rules", "2024年8月時点の戦略案によると、中国", "戦略によると、中国"))
    assert draft_wording(broken("support-menu", "を支援する計画です（予算により変更の可能性）。", "を支援します。"))
    no_draft_word = note("plan-periods")
    assert draft_wording(replace(no_draft_word, body=no_draft_word.body.replace("案", "")))


def test_checks_catch_an_as_of_after_the_source(corpus_dir: Path):
    real = note("beef-strategy")
    assert as_of_after_source(replace(real, meta={**real.meta, "as_of": "2025-01"}), corpus_dir)
    article = note("case-gunma-public-private-partnership")
    assert as_of_after_source(replace(article, meta={**article.meta, "as_of": "2024-08"}), corpus_dir)


def test_checks_catch_an_article_claim_stated_as_fact():
    bad = broken("case-gunma-public-private-partnership", "記事によると、群馬県は地場産品", "群馬県は地場産品")
    assert unattributed_article_sentences(bad)
