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
from bot.query import normalize_question


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

    def __init__(self, path: Path, embed_query: Callable[[str], np.ndarray], threshold: float = 0.93):
        self.path = Path(path)
        self.embed_query = embed_query
        self.threshold = threshold
        self._lock = threading.Lock()
        self._answers: list[CuratedAnswer] = []
        self._vectors: list[np.ndarray] = []
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
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
            matrix = np.stack(self._vectors)
        query = np.asarray(self.embed_query(normalize_question(question)), dtype=np.float32)
        sims = matrix @ query
        best: tuple[CuratedAnswer, float] | None = None
        # newest first, so a corrected answer replaces an older one for the same question
        for i in range(len(answers) - 1, -1, -1):
            answer = answers[i]
            if audience == "public" and answer.audience != "public":
                continue
            if best is None or sims[i] > best[1] + 1e-6:
                best = (answer, float(sims[i]))
        if best and best[1] >= self.threshold:
            return best
        return None

    def __len__(self) -> int:
        return len(self._answers)
