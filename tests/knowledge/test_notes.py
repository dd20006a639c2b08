"""Structure of the bundled knowledge base: front matter, vocabulary, ids and coverage."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from ingest.models import AUDIENCES

from .conftest import KNOWLEDGE, REPO, Note, load_note, note_paths

REQUIRED = ("title", "source", "as_of", "scope", "audience", "kind", "products", "countries")
NOTE_KINDS = ("strategy", "regulation", "procedure", "case", "support", "contact")
KEY_PRODUCTS = ("水産物", "米", "牛肉", "いちご", "日本酒", "さつまいも")
SUBFOLDERS = ("strategy", "products", "rules", "cases", "procedures", "contacts", "internal")
STEM = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
AS_OF = re.compile(r"^\d{4}-\d{2}(?:-\d{2})?$")
# Internal handling rules that only internal notes state: if one of these ever appears in a public
# note, audience filtering would have nothing to protect, and leak tests would prove nothing.
INTERNAL_ONLY_PHRASES = (
    "回答前に必ず2名で確認する",
    "受付から3営業日以内に一次回答",
    "相談記録票",
    "個社名を含む事例は本人の同意を得てから紹介する",
)


def vocabulary() -> dict:
    return yaml.safe_load((REPO / "ingest" / "data" / "vocabulary.yaml").read_text(encoding="utf-8"))


def test_there_are_enough_notes(notes: list[Note]):
    assert len(notes) >= 50


@pytest.mark.parametrize("path", note_paths(), ids=lambda p: p.stem)
def test_note_front_matter_is_complete_and_valid(path: Path):
    note = load_note(path)
    missing = [f for f in REQUIRED if f not in note.meta]
    assert not missing, f"{path.name}: missing {missing}"
    assert isinstance(note.meta["title"], str) and note.meta["title"].strip()
    assert isinstance(note.meta["source"], str) and note.meta["source"].strip()
    assert note.meta["audience"] in AUDIENCES
    assert note.meta["kind"] in NOTE_KINDS
    as_of = note.meta["as_of"]
    # The Gunma article has no date: as_of stays empty and the body says so.
    if as_of is None:
        assert "不明" in note.body, f"{path.name}: as_of is empty but the body does not say the date is unknown"
    else:
        assert AS_OF.match(str(as_of)), f"{path.name}: as_of {as_of!r}"
    assert isinstance(note.meta["products"], list) and isinstance(note.meta["countries"], list)
    if "source_file" in note.meta:
        assert (note.meta["source_file"] in ("miyagi_export_strategy_2025.txt", "gunma_ppp_case.txt"))
    if "source_url" in note.meta:
        assert str(note.meta["source_url"]).startswith("https://")
    assert isinstance(note.meta["scope"], str) and note.meta["scope"].strip()
    if "review_by" in note.meta:
        review_by = str(note.meta["review_by"])
        assert AS_OF.match(review_by), f"{path.name}: review_by {review_by!r}"
        assert as_of is None or review_by > str(as_of), f"{path.name}: review_by {review_by} is not after as_of {as_of}"


@pytest.mark.parametrize("path", note_paths(), ids=lambda p: p.stem)
def test_note_body_has_headed_sections(path: Path):
    note = load_note(path)
    headings = re.findall(r"^##+ (.+)$", note.body, flags=re.M)
    assert headings, f"{path.name}: no ## headings"
    assert len(note.body.strip()) > 150


@pytest.mark.parametrize("path", note_paths(), ids=lambda p: p.stem)
def test_products_and_countries_are_canonical(path: Path):
    note = load_note(path)
    vocab = vocabulary()
    assert set(note.meta["products"]) <= set(vocab["products"]), note.meta["products"]
    assert set(note.meta["countries"]) <= set(vocab["countries"]), note.meta["countries"]


def test_doc_ids_are_unique_kebab_case_and_foldered(notes: list[Note]):
    counts = Counter(n.doc_id for n in notes)
    assert [s for s, c in counts.items() if c > 1] == []
    for note in notes:
        assert STEM.match(note.doc_id), note.doc_id
        assert note.path.parent.parent == KNOWLEDGE and note.path.parent.name in SUBFOLDERS, note.path


@pytest.mark.parametrize("product", KEY_PRODUCTS)
def test_every_key_product_has_a_strategy_note_and_a_rules_note(notes: list[Note], product: str):
    def has(folder: str, kind: str) -> bool:
        return any(n.path.parent.name == folder and n.meta["kind"] == kind and product in n.meta["products"]
                   for n in notes)

    assert has("products", "strategy"), f"no strategy note for {product}"
    assert has("rules", "regulation"), f"no rules note for {product}"


def test_rules_notes_say_where_to_confirm(notes: list[Note]):
    for note in (n for n in notes if n.path.parent.name == "rules"):
        assert re.search(r"^## 確認先", note.body, flags=re.M), note.doc_id
        assert "戦略" in note.body, f"{note.doc_id}: must say which facts come from the strategy"


def test_consultation_desk_note_exists(notes: list[Note]):
    by_id = {n.doc_id: n for n in notes}
    note = by_id["contact-export-consultation"]
    assert note.path == KNOWLEDGE / "contacts" / "contact-export-consultation.md"
    assert note.meta["kind"] == "contact" and note.meta["audience"] == "public"
    for name in ("国際ビジネス推進コーディネーター", "国際ビジネス推進室", "宮城県食品輸出促進協議会", "ジェトロ"):
        assert name in note.body
    # The corpus gives no phone numbers, so the note must not carry any.
    assert not re.search(r"\d{2,4}-\d{2,4}-\d{3,4}", note.body)


def test_internal_notes_exist_and_hold_internal_only_facts(notes: list[Note]):
    internal = [n for n in notes if n.meta["audience"] == "internal"]
    public = [n for n in notes if n.meta["audience"] == "public"]
    assert len(internal) >= 2
    assert all(n.path.parent.name == "internal" for n in internal)
    assert all(n.path.parent.name != "internal" for n in public)
    for phrase in INTERNAL_ONLY_PHRASES:
        assert any(phrase in n.body for n in internal), f"no internal note states {phrase!r}"
        leaks = [n.doc_id for n in public if phrase in n.body or phrase in n.meta["title"]]
        assert leaks == [], f"{phrase!r} leaks into public notes {leaks}"


def test_every_case_card_has_the_three_sections(notes: list[Note]):
    cases = [n for n in notes if n.meta["kind"] == "case"]
    assert len(cases) >= 20
    for note in cases:
        for heading in ("## 概要", "## 取組内容", "## 成果"):
            assert re.search(rf"^{heading}\s*$", note.body, flags=re.M), f"{note.doc_id}: {heading}"


def test_readme_explains_the_fields():
    # each field has its own row in the front-matter table, not merely a mention somewhere in the prose
    rows = [line for line in (KNOWLEDGE / "README.md").read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    for field in REQUIRED + ("source_file", "source_url"):
        row = next((r for r in rows if r.startswith(f"| `{field}` |")), None)
        assert row is not None, f"knowledge/README.md has no table row for {field}"
        assert len(row.split("|")[-2].strip()) > 10, f"the row for {field} does not explain it"


def test_notes_go_through_the_real_ingest_pipeline():
    """Every note loads and chunks with ingest's own loader; front matter reaches the chunks."""
    from ingest.config import IndexConfig
    from ingest.text.pipeline import chunk_document, discover_files, load_document

    paths = discover_files([KNOWLEDGE])
    assert KNOWLEDGE / "README.md" not in paths
    assert sorted(paths) == note_paths()
    chunks = []
    for path in paths:
        doc = load_document(path, KNOWLEDGE)
        note = load_note(path)
        assert doc.meta.doc_id == path.stem
        assert doc.meta.audience == note.meta["audience"] and doc.meta.kind == note.meta["kind"]
        assert set(note.meta["products"]) <= set(doc.meta.products)
        _, doc_chunks = chunk_document(doc, IndexConfig())
        assert doc_chunks, f"{path.name} makes no chunks"
        # The top heading repeats the title, so ingest drops it: paths start at the ## headings.
        assert all(not c.section_path or c.section_path[0] != note.meta["title"] for c in doc_chunks), path.name
        chunks.extend(doc_chunks)
    for phrase in INTERNAL_ONLY_PHRASES:
        holders = {c.audience for c in chunks if phrase in c.text}
        assert holders == {"internal"}, f"{phrase!r} found in chunks of audience {holders}"
