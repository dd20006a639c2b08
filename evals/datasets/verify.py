"""Check the evaluation datasets (schema, kinds, facts found in the corpus, coverage) and print counts.

Usage: python -m evals.datasets.verify [--datasets DIR] [--corpus DIR] [--chunks] [--knowledge DIR]
Exits 1 when any item breaks the schema or names a fact, evidence or heading the source does not hold.
"""
from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from ingest import JsonlError, read_jsonl

DATASETS_DIR = Path(__file__).resolve().parent
# The corpus is shared read-only material beside the repository, not part of it.
# A git worktree sits one level deeper (…/wt/<name>/), so the shared folder is looked for beside either.
_SHARED_CANDIDATES = [Path(__file__).resolve().parents[n] / "shared" for n in (3, 4)]
SHARED_DIR = next((p for p in _SHARED_CANDIDATES if p.is_dir()), _SHARED_CANDIDATES[0])
DEFAULT_CORPUS = SHARED_DIR / "corpus"
VOCABULARY = Path(__file__).resolve().parents[2] / "ingest" / "data" / "vocabulary.yaml"

SPLITS = ("dev", "test")
KINDS = ("fact", "procedure", "support", "case", "regulation", "multi", "unanswerable", "followup")
KEY_PRODUCTS = ("水産物", "米", "牛肉", "いちご", "日本酒", "さつまいも")
REQUIRED_KEYS = {"id", "question", "answer_facts", "source", "evidence", "kind"}
OPTIONAL_KEYS = {"conversation", "expect", "turn_kind"}
# In the conversation set a question follows earlier turns: a true follow-up (kind followup, or an unanswerable
# follow-up) or a topic switch (any answerable kind: a self-contained question that must be answered as asked).
TURN_KINDS = ("followup", "switch")
EVIDENCE_MAX_CHARS = 25
HEADING_SEPARATOR = " > "
# How far (in squashed characters) below its heading a section's facts may sit. Sections of the
# strategy are a few hundred to ~2,500 characters; this catches a source that names the wrong section.
SECTION_WINDOW = 3000
# Blind batches written for one issue carry the prefix (b12-001) and may sit in either split.
ID_PATTERN = re.compile(r"^(dev|test)-\d{3}$")
BATCH_ID_PATTERN = re.compile(r"^b\d{2}-\d{3}$")
CIRCLED = re.compile(r"[\u2460-\u2473]")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def squash(text: str) -> str:
    """NFKC with all whitespace removed: the form in which facts and evidence are compared."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class SourceFile:
    """A corpus file in the squashed form, plus its lines squashed one by one (to spot facts split by a break)."""

    name: str
    text: str
    lines: tuple[str, ...]

    def section_start(self, headings: list[str]) -> int:
        """Position just after the last heading when the headings are found in order; -1 if one is missing."""
        pos = 0
        for heading in headings:
            found = self.text.find(squash(heading), pos)
            if found < 0:
                return -1
            pos = found + len(squash(heading))
        return pos

    def within_one_line(self, needle: str) -> bool:
        return any(needle in line for line in self.lines)


@dataclass(frozen=True)
class Item:
    split: str
    line: int
    data: dict

    @property
    def where(self) -> str:
        return f"{self.split}:{self.line} {self.data.get('id', '?')}"


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    def counts(self) -> Counter:
        return Counter((item.split, item.data.get("kind")) for item in self.items)

    def products(self, split: str | None = None) -> Counter:
        return Counter(
            product
            for item in self.items
            if split is None or item.split == split
            for product in item_products(item.data)
        )

    def english_share(self) -> float:
        if not self.items:
            return 0.0
        english = sum(1 for item in self.items if not JAPANESE.search(item.data.get("question", "")))
        return english / len(self.items)


def load_corpus(corpus_dir: Path) -> dict[str, SourceFile]:
    files = {}
    for path in sorted(corpus_dir.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        files[path.name] = SourceFile(path.name, squash(raw), tuple(squash(line) for line in raw.splitlines()))
    return files


def load_items(path: Path, split: str) -> tuple[list[Item], list[str]]:
    try:
        records = read_jsonl(path)
    except JsonlError as error:  # the first unreadable line is reported; the split is not checked further
        return [], [f"{split}:{error.line} {error.reason}"]
    # record numbers are line numbers when the file has no blank lines, as the datasets do not
    return [Item(split, number, data) for number, data in enumerate(records, start=1)], []


@cache
def product_forms() -> dict[str, tuple[str, ...]]:
    """Surface forms of the key products, from the vocabulary ingest and bot share."""
    vocabulary = yaml.safe_load(VOCABULARY.read_text(encoding="utf-8"))["products"]
    return {product: tuple(f.lower() for f in vocabulary.get(product, [product])) for product in KEY_PRODUCTS}


# Words that hold a product's form without being about it: 米国 is a country, 農林水産物 is all food.
_NOT_A_PRODUCT = re.compile(r"米国|北米|南米|欧米|米ドル|農林水産物")
# Section paths of the product chapter, e.g. "第4章 輸出基幹品目 > (3) 牛肉 > ..."
_PRODUCT_CHAPTER = re.compile(r"輸出基幹品目 > \(\d\) ([^ >]+)")


def item_products(data: dict) -> set[str]:
    """Key products an item is about: its product chapter heading, its question and its conversation."""
    texts = [str(data.get("question", ""))]
    conversation = data.get("conversation")
    if isinstance(conversation, list):
        texts += [str(turn.get("text", "")) for turn in conversation if isinstance(turn, dict)]
    text = _NOT_A_PRODUCT.sub("", unicodedata.normalize("NFKC", " ".join(texts)).lower())
    products = {product for product, forms in product_forms().items() if any(form in text for form in forms)}
    chapter = _PRODUCT_CHAPTER.search(str(data.get("source", "")))
    if chapter and chapter.group(1) in KEY_PRODUCTS:
        products.add(chapter.group(1))
    return products


def check_item(item: Item, corpus: dict[str, SourceFile]) -> tuple[list[str], list[str]]:
    data, where = item.data, item.where
    problems: list[str] = []
    warnings: list[str] = []
    keys = set(data)
    if missing := REQUIRED_KEYS - keys:
        problems.append(f"{where}: missing keys {sorted(missing)}")
        return problems, warnings
    if unknown := keys - REQUIRED_KEYS - OPTIONAL_KEYS:
        problems.append(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("id", "question", "source", "evidence", "kind"):
        if not isinstance(data[key], str):
            problems.append(f"{where}: {key} must be a string")
    facts = data["answer_facts"]
    if not isinstance(facts, list) or not all(isinstance(f, str) and f.strip() for f in facts):
        problems.append(f"{where}: answer_facts must be a list of non-empty strings")
        facts = []
    if problems:
        return problems, warnings

    kind, source, evidence = data["kind"], data["source"], data["evidence"]
    batch = bool(BATCH_ID_PATTERN.match(data["id"]))
    if not batch and (not ID_PATTERN.match(data["id"]) or not data["id"].startswith(item.split + "-")):
        problems.append(f"{where}: id must look like {item.split}-001 (or a blind batch id such as b11-001)")
    if not data["question"].strip():
        problems.append(f"{where}: empty question")
    if kind not in KINDS:
        problems.append(f"{where}: unknown kind {kind!r}")
    if len(evidence) > EVIDENCE_MAX_CHARS:
        problems.append(f"{where}: evidence has {len(evidence)} characters (max {EVIDENCE_MAX_CHARS})")

    clarify = "expect" in data
    if clarify and (data["expect"] != "clarify" or kind != "regulation" or facts):
        problems.append(f"{where}: expect must be 'clarify', on a regulation item with no answer_facts")
    if kind == "unanswerable":
        if facts or source or evidence:
            problems.append(f"{where}: unanswerable items have empty answer_facts, source and evidence")
    elif not clarify and not facts:
        problems.append(f"{where}: answerable item without answer_facts")

    conversation = data.get("conversation")
    turn_kind = data.get("turn_kind")
    if turn_kind is not None and turn_kind not in TURN_KINDS:
        problems.append(f"{where}: turn_kind must be one of {TURN_KINDS}")
    if kind == "followup" and turn_kind == "switch":
        problems.append(f"{where}: a followup item cannot be a topic switch")
    if turn_kind == "switch" and kind == "unanswerable":
        problems.append(f"{where}: a topic switch asks an answerable question")
    if kind == "followup" or turn_kind is not None:
        problems += _check_conversation(where, conversation)
    elif conversation is not None:
        problems.append(f"{where}: only followup items and items with a turn_kind carry a conversation")

    if kind != "unanswerable":
        found, more = _check_source(where, kind, source, evidence, facts, corpus)
        problems += found
        warnings += more
    return problems, warnings


def _check_conversation(where: str, conversation: object) -> list[str]:
    if not isinstance(conversation, list) or not conversation:
        return [f"{where}: followup needs a non-empty conversation"]
    problems = []
    for index, turn in enumerate(conversation):
        if not isinstance(turn, dict) or set(turn) != {"role", "text"} or not str(turn.get("text", "")).strip():
            problems.append(f"{where}: conversation turn {index} must be {{role, text}} with text")
            continue
        # Earlier turns alternate, oldest first, starting with the user and ending with the assistant,
        # so that the item's question is the user's next turn.
        expected = "user" if index % 2 == 0 else "assistant"
        if turn["role"] != expected:
            problems.append(f"{where}: conversation turn {index} should be {expected}")
    if conversation and isinstance(conversation[-1], dict) and conversation[-1].get("role") != "assistant":
        problems.append(f"{where}: conversation must end with the assistant's turn")
    return problems


def _check_source(
    where: str, kind: str, source: str, evidence: str, facts: list[str], corpus: dict[str, SourceFile]
) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    warnings: list[str] = []
    name, sep, path = source.partition(": ")
    if not sep or not path.strip():
        return [f"{where}: source must be 'file: section path'"], warnings
    if name not in corpus:
        return [f"{where}: source file {name!r} is not in the corpus"], warnings
    doc = corpus[name]
    headings = path.split(HEADING_SEPARATOR)
    if not _is_nfkc_apart_from_circled_numbers(path):
        problems.append(f"{where}: section path is not NFKC-normalized")
    start = doc.section_start(headings)
    if start < 0:
        problems.append(f"{where}: section path {path!r} not found in order in {name}")
    if not evidence:
        problems.append(f"{where}: evidence is empty")
    for label, needle in [("evidence", evidence)] + [("fact", f) for f in facts]:
        if not needle:
            continue
        squashed = squash(needle)
        if squashed not in doc.text:
            problems.append(f"{where}: {label} {needle!r} not in {name}")
            continue
        near = start >= 0 and squashed in doc.text[start:start + SECTION_WINDOW]
        # Multi items gather facts from several places; their source names the first of them.
        if start >= 0 and not near and (label == "evidence" or kind != "multi"):
            problems.append(f"{where}: {label} {needle!r} is not under the section {path!r}")
        if not doc.within_one_line(squashed):
            warnings.append(f"{where}: {label} {needle!r} spans a line break of the source")
    return problems, warnings


def _is_nfkc_apart_from_circled_numbers(path: str) -> bool:
    # The schema's section paths keep the document's circled numbers (① これまでの取組) while
    # everything else is NFKC; comparisons squash both sides, so ① and 1 still match.
    rest = CIRCLED.sub("", path)
    return rest == unicodedata.normalize("NFKC", rest)


def verify(datasets_dir: Path = DATASETS_DIR, corpus_dir: Path = DEFAULT_CORPUS) -> Report:
    report = Report()
    corpus = load_corpus(corpus_dir)
    if not corpus:
        report.problems.append(f"no corpus files in {corpus_dir}")
    for split in SPLITS:
        path = datasets_dir / f"{split}.jsonl"
        if not path.exists():
            report.problems.append(f"{path} is missing")
            continue
        items, problems = load_items(path, split)
        report.items += items
        report.problems += problems
    seen: Counter = Counter(item.data.get("id") for item in report.items)
    report.problems += [f"duplicate id {item_id}" for item_id, n in seen.items() if n > 1]
    for item in report.items:
        problems, warnings = check_item(item, corpus)
        report.problems += problems
        report.warnings += warnings
    report.problems += _coverage_problems(report)
    return report


def ungradable_items(report: Report, corpus_dir: Path = DEFAULT_CORPUS) -> list[str]:
    """Items no chunk of the real ingest pipeline could ever score as a hit.

    The runner counts a retrieval hit when one retrieved chunk holds the item's evidence and facts,
    so an evidence string that ends up in a heading (not in chunk text), or facts split across two
    chunks, would make an item fail whatever the retriever does. Multi items gather facts from
    several chunks: each of their facts, and their evidence, must sit in some chunk.
    """
    from ingest import IndexConfig  # the real chunker, so the check follows its changes
    from ingest import chunk_document, load_document

    config = IndexConfig()
    texts: dict[str, list[str]] = {}
    for path in sorted(corpus_dir.glob("*.txt")):
        _, chunks = chunk_document(load_document(path, corpus_dir), config)
        texts[path.name] = [squash(chunk.text) for chunk in chunks]
    problems = []
    for item in report.items:
        data = item.data
        name = str(data.get("source", "")).partition(": ")[0]
        facts, evidence = data.get("answer_facts"), data.get("evidence")
        # unanswerable and malformed items are verify()'s business, not this check's
        if data.get("kind") == "unanswerable" or name not in texts or not isinstance(evidence, str):
            continue
        if not isinstance(facts, list) or not all(isinstance(f, str) for f in facts):
            continue
        needles = [squash(evidence)] + [squash(f) for f in facts]
        chunks = texts[name]
        if data["kind"] == "multi":
            missing = [n for n in needles if not any(n in chunk for chunk in chunks)]
            if missing:
                problems.append(f"{item.where}: {missing} in no chunk of {name}")
        elif not any(all(n in chunk for n in needles) for chunk in chunks):
            problems.append(f"{item.where}: no single chunk of {name} holds the evidence and all facts")
    return problems


def facts_missing_from_notes(report: Report, knowledge_dir: Path) -> list[str]:
    """Warnings for facts the knowledge/ notes never state in the same words.

    The notes restate the corpus in their own words and sit in the same index, so an answer built
    from a note must carry the fact too: 全国第2位 in the strategy is 全国2位 in a note, and only "2位"
    matches both.
    """
    notes = squash("\n".join(p.read_text(encoding="utf-8") for p in sorted(knowledge_dir.rglob("*.md")))).lower()
    return [
        f"{item.where}: fact {fact!r} is in no knowledge/ note"
        for item in report.items
        if isinstance(item.data.get("answer_facts"), list)
        for fact in item.data["answer_facts"]
        if isinstance(fact, str) and squash(fact).lower() not in notes
    ]


def _coverage_problems(report: Report) -> list[str]:
    problems = []
    counts = report.counts()
    for split in SPLITS:
        for kind in KINDS:
            if not counts[(split, kind)]:
                problems.append(f"{split}: no item of kind {kind}")
        products = report.products(split)
        for product in KEY_PRODUCTS:
            if not products[product]:
                problems.append(f"{split}: no item about {product}")
    return problems


def print_report(report: Report) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    counts = report.counts()
    table = Table(title="evaluation datasets: items per kind and split")
    table.add_column("kind")
    for split in SPLITS:
        table.add_column(split, justify="right")
    table.add_column("total", justify="right")
    for kind in KINDS:
        row = [counts[(split, kind)] for split in SPLITS]
        table.add_row(kind, *map(str, row), str(sum(row)))
    totals = [sum(counts[(split, kind)] for kind in KINDS) for split in SPLITS]
    table.add_row("all", *map(str, totals), str(sum(totals)), style="bold")
    console.print(table)

    products = Table(title="items per key product")
    products.add_column("product")
    for split in SPLITS:
        products.add_column(split, justify="right")
    for product in KEY_PRODUCTS:
        products.add_row(product, *(str(report.products(split)[product]) for split in SPLITS))
    console.print(products)

    clarify = sum(1 for item in report.items if item.data.get("expect") == "clarify")
    total = sum(totals) or 1
    console.print(
        f"split: dev {totals[0] / total:.0%} / test {totals[1] / total:.0%}; "
        f"English questions: {report.english_share():.0%}; clarify items: {clarify}"
    )
    for warning in report.warnings:
        console.print(f"[yellow]warning[/]: {warning}", highlight=False)
    for problem in report.problems:
        console.print(f"[red]problem[/]: {problem}", highlight=False)
    console.print(f"{len(report.problems)} problem(s), {len(report.warnings)} warning(s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.datasets.verify", description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DATASETS_DIR, help="folder holding dev.jsonl and test.jsonl")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of the source .txt files")
    parser.add_argument(
        "--chunks", action="store_true", help="also chunk the corpus with ingest/ and check every item is gradable"
    )
    parser.add_argument(
        "--knowledge", type=Path, help="warn about facts no note in this folder (e.g. knowledge/) states verbatim"
    )
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus folder not found: {args.corpus}", file=sys.stderr)
        return 2
    report = verify(args.datasets, args.corpus)
    if args.chunks:
        report.problems += ungradable_items(report, args.corpus)
    if args.knowledge:
        report.warnings += facts_missing_from_notes(report, args.knowledge)
    print_report(report)
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
