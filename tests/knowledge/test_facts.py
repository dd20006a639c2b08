"""Every figure in a note is found in the corpus section it cites; no sentence is copied from the corpus."""
from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from .conftest import REPO, Note, note_paths, load_note

NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
CHAPTER_HEAD = re.compile(r"^[ \t]*第(\d)章[ \t]", flags=re.M)  # "第3章で定めた…" in running text is no heading


def squash(text: str) -> str:
    # NFKC folds full-width digits and punctuation. Line breaks go because the PDF text breaks
    # numbers across lines (e.g. "２０２\n４年"); other spaces stay, so a footnote mark stays
    # apart from the number after it ("2 ２０１７" is 2 and 2017, not 22017).
    return re.sub(r"[ \t]*\n[ \t]*", "", unicodedata.normalize("NFKC", text))


def numbers_in(text: str) -> set[str]:
    return {m.replace(",", "") for m in NUMBER.findall(squash(text))}


def chapters(source_text: str) -> dict[str, str]:
    """The strategy split at its chapter headings: {"4": text of 第4章, ...}."""
    text = unicodedata.normalize("NFKC", source_text)
    heads = list(CHAPTER_HEAD.finditer(text))
    return {m.group(1): text[m.start():(heads[i + 1].start() if i + 1 < len(heads) else len(text))]
            for i, m in enumerate(heads)}


def cited_text(note: Note, source_text: str) -> str:
    """The part of the source the note cites: the chapters named in `source`, else the whole file."""
    cited = re.findall(r"第(\d)章", unicodedata.normalize("NFKC", note.meta["source"]))
    parts = chapters(source_text)
    if not cited or not parts:
        return source_text
    return "\n".join(parts[c] for c in cited if c in parts)


def sourced_paths() -> list[Path]:
    return [p for p in note_paths() if "source_file" in load_note(p).meta]


def test_numbers_in_helper_normalizes_width_and_separators():
    assert numbers_in("１１,５０５頭、約１２１，０００パック、１.７トン") == {"11505", "121000", "1.7"}
    assert numbers_in("11,505") == numbers_in("１１，５０５")
    assert "3.2" in numbers_in("３．２％") and "2024" in numbers_in("２０２ \n４年")
    assert numbers_in("2 ２０１７（平成２９）年") == {"2", "2017", "29"}


def test_cited_text_restricts_to_the_named_chapters():
    source = " 第１章 はじめに\n１００件\n 第２章 次\n２００件\n"
    note = Note(path=Path("x.md"), doc_id="x", meta={"source": "戦略 第2章"}, body="")
    assert numbers_in(cited_text(note, source)) >= {"200"}
    assert "100" not in numbers_in(cited_text(note, source))


def test_the_strategy_splits_into_its_six_chapters(corpus_dir: Path):
    text = (corpus_dir / "miyagi_export_strategy_2025.txt").read_text(encoding="utf-8")
    parts = chapters(text)
    assert sorted(parts) == ["1", "2", "3", "4", "5", "6"]
    assert "11505" in numbers_in(parts["4"]) and "11505" not in numbers_in(parts["2"])


@pytest.mark.parametrize("path", sourced_paths(), ids=lambda p: p.stem)
def test_every_number_in_a_note_occurs_in_its_cited_source(path: Path, corpus_dir: Path):
    note = load_note(path)
    source_file = corpus_dir / note.meta["source_file"]
    assert source_file.is_file(), f"{path.name}: source_file {note.meta['source_file']} not in corpus"
    source_text = source_file.read_text(encoding="utf-8")
    allowed = numbers_in(cited_text(note, source_text))
    stray = sorted(numbers_in(note.body) - allowed)
    assert stray == [], f"{path.name}: numbers not in the cited source ({note.meta['source']}): {stray}"


def test_strategy_notes_cite_a_chapter(corpus_dir: Path):
    for path in sourced_paths():
        note = load_note(path)
        if note.meta["source_file"] == "miyagi_export_strategy_2025.txt":
            assert re.search(r"第\d章", unicodedata.normalize("NFKC", note.meta["source"])), path.name


def test_copycheck_reports_nothing_for_knowledge(corpus_dir: Path):
    tool = corpus_dir.parent / "tools" / "copycheck.py"
    if not tool.is_file():
        pytest.skip(f"copycheck tool not found at {tool}")
    out = subprocess.run([sys.executable, str(tool), str(REPO)], capture_output=True, text=True, check=True).stdout
    ours = [line for line in out.splitlines() if line.startswith(("knowledge/", "tests/knowledge/"))]
    assert ours == [], "\n".join(ours)
