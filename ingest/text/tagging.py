"""Detect the products and countries/regions a text mentions, from ingest/data/vocabulary.yaml."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ingest.text.normalize import nfkc

VOCABULARY_PATH = Path(__file__).resolve().parent.parent / "data" / "vocabulary.yaml"

# Words that contain a vocabulary form but mean something else. Matched like forms (longest
# first), they claim their span: 欧米 is Europe + America, not rice; 南米 is not the USA.
_COMPOUNDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # surface: (products, countries)
    "欧米": ((), ("EU", "アメリカ")),
    "日米": ((), ("アメリカ",)),
    "南米": ((), ()),
    "中南米": ((), ()),
    "米ドル": ((), ()),
    # agricultural, forestry and fishery products as a whole: not seafood in particular
    "農林水産物": ((), ()),
    "農林水産品": ((), ()),
}


@dataclass(frozen=True)
class Vocabulary:
    """Canonical names in file order and the surface forms that mean them."""

    products: dict[str, tuple[str, ...]]
    countries: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class _Form:
    surface: str  # NFKC, lower-cased when Latin
    products: tuple[str, ...]
    countries: tuple[str, ...]
    latin: bool
    katakana: bool
    acronym: bool = False  # US, EU, HK: a two-capital acronym matches in capitals only ("tell us" is no country)


def _is_katakana(ch: str) -> bool:
    """A letter of a katakana word (ー included; the separators ・ and ゠ are not letters)."""
    if ch in "\u30fb\u30a0":
        return False
    return "\u30a1" <= ch <= "\u30ff" or "\u31f0" <= ch <= "\u31ff" or "\uff66" <= ch <= "\uff9f"


@lru_cache(maxsize=8)
def load_vocabulary(path: Path | None = None) -> Vocabulary:
    """Read the shared product/country vocabulary (canonical names keep their file order)."""
    data = yaml.safe_load((path or VOCABULARY_PATH).read_text(encoding="utf-8")) or {}

    def section(name: str) -> dict[str, tuple[str, ...]]:
        return {
            str(canonical): tuple(str(form) for form in (forms or []))
            for canonical, forms in (data.get(name) or {}).items()
        }

    return Vocabulary(products=section("products"), countries=section("countries"))


@lru_cache(maxsize=8)
def _forms(path: Path | None = None) -> tuple[_Form, ...]:
    vocabulary = load_vocabulary(path)
    merged: dict[str, tuple[set[str], set[str]]] = {}

    def add(surface: str, products=(), countries=()):
        key = nfkc(surface).strip()
        if key.isascii() and not _is_acronym(key):
            key = key.lower()
        if not key:
            return
        entry = merged.setdefault(key, (set(), set()))
        entry[0].update(products)
        entry[1].update(countries)

    for canonical, forms in vocabulary.products.items():
        for form in (canonical, *forms):
            add(form, products=(canonical,))
    for canonical, forms in vocabulary.countries.items():
        for form in (canonical, *forms):
            add(form, countries=(canonical,))
    compounds = {nfkc(k): v for k, v in _COMPOUNDS.items()}
    result = []
    for surface, (products, countries) in merged.items():
        if surface in compounds:
            continue
        result.append(_Form(surface.lower() if surface.isascii() else surface, tuple(products), tuple(countries),
                            surface.isascii(), all(_is_katakana(c) for c in surface), _is_acronym(surface)))
    for surface, (compound_products, compound_countries) in compounds.items():
        result.append(_Form(surface, compound_products, compound_countries, False, False))
    # longest first, so 米国 (USA) wins over 米 (rice) and fishery products over fish
    result.sort(key=lambda f: (-len(f.surface), f.surface))
    return tuple(result)


@lru_cache(maxsize=8)
def _by_first_char(path: Path | None = None) -> dict[str, list[_Form]]:
    by_first: dict[str, list[_Form]] = {}
    for form in _forms(path):  # stays longest-first within each list
        by_first.setdefault(form.surface[0], []).append(form)
    return by_first


def _is_acronym(surface: str) -> bool:
    return surface.isascii() and surface.isalpha() and surface.isupper() and len(surface) == 2


def _matches_at(text: str, lowered: str, i: int, form: _Form) -> bool:
    end = i + len(form.surface)
    if form.latin:
        if lowered[i:end] != form.surface or form.acronym and text[i:end] != form.surface.upper():
            return False
        before = text[i - 1] if i > 0 else " "
        after = text[end] if end < len(text) else " "
        # word boundaries for Latin forms: "fish" must not match inside "fishery"
        return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())
    if text[i:end] != form.surface:
        return False
    if form.katakana:
        # 「タイ」 must not match inside 「タイミング」 or 「タイプ」: katakana words continue in katakana
        before = text[i - 1] if i > 0 else ""
        after = text[end] if end < len(text) else ""
        return not (before and _is_katakana(before)) and not (after and _is_katakana(after))
    return True


def _scan(text: str, path: Path | None = None) -> tuple[set[str], set[str]]:
    text = nfkc(text)
    lowered = text.lower()
    if len(lowered) != len(text):  # lower() changed lengths (rare letters): index on the original
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    by_first = _by_first_char(path)
    products: set[str] = set()
    countries: set[str] = set()
    i = 0
    while i < len(text):
        for form in by_first.get(lowered[i], ()) if text[i].isascii() else by_first.get(text[i], ()):
            if _matches_at(text, lowered, i, form):
                products.update(form.products)
                countries.update(form.countries)
                i += len(form.surface)
                break
        else:
            i += 1
    return products, countries


def _ordered(found: set[str], canonical_order: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    order = list(canonical_order)
    return tuple(sorted(found, key=lambda name: (order.index(name) if name in order else len(order), name)))


def find_products(text: str, path: Path | None = None) -> tuple[str, ...]:
    """Canonical product names mentioned in text, in vocabulary order."""
    return _ordered(_scan(text, path)[0], load_vocabulary(path).products)


def find_countries(text: str, path: Path | None = None) -> tuple[str, ...]:
    """Canonical country/region names mentioned in text, in vocabulary order."""
    return _ordered(_scan(text, path)[1], load_vocabulary(path).countries)


def canonical_names(values: list[str] | tuple[str, ...], kind: str, path: Path | None = None) -> tuple[str, ...]:
    """Map front-matter values (canonical names or surface forms) to canonical names.

    Unknown values are kept as written: the author knows something the vocabulary does not.
    """
    vocabulary = load_vocabulary(path)
    table = vocabulary.products if kind == "products" else vocabulary.countries
    out: list[str] = []
    for value in values:
        value = nfkc(str(value)).strip()
        if not value:
            continue
        found = [c for c, forms in table.items() if value == c or value.lower() in {f.lower() for f in forms}]
        name = found[0] if found else value
        if name not in out:
            out.append(name)
    return _ordered(set(out), table)
