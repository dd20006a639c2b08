"""Loads every note of knowledge/ once, as typed records, for the knowledge quality tests."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import frontmatter
import pytest

REPO = Path(__file__).resolve().parents[2]
KNOWLEDGE = REPO / "knowledge"
# The corpus is shared read-only material beside the repository, never copied into it.
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


@dataclass(frozen=True)
class Note:
    path: Path
    doc_id: str
    meta: dict
    body: str


def note_paths() -> list[Path]:
    # knowledge/README.md documents the format; it is not a note.
    return sorted(p for p in KNOWLEDGE.rglob("*.md") if p != KNOWLEDGE / "README.md")


def load_note(path: Path) -> Note:
    post = frontmatter.load(path)
    return Note(path=path, doc_id=path.stem, meta=dict(post.metadata), body=post.content)


@pytest.fixture(scope="session")
def notes() -> list[Note]:
    return [load_note(p) for p in note_paths()]


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}: the fact and copy checks need ../shared/corpus")
    return CORPUS
