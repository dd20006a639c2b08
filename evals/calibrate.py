"""Fits the answerability model on dev plus counterfactual unanswerables and picks its threshold by
cross-validation for false abstention ≤ a target; writes bot/data/answerability.json and prints the CV figures.

Usage: python -m evals calibrate --index var/eval-index --dataset evals/datasets/dev.jsonl [--max-false 0.03]
"""
from __future__ import annotations

import argparse
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from bot.answerability import CLIP, FEATURES, MODEL_PATH

SWAPS_PATH = Path(__file__).parent / "datasets" / "counterfactual_swaps.yaml"
_YEAR = re.compile(r"((?:19|20)\d{2})(\s*年)")


@dataclass(frozen=True)
class Example:
    id: str
    answerable: bool
    counterfactual: bool
    features: dict[str, float]


def counterfactuals(items: list[dict], public_text: str, swaps: dict) -> list[dict]:
    """Answerable dev questions with the asked year, product, destination or figure type swapped for one the
    documents do not hold: the same wording, a question nobody can answer from them."""
    from bot.query import analyze
    from ingest import find_countries, find_products

    def absent(values):
        return [str(v) for v in values if str(v).lower() not in public_text]

    years, products, countries = absent(swaps["years"]), absent(swaps["products"]), absent(swaps["countries"])
    made = []
    for n, item in enumerate(items):
        q = item["question"]
        analysis = analyze(q)
        variants = []
        if (m := _YEAR.search(q)) and years:
            variants.append(("year", q[:m.start()] + years[n % len(years)] + q[m.start(2):]))
        if find_products(q) and products:
            form = next((f for f in _surfaces(q, analysis.product)), None)
            if form:
                variants.append(("product", q.replace(form, products[n % len(products)], 1)))
        if find_countries(q) and countries:
            form = next((f for f in _surfaces(q, analysis.country)), None)
            if form:
                variants.append(("country", q.replace(form, countries[n % len(countries)], 1)))
        for old, new in swaps["figure_types"].items():
            if old in q:
                variants.append(("figure", q.replace(old, new, 1)))
                break
        for kind, question in variants:
            made.append({**item, "id": f"{item['id']}~{kind}", "question": question, "kind": "unanswerable",
                         "answer_facts": [], "counterfactual": kind})
    return made


def _surfaces(question: str, canonical: str | None) -> list[str]:
    """The words in the question that name a vocabulary entry (いちご for 苺, 仙台牛 for 牛肉), longest first."""
    from ingest import load_vocabulary

    if not canonical:
        return []
    vocabulary = load_vocabulary()
    forms = [canonical, *vocabulary.products.get(canonical, ()), *vocabulary.countries.get(canonical, ())]
    return [f for f in sorted(set(forms), key=len, reverse=True) if f and f in question]


def collect(chain, items: list[dict]) -> list[Example]:
    from evals.runner import conversation_of

    examples = []
    for item in items:
        answer = chain.ask(item["question"], conversation=conversation_of(item))
        if not answer.features or answer.mode in ("clarify", "curated"):
            continue
        examples.append(Example(item["id"], item["kind"] != "unanswerable", "counterfactual" in item,
                                dict(answer.features)))
    return examples


def fit(examples: list[Example], max_false: float, folds: int = 5, seed: int = 0) -> tuple[dict, dict]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    x = np.array([[e.features.get(f, 0.0) for f in FEATURES] for e in examples], dtype=float)
    y = np.array([e.answerable for e in examples], dtype=int)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.clip((x - mean) / scale, -CLIP, CLIP)  # as the model reads them when serving
    cv = np.zeros(len(y))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(z, y):
        model = LogisticRegression(C=1.0, max_iter=2000).fit(z[train], y[train])
        cv[test] = model.predict_proba(z[test])[:, 1]
    real = np.array([not e.counterfactual for e in examples])
    answerable = y == 1
    # the highest threshold whose cross-validated false abstention on the real answerable items stays ≤ max_false
    candidates = sorted(set(np.round(cv, 4)) | {0.0})
    threshold = 0.0
    for t in candidates:
        if np.mean(cv[answerable & real] < t) <= max_false:
            threshold = float(t)
    model = LogisticRegression(C=1.0, max_iter=2000).fit(z, y)
    figures = {
        "examples": int(len(y)), "answerable": int(answerable.sum()),
        "unanswerable_real": int((~answerable & real).sum()), "counterfactual": int((~real).sum()),
        "cv_auc": round(float(roc_auc_score(y, cv)), 4),
        "threshold": round(threshold, 4),
        "cv_false_abstention": round(float(np.mean(cv[answerable & real] < threshold)), 4),
        "cv_recall_real_unanswerable": round(float(np.mean(cv[~answerable & real] < threshold)), 4)
        if (~answerable & real).any() else None,
        "cv_recall_counterfactual": round(float(np.mean(cv[~real] < threshold)), 4) if (~real).any() else None,
    }
    data = {
        "features": list(FEATURES), "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale], "coef": [round(float(v), 6) for v in model.coef_[0]],
        "intercept": round(float(model.intercept_[0]), 6), "threshold": round(threshold, 6),
        "fitted_on": figures,
    }
    return data, figures


def cmd_calibrate(args: argparse.Namespace) -> int:
    from bot.services import build_services
    from bot.settings import Settings
    from evals.runner import load_dataset

    curated = Path(tempfile.mkdtemp(prefix="calibrate-")) / "curated.jsonl"
    services = build_services(Settings(index_dir=Path(args.index), curated_answers_path=curated))
    reader = services.live_index.current()
    public_text = "\n".join(c.text for c in reader.chunks.values() if c.audience == "public").lower()
    items = [i for i in load_dataset(Path(args.dataset)) if i.get("expect") != "clarify"]
    swaps = yaml.safe_load(SWAPS_PATH.read_text(encoding="utf-8"))
    made = counterfactuals([i for i in items if i["kind"] != "unanswerable" and not i.get("conversation")],
                           public_text, swaps)
    examples = collect(services.chain, items + made)
    data, figures = fit(examples, args.max_false)
    Path(args.out).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for name, value in figures.items():
        print(f"{name:>28}: {value}")
    print("coefficients (standardized): " + ", ".join(f"{f}={c:+.2f}" for f, c in zip(FEATURES, data["coef"])))
    print(f"written: {args.out}")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("calibrate", help="fit the answerability model on dev + counterfactual unanswerables")
    p.add_argument("--index", required=True)
    p.add_argument("--dataset", default="evals/datasets/dev.jsonl")
    p.add_argument("--max-false", type=float, default=0.03, help="cross-validated false abstention allowed")
    p.add_argument("--out", default=str(MODEL_PATH))
    p.set_defaults(func=cmd_calibrate)
