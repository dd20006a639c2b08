"""Coordinator-approved answers: stored as JSON lines, matched to new questions by embedding similarity.

A later line with the same curated_id replaces the earlier one (an edit, or a retirement), so the file is the
history and the newest version of each answer is what the chain serves."""
from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
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
    variants: tuple[str, ...] = ()  # other wordings of the question that this answer also serves
    review_by: str | None = None  # ISO date by which a coordinator should check it again
    retired: bool = False  # kept in the history, never served
    updated_at: str = ""

    @property
    def questions(self) -> tuple[str, ...]:
        return (self.question, *(v for v in self.variants if v != self.question))


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
        self._answers: list[CuratedAnswer] = []  # one entry per question variant of an active answer, oldest first
        self._vectors: list[np.ndarray] = []
        self._by_id: dict[str, CuratedAnswer] = {}  # the newest version of every answer, retired ones included
        self._load()

    def _load(self) -> None:
        for answer in read_versions(self.path):
            self._remember(answer)

    def _remember(self, answer: CuratedAnswer) -> None:
        if answer.curated_id in self._by_id:  # a newer version: the old one's wordings stop matching
            keep = [i for i, a in enumerate(self._answers) if a.curated_id != answer.curated_id]
            self._answers = [self._answers[i] for i in keep]
            self._vectors = [self._vectors[i] for i in keep]
            self._keys = [self._keys[i] for i in keep]
        self._by_id.pop(answer.curated_id, None)
        self._by_id[answer.curated_id] = answer
        if answer.retired:
            return
        for question in answer.questions:
            self._answers.append(answer)
            self._vectors.append(np.asarray(self.embed_query(normalize_question(question)), dtype=np.float32))
            self._keys.append(_key(question))

    def add(self, question: str, answer_text: str, citations: list[Citation], author: str,
            audience: str = "public", variants: list[str] | tuple[str, ...] = (),
            review_by: str | None = None) -> str:
        now = _now()
        answer = CuratedAnswer(
            curated_id=uuid.uuid4().hex,
            question=normalize_question(question),
            answer_text=answer_text.strip(),
            citations=tuple(citations),
            author=author,
            audience=audience,
            created_at=now,
            variants=_variants(variants),
            review_by=review_by,
            updated_at=now,
        )
        self._write(answer)
        return answer.curated_id

    def update(self, curated_id: str, *, question: str | None = None, answer_text: str | None = None,
               citations: list[Citation] | None = None, audience: str | None = None,
               variants: list[str] | tuple[str, ...] | None = None, review_by: str | None = None,
               retired: bool | None = None, author: str | None = None) -> CuratedAnswer:
        """A new version of an answer (unchanged fields carried over); KeyError if there is no such answer."""
        with self._lock:
            current = self._by_id[curated_id]
        answer = replace(
            current,
            question=normalize_question(question) if question is not None else current.question,
            answer_text=answer_text.strip() if answer_text is not None else current.answer_text,
            citations=tuple(citations) if citations is not None else current.citations,
            audience=audience or current.audience,
            variants=_variants(variants) if variants is not None else current.variants,
            review_by=review_by if review_by is not None else current.review_by,
            retired=current.retired if retired is None else retired,
            author=author or current.author,
            updated_at=_now(),
        )
        self._write(answer)
        return answer

    def retire(self, curated_id: str, author: str | None = None) -> CuratedAnswer:
        return self.update(curated_id, retired=True, author=author)

    def get(self, curated_id: str) -> CuratedAnswer | None:
        with self._lock:
            return self._by_id.get(curated_id)

    def all(self) -> list[CuratedAnswer]:
        """The newest version of every answer, retired ones included, most recently changed first."""
        with self._lock:
            return list(reversed(self._by_id.values()))

    def served_in(self, answer_text: str) -> str | None:
        """Which active curated answer a chain answer carries (the chain serves its text verbatim after a lead)."""
        with self._lock:
            candidates = [a for a in self._by_id.values() if not a.retired and a.answer_text]
        for answer in reversed(candidates):
            if answer_text.endswith(answer.answer_text):
                return answer.curated_id
        return None

    def export_jsonl(self) -> str:
        """The current answers (one line each, newest version only), in the file's own format."""
        return "".join(json.dumps(_record(a), ensure_ascii=False) + "\n" for a in reversed(self.all()))

    def _write(self, answer: CuratedAnswer) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(_record(answer), ensure_ascii=False) + "\n")
                f.flush()
            self._remember(answer)

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
        """How many answers are served (retired ones are not)."""
        with self._lock:
            return sum(1 for a in self._by_id.values() if not a.retired)


def read_versions(path: Path) -> list[CuratedAnswer]:
    """Every line of the file as an answer, oldest first (later versions of an id follow earlier ones)."""
    if not path.exists():
        return []
    versions = []
    for record in read_jsonl(path):
        versions.append(CuratedAnswer(
            curated_id=record["curated_id"],
            question=record["question"],
            answer_text=record["answer_text"],
            citations=tuple(Citation(**c) for c in record.get("citations", [])),
            author=record.get("author", ""),
            audience=record.get("audience", "public"),
            created_at=record.get("created_at", ""),
            variants=tuple(record.get("variants", ())),
            review_by=record.get("review_by"),
            retired=bool(record.get("retired", False)),
            updated_at=record.get("updated_at", record.get("created_at", "")),
        ))
    return versions


def current_answers(path: Path) -> list[CuratedAnswer]:
    """The newest version of each answer in the file, without embedding anything (for reports and the digest)."""
    return list({a.curated_id: a for a in read_versions(path)}.values())


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _variants(variants: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for v in variants:
        if normalize_question(v):
            seen[normalize_question(v)] = None
    return tuple(seen)


def _record(answer: CuratedAnswer) -> dict:
    return {
        "curated_id": answer.curated_id,
        "question": answer.question,
        "answer_text": answer.answer_text,
        "citations": [c.model_dump() for c in answer.citations],
        "author": answer.author,
        "audience": answer.audience,
        "created_at": answer.created_at,
        "variants": list(answer.variants),
        "review_by": answer.review_by,
        "retired": answer.retired,
        "updated_at": answer.updated_at,
    }


def _key(question: str) -> tuple[tuple[str | None, str | None], frozenset[str]]:
    normalized = normalize_question(question)
    analysis = analyze(normalized)
    return (analysis.product, analysis.country), frozenset(content_nouns(normalized))


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0
