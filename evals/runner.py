"""Runs dataset items through an answer function (the assistant's chain or a baseline) into result rows."""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot.models import Answer, Audience, Turn
from ingest import read_jsonl

if TYPE_CHECKING:
    from bot.chain import AssistantChain
    from bot.retriever import RetrievalMode

AnswerFn = Callable[[dict], dict]
MIN_RETRIEVED = 5


def load_dataset(path: Path) -> list[dict]:
    return read_jsonl(Path(path))


def result_row(item: dict, answer: Answer, extra: dict | None = None) -> dict:
    """The per-item result contract: keep these keys stable."""
    row = {
        "id": item["id"],
        "kind": item["kind"],
        "question": item["question"],
        "answer": answer.text,
        "abstained": answer.abstained,
        "outcome": answer.outcome,
        "clarify": answer.clarify,
        "citations": [c.model_dump() for c in answer.citations],
        "retrieved": [r.text for r in answer.retrieved],
        "retrieved_meta": [{"doc_id": r.doc_id, "section": r.section, "score": r.score} for r in answer.retrieved],
        "latency_ms": answer.latency_ms,
        "mode": answer.mode,
        "fallback_reason": answer.fallback_reason,
        "slots": answer.slots,
    }
    if extra:
        row.update(extra)
    return row


def conversation_of(item: dict) -> list[Turn]:
    return [Turn(role=t["role"], text=t["text"]) for t in item.get("conversation", [])]


def chain_answer_fn(chain: AssistantChain, audience: Audience = "public", with_features: bool = True) -> AnswerFn:
    """Answer items with the assistant's chain, exactly as the channels call it."""

    def answer(item: dict) -> dict:
        result = chain.ask(item["question"], conversation=conversation_of(item), audience=audience)
        extra = {}
        if with_features and result.features:
            extra["features"] = result.features  # what the chain decided on, not a recomputation
        return result_row(item, result, extra)

    return answer


def chain_variant(chain: AssistantChain, mode: RetrievalMode) -> AssistantChain:
    """The same chain with another retrieval mode ("lexical" | "dense" | "hybrid"), without curated answers."""
    retriever = chain.retriever.model_copy(update={"settings": replace(chain.retriever.settings, mode=mode)})
    return type(chain)(chain.live_index, retriever, chain.extractive, chain.settings, None, chain.llm)


def without_llm(chain: Any) -> Any:
    """The same chain answering extractively: the baseline beside LLM mode."""
    return type(chain)(chain.live_index, chain.retriever, chain.extractive, chain.settings, None, None)


def run_items(answer_fn: AnswerFn, items: Iterable[dict], label: str = "", show_progress: bool = True) -> list[dict]:
    items = list(items)
    rows: list[dict] = []
    with Progress(
        TextColumn(f"[bold]{label or 'eval'}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        disable=not show_progress, transient=True,
    ) as progress:
        task = progress.add_task(label, total=len(items))
        for item in items:
            started = time.perf_counter()
            try:
                row = answer_fn(item)
            except Exception as exc:  # one broken item must not hide the rest of the run
                row = {
                    "id": item["id"], "kind": item["kind"], "question": item["question"], "answer": "",
                    "abstained": False, "clarify": None, "citations": [], "retrieved": [],
                    "latency_ms": round((time.perf_counter() - started) * 1000, 2), "error": repr(exc),
                }
            rows.append(row)
            progress.advance(task)
    return rows


def write_results(rows: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
