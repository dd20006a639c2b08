"""Whether the documents hold what a question asks, not just its neighbourhood: the asked value type together with
each thing the question pins it to (a year, a product, a destination, a figure it names) in one answer unit.

A question about 2024 answered from a unit about 2022, or about Brazil from a unit about Hong Kong, is a near miss:
the chain then answers `partial` and names what is missing (bot/policy.py). Grammar and general names only: the
names a question can pin come from ingest's vocabulary and bot/names.py (general names), never from the documents.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.asks import detect_asks
from bot.data_files import DataFileError, read_word_lists
from bot.names import names_in
from bot.query import FIGURE_TYPES, QueryAnalysis, asked_type, carries_type, content_noun_forms
from bot.retriever import ScoredChunk
from ingest import answer_units, find_countries, find_products, unit_text

if TYPE_CHECKING:  # the answerer uses the pins too: no import cycle at run time
    from bot.answer_extractive import Evidence

# 2024年, 2024年度, FY2024, 令和6年: the years a question pins its figure to
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_MONTH = re.compile(r"(?<!\d)(1[0-2]|[1-9])\s*月")
_REIWA = re.compile(r"令和\s*(\d{1,2}|元)\s*年")
# the counters a count is asked in (何社, 何か国) and a question's own figure is written in (15社, 23名)
_COUNTERS = "件|社|人|名|軒|品目|商品|か国|カ国|ヶ国|事例|団体|店舗|店|か所|カ所|回"
# a figure the question itself names (「110億人」「1パック」), not a year: digits with a unit right after them
_FIGURE = re.compile(rf"(?<![\d.,])(\d[\d,.]*\s*(?:兆|億|万|千)?\s*(?:円|トン|t|kg|パック|個|本|箱|%|割|倍|{_COUNTERS}))")
# the pins a neighbouring unit can hold for another topic (a year, a month, a figure); names are checked as they are
_NUMERIC_PINS = ("year", "month", "figure")
TYPE_LABELS = {"amount": "金額", "count": "件数", "quantity": "数量", "day": "日付", "date": "時期", "rate": "割合", "rank": "順位", "person": "お名前",
               "organisation": "企業名", "contact": "連絡先"}


@dataclass(frozen=True)
class Pin:
    """One thing the question pins its ask to, and how a unit shows it."""

    label: str  # as the partial lead names it: 「2024年」「ブラジル」「110億人」
    kind: str  # "year" | "month" | "product" | "country" | "name" | "figure"
    value: str  # the year, the canonical name, or the name/figure as written

    def met_by(self, text: str, heading: str) -> bool:
        if self.kind == "year":
            return self.value in _years_in(text)
        if self.kind == "month":
            return self.value in _MONTH.findall(_squash(text))
        if self.kind == "figure":
            return _squash(self.value) in _squash(text)
        if self.kind == "product":
            return self.value in find_products(f"{heading}\n{text}")
        if self.kind == "country":
            return self.value in find_countries(f"{heading}\n{text}")
        if self.kind == "scope":  # a prefecture's figure: a unit about the nation alone does not hold it
            return not _national_only(text)
        return self.value.lower() in f"{heading}\n{text}".lower()


@dataclass(frozen=True)
class Asked:
    pins: tuple[Pin, ...]
    kind: str | None  # the value type asked (bot.query.asked_type)
    several: bool  # the question asks two or more things (bot.asks.detect_asks)


SCOPE_WORDS_PATH = Path(__file__).parent / "data" / "scope_words.yaml"
# the value types a scope applies to: a nation's amount or count is not a prefecture's
_SCOPED_TYPES = FIGURE_TYPES


@lru_cache(maxsize=1)
def scope_patterns(path: Path = SCOPE_WORDS_PATH) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(national, prefectural) word patterns; a prefecture's name counts as prefectural."""
    keys = ("national", "prefectural", "prefectures")
    raw = read_word_lists(path, required=keys)
    if empty := [k for k in keys if not raw[k]]:
        raise DataFileError(path, f"{', '.join(empty)} が空です / empty list(s)")

    def form(word: str, bare_name: bool = False) -> str:
        text = unicodedata.normalize("NFKC", str(word))
        pattern = re.escape(text)
        if text.isascii():  # Mie is not read in 「premier」, national not in 「international」
            return rf"\b{pattern}\b"
        if text.startswith(("国", "政府")):  # not inside 韓国の/外国の/台湾政府, nor in どの国が
            pattern = rf"(?<![\u4e00-\u9fffのど]){pattern}"
        if bare_name:  # 「宮城の」「宮城産」, not 「大分増えた」 or 「山口さん」
            pattern += r"(?=県|府|都|道|の|産|で|は|が|に|内|全体|$)"
        return pattern

    def alternation(patterns: list[str]) -> re.Pattern[str]:
        return re.compile("|".join(sorted(patterns, key=len, reverse=True)), re.I)

    national = alternation([form(w) for w in raw["national"]])
    prefectural = alternation([form(w) for w in raw["prefectural"]]
                              + [form(w, bare_name=True) for w in raw["prefectures"]])
    return national, prefectural


