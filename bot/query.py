"""Query understanding: NFKC, glossary expansion, product/country slots and the question's intent."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ingest.tagging import find_countries, find_products

GLOSSARY_PATH = Path(__file__).parent / "data" / "glossary.yaml"

# Words that make a question about rules: the answer may depend on the destination.
_REGULATION_WORDS = (
    "規制", "禁輸", "輸入停止", "輸入禁止", "輸出できる", "輸出できま", "出せる", "出せま", "送れる", "送れま",
    "認定", "登録", "残留農薬", "検疫", "証明書", "衛生", "HACCP", "キュアリング", "ライセンス", "免許",
    "条件", "要件", "基準", "解禁", "止まっ", "ダメ", "だめ", "可能",
    "ban", "banned", "allowed", "can i export", "can we export", "requirement", "register", "certif",
    "quarantine", "residue", "permit", "license",
)
# Of those, the ones asking whether export is possible at all: the answer is a per-country status.
_STATUS_WORDS = (
    "禁輸", "輸入停止", "輸入禁止", "輸出できる", "輸出できま", "出せる", "出せま", "送れる", "送れま",
    "解禁", "止まっ", "ダメ", "だめ", "可能",
    "ban", "banned", "allowed", "can i export", "can we export",
)
_PROCEDURE_WORDS = ("手続", "申請", "どうすれば", "方法", "流れ", "how to", "how do", "procedure", "steps")
_CASE_WORDS = ("事例", "取組例", "実績", "成功", "ケース", "case", "example")
_SUPPORT_WORDS = ("支援", "補助", "相談", "セミナー", "窓口", "サポート", "support", "help", "consult")

_LATIN = re.compile(r"[A-Za-z]")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@dataclass(frozen=True)
class QueryAnalysis:
    question: str  # as asked
    normalized: str  # NFKC, trimmed
    search_text: str  # normalized plus glossary terms and slot names, for both search sides
    products: tuple[str, ...]
    countries: tuple[str, ...]
    intent: str  # "regulation" | "procedure" | "case" | "support" | "fact"
    asks_status: bool  # "can X go to Y?" — answered by a per-destination status
    is_english: bool

    @property
    def product(self) -> str | None:
        return self.products[0] if self.products else None

    @property
    def country(self) -> str | None:
        return self.countries[0] if self.countries else None

    @property
    def slots(self) -> dict[str, str | None]:
        return {"product": self.product, "country": self.country}


def normalize_question(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


@lru_cache(maxsize=1)
def load_glossary(path: Path = GLOSSARY_PATH) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Glossary entries, longest form first so that 'import ban' wins over 'ban'."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = [(normalize_question(str(form)).lower(), tuple(str(t) for t in terms)) for form, terms in raw.items()]
    return tuple(sorted(entries, key=lambda e: -len(e[0])))


def glossary_terms(normalized: str) -> list[str]:
    """Terms the glossary adds for the forms found in the question (each form consumed once)."""
    remaining = normalized.lower()
    added: list[str] = []
    for form, terms in load_glossary():
        if _LATIN.search(form):
            pattern = re.compile(r"(?<![a-z])" + re.escape(form) + r"(?![a-z])")
        else:
            pattern = re.compile(re.escape(form))
        if pattern.search(remaining):
            remaining = pattern.sub(" ", remaining)
            added.extend(t for t in terms if t not in added)
    return added


def _has_any(text: str, words: tuple[str, ...]) -> bool:
    lowered = text.lower()
    return any(w.lower() in lowered for w in words)


def detect_intent(normalized: str) -> str:
    if _has_any(normalized, _REGULATION_WORDS):
        return "regulation"
    if _has_any(normalized, _PROCEDURE_WORDS):
        return "procedure"
    if _has_any(normalized, _CASE_WORDS):
        return "case"
    if _has_any(normalized, _SUPPORT_WORDS):
        return "support"
    return "fact"


def analyze(question: str, carried_slots: dict[str, str | None] | None = None) -> QueryAnalysis:
    """Understand one question; `carried_slots` fill a slot the question itself leaves empty."""
    normalized = normalize_question(question)
    products = tuple(find_products(normalized))
    countries = tuple(find_countries(normalized))
    carried = carried_slots or {}
    if not products and carried.get("product"):
        products = (carried["product"],)
    if not countries and carried.get("country"):
        countries = (carried["country"],)
    extra = glossary_terms(normalized)
    for name in (*products, *countries):
        if name not in normalized and name not in extra:
            extra.append(name)
    search_text = " ".join([normalized, *extra]) if extra else normalized
    is_english = bool(_LATIN.search(normalized)) and not _JAPANESE.search(normalized)
    return QueryAnalysis(
        question=question,
        normalized=normalized,
        search_text=search_text,
        products=products,
        countries=countries,
        intent=detect_intent(normalized),
        asks_status=_has_any(normalized, _STATUS_WORDS),
        is_english=is_english,
    )
