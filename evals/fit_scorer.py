"""Fit the answer-unit scorer on dev: label the candidate units that hold an item's facts, fit logistic regression, report CV ranking accuracy.

Usage: python -m evals.fit_scorer --index var/eval-index [--dataset evals/datasets/dev.jsonl] [--write]
Dev only: the command refuses a dataset file named test*.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from evals.metrics import squash
from evals.runner import conversation_of, load_dataset

DEFAULT_DATASET = Path(__file__).parent / "datasets" / "dev.jsonl"


def candidate_rows(chain, items: list[dict]) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """Per item with facts: (id, feature matrix, labels, hand scores) over the units the selector considers."""
    from bot.followup import conversation_context, resolve_followup
    from bot.query import analyze

    rows = []
    for item in items:
        facts = [squash(f) for f in item.get("answer_facts", [])]
        if not facts:
            continue
        conversation = conversation_of(item)
        effective, carried = resolve_followup(item["question"], conversation)
        analysis = analyze(effective, carried, conversation_context(item["question"], conversation))
        hits = chain.retriever.search(analysis, k=chain.settings.k)
        given = tuple(t.text for t in conversation if t.role == "assistant")
        units = chain.extractive.candidates(analysis, hits, given)
        if not units:
            continue
        labels = np.array([any(f in squash(u.text) for f in facts) for u in units], dtype=int)
        if labels.any():
            rows.append((item["id"], np.array([u.features for u in units]), labels, np.array([u.score for u in units])))
    return rows


def pairs(Z: np.ndarray, y: np.ndarray, groups: np.ndarray, rng: np.random.Generator, per_item: int = 60):
    """Pairwise differences (positive − negative unit of the same item), both signs: a ranker fit as logistic regression."""
    diffs, signs = [], []
    for g in np.unique(groups):
        idx = np.where(groups == g)[0]
        pos, neg = idx[y[idx] == 1], idx[y[idx] == 0]
        if not len(pos) or not len(neg):
            continue
        for _ in range(per_item):
            d = Z[rng.choice(pos)] - Z[rng.choice(neg)]
            diffs += [d, -d]
            signs += [1, 0]
    return np.array(diffs), np.array(signs)


def fit(Z: np.ndarray, y: np.ndarray, groups: np.ndarray):
    from sklearn.linear_model import LogisticRegression

    D, s = pairs(Z, y, groups, np.random.default_rng(12))
    return LogisticRegression(C=1.0, fit_intercept=False, max_iter=1000).fit(D, s)


def top1(scores: np.ndarray, labels: np.ndarray) -> bool:
    return bool(labels[int(np.argmax(scores))])


def main(argv: list[str] | None = None) -> int:
    from sklearn.model_selection import GroupKFold

    from bot.sentence_scorer import FEATURES, SCORER_PATH, SentenceScorer
    from bot.services import build_services
    from bot.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m evals.fit_scorer", description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--write", action="store_true", help=f"write the coefficients to {SCORER_PATH}")
    args = parser.parse_args(argv)
    if args.dataset.name.startswith("test"):
        raise SystemExit("the scorer is fit on dev only")
    curated = Path(tempfile.mkdtemp(prefix="fit-")) / "curated.jsonl"
    services = build_services(Settings(index_dir=args.index, curated_answers_path=curated))
    services.chain.extractive.scorer = None  # features and labels come from the hand-scored candidates
    rows = candidate_rows(services.chain, load_dataset(args.dataset))
    X = np.concatenate([r[1] for r in rows])
    y = np.concatenate([r[2] for r in rows])
    groups = np.concatenate([[i] * len(r[2]) for i, r in enumerate(rows)])
    means, scales = X.mean(axis=0), X.std(axis=0) + 1e-9
    Z = (X - means) / scales
    hits_learned, hits_hand = 0, 0
    for train, held in GroupKFold(n_splits=5).split(Z, y, groups):
        model = fit(Z[train], y[train], groups[train])
        for i in sorted(set(groups[held])):
            mask = groups == i
            hits_learned += top1(model.decision_function(Z[mask]), y[mask])
            hits_hand += top1(rows[i][3], rows[i][2])
    print(f"items with a labelled unit: {len(rows)}; units: {len(y)} ({int(y.sum())} positive)")
    print(f"5-fold CV top-1 ranking accuracy: learned {hits_learned / len(rows):.3f}, hand-weighted {hits_hand / len(rows):.3f}")
    model = fit(Z, y, groups)
    print("| feature | weight (standardized) |\n|---|---|")
    for name, w in zip(FEATURES, model.coef_[0]):
        print(f"| {name} | {w:+.3f} |")
    print(f"| intercept | {model.intercept_[0]:+.3f} |")
    if args.write:
        scorer = SentenceScorer(tuple(float(w) for w in model.coef_[0]), float(model.intercept_[0]),
                                tuple(float(m) for m in means), tuple(float(s) for s in scales))
        import json
        SCORER_PATH.write_text(json.dumps(scorer.to_json(), indent=1) + "\n", encoding="utf-8")
        print(f"written: {SCORER_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
