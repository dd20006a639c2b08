"""Coordinator-approved answers: stored as JSON lines, matched to new questions by embedding similarity."""
from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from bot.models import Citation
from bot.query import analyze, content_nouns, normalize_question
from ingest import read_jsonl, visible


@dataclass(frozen=True)
class CuratedAnswer:
    curated_id: str
    question: str
    answer_text: str
    citations: tuple[Citation, ...]
    author: str
    audience: str  # "public" answers may be shown to anyone; "internal" only to coordinators
    created_at: str


class CuratedAnswerStore:
    """Append-only JSONL file; the newest answer for a question wins. Thread-safe."""

    # Measured by `python -m evals.curated_threshold`: e5 similarity alone confuses different questions about the
    # same topic (0.969 for two distinct dev questions), so a match also needs the same product/destination
    # slots and half of the content nouns in common: 73% of paraphrases match, 1 of 3,916 distinct dev pairs.
    def __init__(self, path: Path, embed_query: Callable[[str], np.ndarray], threshold: float = 0.90,
                 min_noun_overlap: float = 0.5):
        self.path = Path(path)
        self.embed_query = embed_query
        self.threshold = threshold
        self.min_noun_overlap = min_noun_overlap
        self._keys: list[tuple[tuple[str | None, str | None], frozenset[str]]] = []
        self._lock = threading.Lock()
        self._answers: list[CuratedAnswer] = []
        self._vectors: list[np.ndarray] = []
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        for record in read_jsonl(self.path):
            self._remember(CuratedAnswer(
                curated_id=record["curated_id"],
                question=record["question"],
                answer_text=record["answer_text"],
                citations=tuple(Citation(**c) for c in record.get("citations", [])),
                author=record.get("author", ""),
                audience=record.get("audience", "public"),
                created_at=record.get("created_at", ""),
            ))

    def _remember(self, answer: CuratedAnswer) -> None:
        self._answers.append(answer)
        self._vectors.append(np.asarray(self.embed_query(normalize_question(answer.question)), dtype=np.float32))
        self._keys.append(_key(answer.question))

    def add(self, question: str, answer_text: str, citations: list[Citation], author: str,
            audience: str = "public") -> str:
        answer = CuratedAnswer(
            curated_id=uuid.uuid4().hex,
            question=normalize_question(question),
            answer_text=answer_text.strip(),
            citations=tuple(citations),
            author=author,
            audience=audience,
            created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
        record = {
            "curated_id": answer.curated_id,
            "question": answer.question,
            "answer_text": answer.answer_text,
            "citations": [c.model_dump() for c in answer.citations],
            "author": answer.author,
            "audience": answer.audience,
            "created_at": answer.created_at,
        }
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
                f.flush()
            self._remember(answer)
        return answer.curated_id

    def match(self, question: str, audience: str) -> tuple[CuratedAnswer, float] | None:
        """The closest curated answer visible to `audience`, if it is similar enough."""
        with self._lock:
            if not self._answers:
                return None
            answers = list(self._answers)
            keys = list(self._keys)
            matrix = np.stack(self._vectors)
        query = np.asarray(self.embed_query(normalize_question(question)), dtype=np.float32)
        slots, nouns = _key(question)
        sims = matrix @ query
        best: tuple[CuratedAnswer, float] | None = None
        # newest first, so a corrected answer replaces an older one for the same question
        for i in range(len(answers) - 1, -1, -1):
            answer = answers[i]
            if not visible(answer.audience, audience):
                continue
            their_slots, their_nouns = keys[i]
            if their_slots != slots or _overlap(nouns, their_nouns) < self.min_noun_overlap:
                continue
            if best is None or sims[i] > best[1] + 1e-6:
                best = (answer, float(sims[i]))
        if best and best[1] >= self.threshold:
            return best
        return None

    def __len__(self) -> int:
        return len(self._answers)


def _key(question: str) -> tuple[tuple[str | None, str | None], frozenset[str]]:
    normalized = normalize_question(question)
    analysis = analyze(normalized)
    return (analysis.product, analysis.country), frozenset(content_nouns(normalized))


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0