def _prefectural_only(text: str) -> str | None:
    """How a text that speaks of a prefecture and not of the nation names it (「宮城県」「県」), else None."""
    national, prefectural = scope_patterns()
    text = unicodedata.normalize("NFKC", text)
    found = prefectural.search(text)
    if found is None or national.search(text):
        return None
    word = found.group(0)
    if word.startswith("県"):  # 県内, 県の: the prefecture unnamed
        return "県"
    # a bare name the question writes with 県 after it (宮城 + 県) is labelled as written
    return word + "県" if not word.endswith("県") and text[found.end():found.end() + 1] == "県" else word


def _national_only(text: str) -> bool:
    national, prefectural = scope_patterns()
    text = unicodedata.normalize("NFKC", text)
    return bool(national.search(text)) and not prefectural.search(text)


def _with_lead(unit, chunk_units) -> str:
    """The unit after its lead sentence or header row; a unit that names its own year is read with the lead's years
    blanked: 「…56ha(2023年産)」 under a lead about a 令和6年度 scheme is a 2023 figure, not a 2024 one."""
    if unit.lead is None or not _years_in(unit.text):
        return unit_text(unit, chunk_units)
    lead = _REIWA.sub(" ", _YEAR.sub(" ", chunk_units[unit.lead].text))
    return f"{lead}\n{unit.text}"


def _squash(text: str) -> str:
    return re.sub(r"[\s,]", "", unicodedata.normalize("NFKC", text))


def _years_in(text: str) -> set[str]:
    years = set(_YEAR.findall(text))
    for number in _REIWA.findall(text):
        years.add(str(2018 + (1 if number == "元" else int(number))))
    return years


@lru_cache(maxsize=512)  # the policy and the answerer both read it for the same question
def asked(analysis: QueryAnalysis) -> Asked:
    """What the question pins its ask to, and the answer type it asks for."""
    question = analysis.normalized
    pins: list[Pin] = [Pin(f"{y}年", "year", y) for y in sorted(_years_in(question))]
    pins += [Pin(f"{m}月", "month", m) for m in dict.fromkeys(_MONTH.findall(question))]
    pins += [Pin(p, "product", p) for p in analysis.products[:1]]
    pins += [Pin(c, "country", c) for c in analysis.countries[:1]]
    for name, kind in names_in(question):
        if kind == "country" or analysis.intent != "regulation":  # a rule speaks of foods by class (すべての食品)
            pins.append(Pin(name, "name", name))
    pins += [Pin(f.replace(" ", ""), "figure", f) for f in _FIGURE.findall(_YEAR.sub(" ", question))]
    value_type = asked_type(question)
    if value_type in _SCOPED_TYPES and (scope := _prefectural_only(question)):
        pins.append(Pin(scope, "scope", scope))
    return Asked(tuple(pins), value_type, detect_asks(question).joined)


