"""Scoring of per-item results against dataset items: retrieval, facts, citations, abstention, latency."""
from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter, defaultdict
from typing import Any


def squash(text: str) -> str:
    """NFKC, whitespace removed, Latin lower-cased: how facts and evidence are compared."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()


def is_answerable(item: dict) -> bool:
    return item["kind"] != "unanswerable" and item.get("expect") != "clarify"


def chunk_is_relevant(chunk_text: str, item: dict) -> bool:
    """A retrieved chunk supports the item when it holds every answer fact (the evidence locator when there are
    none): knowledge notes restate facts in other words, so the locator alone would be too lenient or too strict."""
    text = squash(chunk_text)
    facts = [squash(f) for f in item.get("answer_facts", [])]
    if facts:
        return all(f in text for f in facts)
    evidence = squash(item.get("evidence", ""))
    return bool(evidence) and evidence in text


def first_relevant_rank(retrieved: list[str], item: dict) -> int | None:
    """1-based rank of the first supporting chunk; multi items count when the top chunks cover every fact."""
    for rank, text in enumerate(retrieved, start=1):
        if chunk_is_relevant(text, item):
            return rank
    facts = [squash(f) for f in item.get("answer_facts", [])]
    # only a multi item's facts may come from several chunks; a fact item needs one chunk that states it whole
    if item.get("kind") == "multi" and len(facts) > 1:
        covered: set[str] = set()
        for rank, text in enumerate(retrieved, start=1):
            t = squash(text)
            covered |= {f for f in facts if f in t}
            if len(covered) == len(facts):
                return rank
    return None


def score_item(item: dict, result: dict) -> dict[str, Any]:
    """Per-item verdicts; None where a metric does not apply to the item."""
    answerable = is_answerable(item)
    facts = item.get("answer_facts", [])
    answer = squash(result.get("answer", ""))
    found = [f for f in facts if squash(f) in answer] if not result.get("abstained") else []
    rank = first_relevant_rank(result.get("retrieved", []), item) if answerable and facts else None
    cited_texts = [squash(c.get("text", "")) for c in result.get("citations", [])]
    cited_ok = [f for f in found if any(squash(f) in t for t in cited_texts)]
    return {
        "id": item["id"],
        "kind": item["kind"],
        "answerable": answerable,
        "expects_clarify": item.get("expect") == "clarify",
        "rank": rank,
        "hit1": None if not (answerable and facts) else rank == 1,
        "hit5": None if not (answerable and facts) else (rank is not None and rank <= 5),
        "rr": None if not (answerable and facts) else (1.0 / rank if rank else 0.0),
        "fact_recall": None if not (answerable and facts) else len(found) / len(facts),
        "all_facts": None if not (answerable and facts) else len(found) == len(facts),
        "citation_ok": None if not found else len(cited_ok) / len(found),
        "abstained": bool(result.get("abstained")),
        "partial": result.get("outcome") == "partial",
        "clarified": bool(result.get("clarify")),
        # conversation set: a follow-up must be resolved, a topic switch answered as the new question it is
        "turn_kind": item.get("turn_kind") or ("followup" if item["kind"] == "followup" else None),
        "latency_ms": float(result.get("latency_ms", 0.0)),
        "mode": result.get("mode"),
        "fallback_reason": result.get("fallback_reason"),
        "answer_chars": len(result.get("answer", "")),
        "missing_facts": [f for f in facts if f not in found],
    }


def _mean(values: list) -> float | None:
    present = [float(v) for v in values if v is not None]
    return round(sum(present) / len(present), 4) if present else None


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))
    return round(ordered[index], 2)


def summarize(scores: list[dict]) -> dict[str, Any]:
    unanswerable = [s for s in scores if s["kind"] == "unanswerable"]
    answerable = [s for s in scores if s["answerable"]]
    clarify_items = [s for s in scores if s["expects_clarify"]]
    abstained = [s for s in scores if s["abstained"]]
    true_abstentions = [s for s in abstained if s["kind"] == "unanswerable"]
    latencies = [s["latency_ms"] for s in scores]
    switches = [s for s in scores if s["turn_kind"] == "switch"]
    followups = [s for s in scores if s["turn_kind"] == "followup" and s["answerable"]]
    answered_chars = [s["answer_chars"] for s in answerable if not s["abstained"]]
    return {
        "items": len(scores),
        "hit@1": _mean([s["hit1"] for s in scores]),
        "hit@5": _mean([s["hit5"] for s in scores]),
        "mrr": _mean([s["rr"] for s in scores]),
        "fact_recall": _mean([s["fact_recall"] for s in scores]),
        "all_facts": _mean([s["all_facts"] for s in scores]),
        "citation_correct": _mean([s["citation_ok"] for s in scores]),
        "abstention_precision": round(len(true_abstentions) / len(abstained), 4) if abstained else None,
        "abstention_recall": round(len(true_abstentions) / len(unanswerable), 4) if unanswerable else None,
        "false_abstention": round(sum(s["abstained"] for s in answerable) / len(answerable), 4) if answerable else None,
        "abstain_or_partial_recall": _mean([s["abstained"] or s["partial"] for s in unanswerable]),
        "partial_share_answerable": _mean([s["partial"] for s in answerable]),
        "switch_as_asked": _mean([s["all_facts"] for s in switches]),
        "followup_resolved": _mean([s["all_facts"] for s in followups]),
        "clarify_recall": round(sum(s["clarified"] for s in clarify_items) / len(clarify_items), 4) if clarify_items else None,
        "clarify_rate": round(sum(s["clarified"] for s in scores) / len(scores), 4) if scores else None,
        "median_answer_chars": statistics.median(answered_chars) if answered_chars else None,
        "latency_p50_ms": _percentile(latencies, 0.5),
        "latency_p95_ms": _percentile(latencies, 0.95),
        # LLM mode: answers the check served, and those it rejected (or the endpoint failed) for extractive ones
        "llm_served": sum(1 for s in scores if s.get("mode") == "llm"),
        "llm_rejected": sum(1 for s in scores if s.get("mode") == "fallback"),
        "modes": dict(Counter(s.get("mode") or "?" for s in scores)),
    }


def summarize_by_kind(scores: list[dict]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for s in scores:
        groups[s["kind"]].append(s)
    return {kind: summarize(items) for kind, items in sorted(groups.items())}


def bootstrap_interval(values: list, rounds: int = 2000, seed: int = 0) -> tuple[float, float] | None:
    """95% percentile bootstrap interval of the mean of per-item values (None where a metric does not apply)."""
    import random

    present = [float(v) for v in values if v is not None]
    if not present:
        return None
    rng = random.Random(seed)
    means = sorted(sum(rng.choices(present, k=len(present))) / len(present) for _ in range(rounds))
    return round(means[int(0.025 * rounds)], 4), round(means[int(0.975 * rounds) - 1], 4)


# per-item value behind each headline metric, for bootstrap intervals
HEADLINE = {
    "false_abstention": lambda s: s["abstained"] if s["answerable"] else None,
    "abstain_or_partial_recall": lambda s: (s["abstained"] or s["partial"]) if s["kind"] == "unanswerable" else None,
    "partial_share_answerable": lambda s: s["partial"] if s["answerable"] else None,
    "clarify_recall": lambda s: s["clarified"] if s["expects_clarify"] else None,
    "switch_as_asked": lambda s: s["all_facts"] if s["turn_kind"] == "switch" else None,
    "followup_resolved": lambda s: s["all_facts"] if s["turn_kind"] == "followup" and s["answerable"] else None,
    "all_facts": lambda s: s["all_facts"],
}


def headline_with_intervals(scores: list[dict]) -> dict[str, dict[str, Any]]:
    """The headline metrics with their 95% bootstrap intervals and the number of items each applies to."""
    out = {}
    for name, value in HEADLINE.items():
        values = [value(s) for s in scores]
        present = [v for v in values if v is not None]
        out[name] = {"value": _mean(present), "ci95": bootstrap_interval(present), "n": len(present)}
    return out
