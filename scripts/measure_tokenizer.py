"""Measures lexical retrieval (BM25 alone) for each Sudachi split mode, with and without character bigrams.

Usage: python scripts/measure_tokenizer.py INDEX_DIR [evals/datasets/dev.jsonl]
A question counts as found at rank r when the r-th chunk holds its evidence and every answer fact
(NFKC, whitespace removed), the same hit rule as the evaluation runner. Tune on dev only.
"""
from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

from ingest.index.generations import read_current
from ingest.index.lexical import LexicalIndex, tokenize
from ingest.index.records import chunk_from_json


def squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def main() -> None:
    index_dir = Path(sys.argv[1])
    dataset = Path(sys.argv[2] if len(sys.argv) > 2 else "evals/datasets/dev.jsonl")
    generation = index_dir / read_current(index_dir)
    chunks = [chunk_from_json(json.loads(line)) for line in open(generation / "chunks.jsonl", encoding="utf-8")]
    bodies = [squash(chunk.text) for chunk in chunks]
    items = []
    for line in open(dataset, encoding="utf-8"):
        item = json.loads(line)
        if not item.get("evidence") or item.get("conversation"):
            continue
        needles = [squash(item["evidence"]), *(squash(fact) for fact in item.get("answer_facts", []))]
        relevant = {i for i, body in enumerate(bodies) if all(needle in body for needle in needles)}
        if relevant:
            items.append((item["question"], relevant))
    print(f"{len(items)} questions with a findable answer chunk, {len(chunks)} chunks")
    print("mode bigrams  recall@5 recall@10   MRR@10")
    for mode in ("A", "B", "C"):
        for bigrams in (False, True):
            index = LexicalIndex.build([str(i) for i in range(len(chunks))],
                                       [tokenize(chunk.indexed_text, mode, bigrams) for chunk in chunks])
            at5 = at10 = rr = 0.0
            for question, relevant in items:
                ranked = [int(cid) for cid, _ in index.search(tokenize(question, mode, bigrams), 10)]
                ranks = [rank for rank, i in enumerate(ranked, 1) if i in relevant]
                if ranks:
                    at5 += ranks[0] <= 5
                    at10 += 1
                    rr += 1 / ranks[0]
            n = len(items)
            print(f"   {mode} {str(bigrams):7} {at5 / n:9.3f} {at10 / n:9.3f} {rr / n:8.3f}")


if __name__ == "__main__":
    main()