def missing(analysis: QueryAnalysis, hits: list[ScoredChunk], evidence: "list[Evidence]",
            top_chunks: int = 3) -> tuple[str, ...]:
    """What the top chunks do not hold of the question's ask, as labels for the partial lead; () when they hold it.

    A single ask needs one answer unit (with its lead sentence or header row, and for products and destinations its
    chunk's title and section) that carries the asked value type and every pin; a question asking several things
    needs each pin somewhere. The units are those of the top chunks and the picked evidence (which may come from a
    lower chunk). A unit still to be filled in (●) carries no value."""
    ask = asked(analysis)
    if not ask.pins and ask.kind is None:
        return ()
    given = [p.value for p in ask.pins if p.kind == "figure"]

    counter = _asked_counter(analysis.normalized) if ask.kind == "count" else None

    def holds_type(text: str) -> bool:
        left = _values_left(text, given)
        if counter is not None:  # 「何社」 is answered by a number of 社, not by the unit's 「5か国」
            return bool(counter.search(left))
        return ask.kind is None or carries_type(ask.kind, left)

    units: list[tuple[str, str, bool]] = []  # (text with its lead, heading, carries the asked type)
    for hit in hits[:top_chunks]:
        chunk_units = answer_units(hit.chunk.text)
        heading = f"{hit.chunk.title}\n{hit.chunk.section}"
        for unit in chunk_units:
            units.append((_with_lead(unit, chunk_units), heading, holds_type(unit.text)))
    for picked in evidence:
        chunk = picked.hit.chunk
        units.append((picked.text, f"{chunk.title}\n{chunk.section}", holds_type(picked.text)))
    type_label = [TYPE_LABELS[ask.kind]] if ask.kind else []
    anywhere = [p.label for p in ask.pins if not any(p.met_by(text, heading) for text, heading, _t in units)]
    if ask.several:
        return tuple(anywhere)
    typed = [(text, heading) for text, heading, has_type in units if has_type]
    if not typed:
        return tuple(anywhere + type_label)
    numeric = [p for p in ask.pins if p.kind in _NUMERIC_PINS]
    # a figure's type (an amount, a rank) in a unit about another topic is a neighbour too, as a year is
    figure_type = ask.kind in _SCOPED_TYPES
    # the answerer's first pick holds the asked year or figure: its judgement of what the question is about stands
    first_holds = bool(evidence) and all(p.met_by(evidence[0].text, "") for p in numeric) and (
        not figure_type or holds_type(evidence[0].text))
    on_topic = None if not (numeric or figure_type) or first_holds else _TopicCover(analysis.normalized, ask, units)
    best: list[str] | None = None
    for text, heading in typed:
        unmet = [p.label for p in ask.pins if not p.met_by(text, heading)]
        if not unmet:
            if on_topic is None or on_topic.is_best(text, heading):
                return ()
            continue  # 2024 in a unit about something else than what the question asks of 2024
        if best is None or len(unmet) < len(best):
            best = unmet
    if best is None:
        return tuple([p.label for p in numeric] + type_label)
    return tuple(best + type_label)


# 「何社」「何か国」: the counter a count question asks in, and the forms a unit may write it in
_ASKED_COUNTER = re.compile(rf"何\s*({_COUNTERS})")
_COUNTER_FORMS = {"人": "人|名", "名": "人|名", "か国": "か国|カ国|ヶ国|国・地域", "カ国": "か国|カ国|ヶ国|国・地域",
                  "ヶ国": "か国|カ国|ヶ国|国・地域", "か所": "か所|カ所|箇所", "カ所": "か所|カ所|箇所", "店": "店舗|店",
                  "店舗": "店舗|店"}


def _asked_counter(question: str) -> re.Pattern[str] | None:
    found = _ASKED_COUNTER.search(question)
    if found is None:
        return None
    forms = _COUNTER_FORMS.get(found.group(1), re.escape(found.group(1)))
    return re.compile(rf"(\d|[一二三四五六七八九十])[\d,.]*\s*(?:{forms})")


def _values_left(text: str, given: list[str]) -> str:
    """The unit's text without what is still to be filled in (●) and without the figures the question itself names:
    「15社のうち台湾は何社？」 is not answered by the unit's 「15社」."""
    text = _squash(text.replace("●", ""))
    for figure in given:
        text = re.sub(rf"(?<![\d.]){re.escape(_squash(figure))}", " ", text)
    return text


class _TopicCover:
    """How much of what a question asks about (its content nouns beside the pins, weighted by how few of the candidate
    units use them) a unit holds. A unit with the asked year but less of the topic than the best unit is a neighbour:
    「バリューチェーン構築の2024年の実績」 is not answered by a 2024 figure about something else."""

    def __init__(self, question: str, ask: Asked, units: list[tuple[str, str, bool]]):
        named = {p.value.lower() for p in ask.pins} | {p.label.lower() for p in ask.pins}
        self.terms = [(form, surface) for form, surface in content_noun_forms(question)
                      if surface not in named and form not in named]
        texts = [f"{heading}\n{text}".lower() for text, heading, _typed in units]
        self.weight = {surface: math.log(1 + len(texts) / (1 + sum(1 for t in texts if surface in t or form in t)))
                       for form, surface in self.terms}
        self.best = max((self._cover(t) for t in texts), default=0.0)

    def _cover(self, lowered: str) -> float:
        return sum(self.weight[surface] for form, surface in self.terms if surface in lowered or form in lowered)

    def is_best(self, text: str, heading: str) -> bool:
        return self._cover(f"{heading}\n{text}".lower()) >= self.best - 1e-9
