"""General names a question may use — countries and regions of the world, foods and farm or sea products — beside the
product/country vocabulary: bot/data/general_names.yaml, matched after NFKC, a short name only as a whole word."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from bot.data_files import read_word_lists
from bot.query import token_surfaces
from ingest import load_vocabulary

GENERAL_NAMES_PATH = Path(__file__).parent / "data" / "general_names.yaml"
# names this short are read only as a whole word of the question (パン in ジャパン, もち in もちろん are not food)
SHORT_NAME = 2


@lru_cache(maxsize=1)
def general_names(path: Path = GENERAL_NAMES_PATH) -> tuple[tuple[str, str], ...]:
    """(name, "country" | "food") pairs, longest first, leaving out the forms the vocabulary already knows."""
    raw = read_word_lists(path, required=("countries", "foods"))
    vocabulary = load_vocabulary()
    known = {unicodedata.normalize("NFKC", f).lower()
             for table in (vocabulary.products, vocabulary.countries)
             for canonical, forms in table.items() for f in (canonical, *forms)}
    names = {unicodedata.normalize("NFKC", str(n)): kind
             for kind, key in (("country", "countries"), ("food", "foods")) for n in raw[key]}
    return tuple(sorted(((n, k) for n, k in names.items() if n.lower() not in known), key=lambda p: -len(p[0])))


def _vocabulary_spans(text: str) -> list[tuple[int, int]]:
    """Where the question uses a product or country form the vocabulary knows (「sweet potato」 holds no 「potato」)."""
    vocabulary = load_vocabulary()
    spans = []
    for table in (vocabulary.products, vocabulary.countries):
        for canonical, forms in table.items():
            for form in (canonical, *forms):
                low = unicodedata.normalize("NFKC", form).lower()
                if len(low) > 1:
                    spans += [(m.start(), m.end()) for m in re.finditer(re.escape(low), text)]
    return spans


@lru_cache(maxsize=1)
def _names_pattern() -> tuple[re.Pattern[str], dict[str, tuple[str, str]]]:
    """One pattern for every general name, longest first (so the longest wins at a position), and each name's kind."""
    names = general_names()
    parts = [rf"\b{re.escape(n.lower())}\b" if n.isascii() else re.escape(n.lower()) for n, _kind in names]
    return re.compile("|".join(parts)), {n.lower(): (n, kind) for n, kind in names}


def names_in(question: str) -> list[tuple[str, str]]:
    """General names the question uses: longest match wins, none inside a vocabulary form, a short name only as a
    whole word."""
    text = question.lower()
    pattern, named = _names_pattern()
    taken = _vocabulary_spans(text)
    words: set[str] | None = None  # Sudachi's words, read only when a short name turns up
    found: list[tuple[str, str]] = []
    for m in pattern.finditer(text):
        low = m.group(0)
        if any(a <= m.start() < b or a < m.end() <= b for a, b in taken) or named[low] in found:
            continue
        if len(low) <= SHORT_NAME and not low.isascii():
            words = words if words is not None else {w.lower() for w in token_surfaces(question)}
            if low not in words and f"お{low}" not in words:
                continue
        taken.append((m.start(), m.end()))
        found.append(named[low])
    return found


def general_food_named(question: str) -> bool:
    """Whether the question names a food of bot/data/general_names.yaml (as a whole word when the name is short)."""
    return any(kind == "food" for _name, kind in names_in(question))
