"""95% bootstrap intervals for a results file: all facts, fact recall, median characters, latency p95, by part, kind and English.

Usage: python -m evals.intervals --dataset evals/datasets/test.jsonl --results var/eval/test-results.jsonl [--label assistant]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import statistics
from collections.abc import Callable
from pathlib import Path

from evals.metrics import score_item
from evals.runner import load_dataset

RESAMPLES = 1000
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def bootstrap(values: list[float], stat: Callable[[list[float]], float], seed: int = 12) -> tuple[float, float, float]:
    """The statistic and its 95% percentile-bootstrap interval (seeded, so reruns print the same figures)."""
    rng = random.Random(seed)
    point = stat(values)
    draws = sorted(stat([rng.choice(values) for _ in values]) for _ in range(RESAMPLES))
    return point, draws[int(0.025 * RESAMPLES)], draws[int(0.975 * RESAMPLES) - 1]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]



def _id_prefix(prefix: str) -> Callable[[dict], bool]:
    return lambda item: str(item["id"]).startswith(prefix + "-")


def _of_kind(kind: str) -> Callable[[dict], bool]:
    return lambda item: item["kind"] == kind


def groups(items: dict[str, dict]) -> dict[str, Callable[[dict], bool]]:
    kinds = sorted({i["kind"] for i in items.values()})
    out: dict[str, Callable[[dict], bool]] = {"all": lambda i: True}
    prefixes = sorted({i["id"].split("-")[0] for i in items.values()})
    if len(prefixes) > 1:
        for p in prefixes:
            out[f"ids {p}-"] = _id_prefix(p)
    out["English"] = lambda i: not _JAPANESE.search(i["question"])
    for k in kinds:
        out[f"kind {k}"] = _of_kind(k)
    return out


def table(items: dict[str, dict], rows: list[dict]) -> list[dict]:
    scores = {r["id"]: score_item(items[r["id"]], r) for r in rows if r["id"] in items}
    out = []
    for name, keep in groups(items).items():
        chosen = [s for i, s in scores.items() if keep(items[i])]
        facts = [s for s in chosen if s["all_facts"] is not None]
        answered = [s for s in chosen if not s["abstained"] and not s["clarified"] and s["answer_chars"]]
        line = {"group": name, "n": len(chosen), "n_facts": len(facts)}
        if facts:
            line["all_facts"] = bootstrap([float(s["all_facts"]) for s in facts], statistics.fmean)
            line["fact_recall"] = bootstrap([s["fact_recall"] for s in facts], statistics.fmean)
        if answered:
            line["median_chars"] = bootstrap([float(s["answer_chars"]) for s in answered], statistics.median)
        if chosen:
            line["latency_p95_ms"] = bootstrap([s["latency_ms"] for s in chosen], _p95)
        cites = [s["citation_ok"] for s in chosen if s["citation_ok"] is not None]
        if cites:
            line["citation_correct"] = statistics.fmean(cites)
        out.append(line)
    return out


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, tuple):
        point, low, high = v
        return f"{point:.2f} [{low:.2f}, {high:.2f}]" if point <= 1.0 else f"{point:.0f} [{low:.0f}, {high:.0f}]"
    return f"{v:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.intervals", description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--label", default="assistant")
    args = parser.parse_args(argv)
    items = {i["id"]: i for i in load_dataset(args.dataset)}
    rows = [json.loads(line) for line in args.results.read_text(encoding="utf-8").splitlines() if line.strip()]
    cols = ["all_facts", "fact_recall", "median_chars", "latency_p95_ms", "citation_correct"]
    print(f"| {args.label} {args.dataset.name} | n (with facts) | " + " | ".join(cols) + " |")
    print("|---|---|" + "---|" * len(cols))
    for line in table(items, rows):
        print(f"| {line['group']} | {line['n']} ({line['n_facts']}) | " + " | ".join(_fmt(line.get(c)) for c in cols) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
