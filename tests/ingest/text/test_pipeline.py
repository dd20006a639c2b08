"""The text half's public API: discover_files, load_document, chunk_document on real files."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ingest.config import IndexConfig
from ingest.errors import IngestError
from ingest.models import SECTION_SEPARATOR
from ingest.text.pipeline import chunk_document, discover_files, doc_id_for, load_document, slugify

DOCS = Path(__file__).resolve().parents[2] / "fixtures" / "docs"
CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"


@pytest.fixture()
def knowledge(tmp_path: Path) -> Path:
    """A small knowledge folder with sub-folders, a sidecar, hidden files and a README."""
    root = tmp_path / "knowledge"
    (root / "rules").mkdir(parents=True)
    (root / ".drafts").mkdir()
    shutil.copy(DOCS / "oyster_note.md", root / "rules" / "oyster_note.md")
    shutil.copy(DOCS / "sweetpotato_report.txt", root / "sweetpotato_report.txt")
    shutil.copy(DOCS / "sweetpotato_report.txt.meta.yaml", root / "sweetpotato_report.txt.meta.yaml")
    shutil.copy(DOCS / "rice_page.html", root / "rice_page.html")
    (root / "README.md").write_text("# このフォルダについて\n", encoding="utf-8")
    (root / ".hidden.md").write_text("# 隠し\n本文。\n", encoding="utf-8")
    (root / ".drafts" / "draft.md").write_text("# 下書き\n本文。\n", encoding="utf-8")
    (root / "table.xlsx").write_bytes(b"PK")
    return root


def test_discover_files_recurses_sorted_and_skips_non_knowledge(knowledge: Path):
    found = discover_files([knowledge])
    assert [p.relative_to(knowledge).as_posix() for p in found] == [
        "rice_page.html",
        "rules/oyster_note.md",
        "sweetpotato_report.txt",
    ]
    # an explicit file is always returned, so an unsupported one gets reported by the caller
    assert discover_files([knowledge / "table.xlsx", knowledge]) == sorted(
        [*found, knowledge / "table.xlsx"], key=lambda p: p.as_posix()
    )
    assert discover_files([knowledge, knowledge / "rice_page.html"]) == found


def test_markdown_document_takes_its_metadata_from_front_matter(knowledge: Path):
    doc = load_document(knowledge / "rules" / "oyster_note.md", knowledge)
    meta = doc.meta
    assert meta.doc_id == "oyster_note"  # the stem: folders do not enter the id
    assert meta.title == "生食用カキの輸出メモ"
    assert meta.source_file == "rules/oyster_note.md"
    assert meta.source_url == "https://example.org/oyster-note"
    assert meta.as_of == "2025-04-01"  # YAML parsed a date: stored as an ISO string
    assert (meta.audience, meta.kind) == ("internal", "procedure")
    assert meta.products == ("水産物",)
    assert meta.countries == ("香港", "シンガポール")
    assert doc.text.startswith("# 生食用カキの輸出")


def test_text_document_takes_its_metadata_from_the_sidecar(knowledge: Path):
    doc = load_document(knowledge / "sweetpotato_report.txt", knowledge)
    assert doc.meta.doc_id == "sweetpotato_report"
    assert doc.meta.title == "さつまいも船便輸出の試験報告(架空)"
    assert (doc.meta.kind, doc.meta.audience, doc.meta.as_of) == ("case", "public", "2024-11")
    assert doc.meta.publisher == "試験用の架空組織"
    # normalized: wrapped sentence rejoined, page number / figure / placeholder gone
    assert "収穫したさつまいもを船便で香港へ送った試験の結果を記録したものです。" in doc.text
    assert "- 3 -" not in doc.text and "図1" not in doc.text and "最終案" not in doc.text


def test_editing_the_sidecar_changes_the_content_hash(knowledge: Path):
    path = knowledge / "sweetpotato_report.txt"
    before = load_document(path, knowledge).content_hash
    assert load_document(path, knowledge).content_hash == before
    sidecar = knowledge / "sweetpotato_report.txt.meta.yaml"
    sidecar.write_text(sidecar.read_text(encoding="utf-8").replace("public", "internal"), encoding="utf-8")
    after = load_document(path, knowledge)
    assert after.content_hash != before
    assert after.meta.audience == "internal"


def test_defaults_without_front_matter_or_sidecar(tmp_path: Path):
    path = tmp_path / "メモ 2025.txt"
    path.write_text("輸出の手引き\n\n牛肉を台湾へ送るときの注意点をまとめます。\n", encoding="utf-8")
    doc = load_document(path)
    assert doc.meta.title == "輸出の手引き"
    assert doc.meta.doc_id == "メモ-2025"
    assert (doc.meta.audience, doc.meta.kind, doc.meta.as_of) == ("public", "reference", None)
    assert doc.meta.source == doc.meta.title


def test_html_title_comes_from_the_title_tag(knowledge: Path):
    doc = load_document(knowledge / "rice_page.html", knowledge)
    assert doc.meta.title == "米の輸出案内(試験用)"
    assert doc.meta.source_file == "rice_page.html"


@pytest.mark.parametrize(
    ("front_matter", "message"),
    [("audience: secret", "audience の値「secret」"), ("kind: rumour", "kind の値「rumour」")],
)
def test_bad_audience_or_kind_is_a_clear_error(tmp_path: Path, front_matter: str, message: str):
    path = tmp_path / "bad.md"
    path.write_text(f"---\n{front_matter}\n---\n# 見出し\n本文です。\n", encoding="utf-8")
    with pytest.raises(IngestError) as info:
        load_document(path)
    assert message in str(info.value)
    assert info.value.path == str(path)


def test_a_sidecar_is_never_a_document(knowledge: Path):
    with pytest.raises(IngestError):
        load_document(knowledge / "sweetpotato_report.txt.meta.yaml")


def test_broken_sidecar_is_reported_on_the_document(tmp_path: Path):
    path = tmp_path / "note.txt"
    path.write_text("本文です。\n", encoding="utf-8")
    (tmp_path / "note.txt.meta.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(IngestError) as info:
        load_document(path)
    assert "note.txt.meta.yaml" in str(info.value)


def test_slugify_keeps_japanese_and_makes_paths_safe():
    assert slugify("miyagi_export_strategy_2025") == "miyagi_export_strategy_2025"
    assert slugify("和牛 輸出/メモ") == "和牛-輸出-メモ"
    assert slugify("Ｒｅｐｏｒｔ （案）") == "Report-案"
    assert doc_id_for(Path("/k/rules/a b.md"), Path("/k")) == "a-b"


def test_chunk_document_carries_metadata_paths_and_tags(knowledge: Path):
    doc = load_document(knowledge / "rules" / "oyster_note.md", knowledge)
    sections, chunks = chunk_document(doc, IndexConfig())
    assert [s.path for s in sections] == [
        ("生食用カキの輸出",),
        ("生食用カキの輸出", "衛生証明"),
        ("生食用カキの輸出", "物流"),
    ]
    assert [c.section_path for c in chunks] == [s.path for s in sections]
    assert [c.ordinal for c in chunks] == [0, 1, 2]
    logistics = chunks[2]
    assert logistics.doc_id == "oyster_note"
    assert logistics.audience == "internal" and logistics.as_of == "2025-04-01"
    assert logistics.indexed_text.startswith("生食用カキの輸出メモ > 生食用カキの輸出 > 物流\n")
    # document products/countries, plus what the text mentions; タイミング is not タイ
    assert logistics.products == ("水産物",)
    assert logistics.countries == ("香港", "シンガポール")
    assert "タイ" not in logistics.countries


def test_chunk_ids_are_stable_across_runs_and_unique(knowledge: Path):
    path = knowledge / "rules" / "oyster_note.md"
    first = [c.chunk_id for c in chunk_document(load_document(path, knowledge), IndexConfig())[1]]
    second = [c.chunk_id for c in chunk_document(load_document(path, knowledge), IndexConfig())[1]]
    assert first == second
    assert len(set(first)) == len(first)
    assert all(re.fullmatch(r"oyster_note-[0-9a-f]{12}", i) for i in first)


def test_every_fixture_format_loads_and_chunks():
    for name in ("oyster_note.md", "sweetpotato_report.txt", "rice_page.html", "sake_memo.docx", "japanese.pdf"):
        doc = load_document(DOCS / name, DOCS)
        _, chunks = chunk_document(doc, IndexConfig())
        assert chunks, name
        assert all(c.text.strip() for c in chunks), name


def test_the_real_strategy_chunks_within_size_with_product_tags():
    path = CORPUS / "miyagi_export_strategy_2025.txt"
    if not path.is_file():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    doc = load_document(path, CORPUS)
    assert (doc.meta.title, doc.meta.kind, doc.meta.as_of) == (
        "宮城県農林水産物・食品輸出促進戦略(2025年度版・案)", "strategy", "2024-08")
    config = IndexConfig()
    sections, chunks = chunk_document(doc, config)
    assert len(chunks) > 50
    assert all(len(c.text) <= config.chunk_chars for c in chunks)
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    beef = [c for c in chunks if c.section.startswith(SECTION_SEPARATOR.join(("第4章 輸出基幹品目", "(3) 牛肉")))]
    assert beef and all("牛肉" in c.products for c in beef)
    smaller = chunk_document(doc, IndexConfig(chunk_chars=200))[1]
    assert len(smaller) > len(chunks)
    assert all(len(c.text) <= 200 for c in smaller)


def test_a_top_heading_that_repeats_the_title_is_not_repeated_in_paths(tmp_path: Path):
    path = tmp_path / "rice-taiwan.md"
    path.write_text(
        "---\ntitle: 米の台湾向け輸出\n---\n# 米の台湾向け輸出\n\n概要の文です。\n\n## 手続き\n\n届出をします。\n",
        encoding="utf-8",
    )
    sections, chunks = chunk_document(load_document(path), IndexConfig())
    assert [(s.path, s.anchor) for s in sections] == [((), "s-1"), (("手続き",), "s-1-1")]
    assert chunks[1].indexed_text == "米の台湾向け輸出 > 手続き\n届出をします。"
