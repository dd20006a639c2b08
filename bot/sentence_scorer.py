"""A learned linear scorer for answer units: standardized features, logistic-regression weights read from bot/data/."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

SCORER_PATH = Path(__file__).parent / "data" / "sentence_scorer.json"
# The order of ExtractiveAnswerer's feature tuple; the data file must name the same features.
FEATURES = ("overlap", "chunk_rank", "product", "country", "number", "type_match", "position", "heading",
            "already_given", "length", "dense")


@dataclass(frozen=True)
class SentenceScorer:
    weights: tuple[float, ...]
    intercept: float
    means: tuple[float, ...]
    scales: tuple[float, ...]

    def score(self, features: tuple[float, ...]) -> float:
        """The logit; only the order of scores matters to the selector, and keep_ratio needs them positive-ish."""
        z = self.intercept + sum(w * (x - m) / sd for w, x, m, sd in zip(self.weights, features, self.means, self.scales))
        return 1 / (1 + pow(2.718281828459045, -z))

    @classmethod
    def load(cls, path: Path = SCORER_PATH) -> "SentenceScorer | None":
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"{path}: features {data['features']} do not match {FEATURES}")
        return cls(tuple(data["weights"]), data["intercept"], tuple(data["means"]), tuple(data["scales"]))

    def to_json(self) -> dict:
        return {"features": list(FEATURES), "weights": list(self.weights), "intercept": self.intercept,
                "means": list(self.means), "scales": list(self.scales)}
