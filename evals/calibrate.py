"""Chooses the abstention thresholds on the dev split: grid search over the features the chain logs."""
from __future__ import annotations

import itertools
from pathlib import Path

from ingest import read_jsonl


def load(results: Path, dataset: Path) -> list[tuple[bool, dict]]:
    kinds = {item["id"]: item["kind"] == "unanswerable" for item in read_jsonl(dataset)}
    rows = []
    for row in read_jsonl(results):
        if row.get("features"):
            rows.append((kinds[row["id"]], row["features"]))
    return rows


def evaluate(rows, max_unknown, min_cov, min_dense, min_ev):
    tp = fp = fn = 0
    answerable = 0
    for unanswerable, f in rows:
        abstain = f.get("type_missing", 0) > 0 or f["unknown"] > max_unknown or f["coverage"] < min_cov or f["dense"] < min_dense or f["evidence"] < min_ev
        answerable += not unanswerable
        tp += abstain and unanswerable
        fp += abstain and not unanswerable
        fn += (not abstain) and unanswerable
    recall = tp / (tp + fn) if tp + fn else 0.0
    false_rate = fp / answerable if answerable else 0.0
    return recall, false_rate


def search(rows, max_false: float = 0.06):
    best = None
    grid = itertools.product([0, 1], [0.0, 0.3, 0.4, 0.5], [0.0, 0.83, 0.85, 0.86, 0.87],
                             [0.0, 0.15, 0.2, 0.25, 0.3])
    for combo in grid:
        recall, false_rate = evaluate(rows, *combo)
        if false_rate <= max_false:
            key = (recall, -false_rate)
            if best is None or key > best[0]:
                best = (key, combo)
    return best


if __name__ == "__main__":
    import sys

    rows = load(Path(sys.argv[1]), Path(sys.argv[2]))
    best = search(rows, float(sys.argv[3]) if len(sys.argv) > 3 else 0.06)
    print(f"items with features: {len(rows)}")
    if best:
        (recall, neg_false), (u, c, d, e) = best
        print(f"max_unknown_nouns={u} min_coverage={c} min_dense={d} min_evidence={e}: "
              f"abstention recall {recall:.3f}, false abstention {-neg_false:.3f}")
