"""Sentences in which a knowledge note speaks about itself (its source, date or purpose), and questions that ask
about exactly that: the answerer quotes the first only for the second."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.data_files import read_word_lists

WORDS_PATH = Path(__file__).parent / "data" / "note_self_reference.yaml"


@dataclass(frozen=True)
class SelfReferenceWords:
    leads: tuple[str, ...]
    asked_by: tuple[str, ...]


@lru_cache(maxsize=1)
def self_reference_words(path: Path = WORDS_PATH) -> SelfReferenceWords:
    raw = read_word_lists(path, required=("leads", "asked_by"))
    return SelfReferenceWords(tuple(_fold(w) for w in raw["leads"]), tuple(_fold(w) for w in raw["asked_by"]))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


def speaks_about_the_note(sentence: str) -> bool:
    """「出典は、…」「この資料は、…」: the sentence opens by naming the note or its source."""
    return _fold(sentence).startswith(self_reference_words().leads)


def asks_about_the_source(question: str) -> bool:
    """The question asks where the facts come from, as of when, or whether they are official."""
    folded = _fold(question)
    return any(word in folded for word in self_reference_words().asked_by)
