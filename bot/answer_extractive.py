"""The default answerer: picks the source sentences that answer the question and cites each one. No LLM."""
from __future__ import annotations

import math
import re

import numpy as np
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from bot.ask_support import asked
from bot.asks import LIST_LEAD, Asks, detect_asks, types_in
from bot.note_self_reference import asks_about_the_source, speaks_about_the_note
from bot.query import QueryAnalysis
from bot.sentence_scorer import SentenceScorer
from bot.retriever import ScoredChunk
from ingest import find_countries, find_products
from ingest import Unit, answer_units

_QUANTITY = re.compile(
    r"(何|いくら|どれ(くらい|ぐらい|だけ)|どの(くらい|ぐらい)|いつ|何年|何件|何トン|何頭|何社|何名|何人|何店|"
    r"how (many|much|long)|when|what year|number of)",
    re.I,
)
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Evidence:
    """A sentence picked for the answer, with where it came from."""

    text: str
    hit: ScoredChunk
    position: int  # sentence index inside its chunk
    score: float
    terms: frozenset[str] = frozenset()
    lead: int | None = None  # position of the lead sentence / header row in the same chunk
    is_item: bool = False
    types: frozenset[str] = frozenset()  # answer types the unit carries
    features: tuple[float, ...] = ()  # the scorer's inputs, in FEATURES order (bot/sentence_scorer.py)


@dataclass(frozen=True)
class ExtractiveSettings:
    max_chars: int = 300
    max_chars_list: int = 450
    max_sentences: int = 3
    max_sentences_list: int = 5
    chunks_considered: int = 5
    keep_ratio: float = 0.55  # a further sentence must score at least this share of the best one
    slot_bonus: float = 0.15
    number_bonus: float = 0.1
    type_bonus: float = 0.1  # per asked answer type the unit carries
    given_penalty: float = 0.5  # a unit the conversation already gave


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of a chunk, stripped, without empties, bare markers or table rules."""
    return [u.text for u in answer_units(text)]


def _similar(a: AbstractSet[str], b: AbstractSet[str]) -> bool:
    """Two sentences saying the same thing (a note restating the strategy, say): keep one."""
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= 0.7


def _cosine(row: "np.ndarray | None", position: int) -> float:
    """A unit's dense cosine, 0 when the index has no unit vectors (written before them) or the row is short."""
    return float(row[position]) if row is not None and position < len(row) else 0.0


def _clean(sentence: str) -> str:
    return re.sub(r"^[○〇・●■◆\-]\s*", "", sentence).strip()


class ExtractiveAnswerer:
    """Scores every unit of the top chunks by weighted term overlap, answer type and slots; covers each ask."""

    def __init__(self, tokenize: Callable[[str], list[str]], settings: ExtractiveSettings | None = None,
                 scorer: SentenceScorer | None = None,
                 unit_cosines: Callable[[str, str, Any], "np.ndarray | None"] | None = None):
        self.tokenize = tokenize
        # (question, chunk id, index snapshot or None) → cosine of each unit's ingest vector to the question, by unit position
        self.unit_cosines = unit_cosines
        self.settings = settings or ExtractiveSettings()
        self.scorer = scorer  # a fitted linear scorer replaces the hand-weighted score when given

    def candidates(self, analysis: QueryAnalysis, hits: list[ScoredChunk], given: tuple[str, ...] = ()) -> list[Evidence]:
        """Every scored unit of the top chunks, best first (what `select` picks from; the scorer is fit on these)."""
        return self._scored(analysis, hits, given)[0]

    def _scored(self, analysis: QueryAnalysis, hits: list[ScoredChunk], given: tuple[str, ...], reader: Any = None):
        s = self.settings
        several = len(analysis.products) > 1 or len(analysis.countries) > 1
        asks = detect_asks(analysis.normalized)
        candidates: list[tuple[Unit, ScoredChunk, set[str]]] = []
        about_source = asks_about_the_source(analysis.normalized)
        for hit in hits[: s.chunks_considered + (2 if several or asks.several else 0)]:
            for unit in answer_units(hit.chunk.text):
                if "●" in unit.text:  # a figure the draft has not filled in yet is no answer
                    continue
                if not about_source and speaks_about_the_note(unit.text):  # 「出典は、…」 is about the note
                    continue
                candidates.append((unit, hit, set(self.tokenize(unit.text))))
        if not candidates:
            return [], {}, detect_asks(analysis.normalized), False
        # sorted: a float sum over a set depends on the hash seed, and near-ties then flip from run to run
        query_terms = sorted(set(self.tokenize(analysis.search_text)))
        if not query_terms:
            return [], {}, detect_asks(analysis.normalized), False
        n = len(candidates)
        df = {t: sum(1 for c in candidates if t in c[2]) for t in query_terms}
        weight = {t: math.log(1 + n / (1 + df[t])) for t in query_terms}
        total = sum(weight[t] for t in query_terms) or 1.0
        wants_number = bool(_QUANTITY.search(analysis.normalized))
        earlier = "\n".join(given)
        scored: list[Evidence] = []
        by_place: dict[tuple[str, int], Evidence] = {}
        cosines = {hit.chunk.chunk_id: self.unit_cosines(analysis.search_text, hit.chunk.chunk_id, reader)
                   for hit in hits} if self.unit_cosines is not None else {}
        head_terms = {hit.chunk.chunk_id: set(self.tokenize(f"{hit.chunk.title} {hit.chunk.section}")) for hit in hits}
        for unit, hit, terms in candidates:
            overlap = sum(weight[t] for t in query_terms if t in terms) / total
            chunk_rank = hits.index(hit)
            score = overlap / (1 + 0.25 * chunk_rank)
            product = bool(analysis.product and analysis.product in find_products(unit.text))
            country = bool(analysis.country and analysis.country in find_countries(unit.text))
            number = bool(wants_number and _DIGIT.search(unit.text))
            found = types_in(unit.text)
            type_hits = sum(1 for t in asks.types if t in found)
            repeated = bool(earlier and _clean(unit.text) in earlier)
            score += s.slot_bonus * (product + country) + s.number_bonus * number + s.type_bonus * type_hits
            heading = sum(weight[t] for t in query_terms if t in head_terms[hit.chunk.chunk_id]) / total
            features = (overlap, 1 / (1 + chunk_rank), float(product), float(country), float(number), float(type_hits),
                        1 / (1 + unit.position), heading, float(repeated), len(unit.text) / 100,
                        _cosine(cosines.get(hit.chunk.chunk_id), unit.position))
            if self.scorer is not None:
                score = self.scorer.score(features)
            if repeated:
                score *= s.given_penalty
            ev = Evidence(_clean(unit.text), hit, unit.position, score, frozenset(terms), unit.lead, unit.is_item,
                          found, features)
            scored.append(ev)
            by_place[(hit.chunk.chunk_id, unit.position)] = ev
        scored.sort(key=lambda e: -e.score)
        return scored, by_place, asks, several

    def select(self, analysis: QueryAnalysis, hits: list[ScoredChunk], given: tuple[str, ...] = (),
               reader: Any = None) -> list[Evidence]:
        """The units that answer the question; `given` holds earlier answers of the conversation, preferred not again;
        `reader` is the question's index snapshot (its unit vectors belong to the same generation as `hits`)."""
        s = self.settings
        scored, by_place, asks, several = self._scored(analysis, hits, given, reader)
        if not scored:
            return []
        best = scored[0]
        wide = asks.several or asks.wants_list or several
        limit_chars = s.max_chars_list if wide else s.max_chars
        limit_sentences = s.max_sentences_list if wide else s.max_sentences
        picked = [best]
        used = len(best.text)
        for ev in scored[1:]:
            if len(picked) >= limit_sentences or ev.score < best.score * s.keep_ratio:
                break
            if any(ev.text == p.text or _similar(ev.terms, p.terms) for p in picked) or used + len(ev.text) > limit_chars:
                continue
            picked.append(ev)
            used += len(ev.text)
        if several:
            picked = self._cover_each(analysis, asks, scored, picked, limit_chars)
        picked = self._cover_types(asks, scored, picked, limit_chars)
        return self._with_context(picked, by_place, limit_chars, asks.wants_list)

    @staticmethod
    def _cover_types(asks: Asks, scored: list[Evidence], picked: list[Evidence], limit_chars: int) -> list[Evidence]:
        """「金額と量は？」: every asked answer type gets a unit that carries it, when the top chunks hold one."""
        if len(asks.types) < 2:
            return picked
        used = sum(len(p.text) for p in picked)
        for wanted in asks.types:
            if any(wanted in p.types for p in picked):
                continue
            best = next((e for e in scored if wanted in e.types and e not in picked and e.score > 0), None)
            if best is not None and used + len(best.text) <= limit_chars:
                picked.append(best)
                used += len(best.text)
        return picked

    @staticmethod
    def _with_context(picked: list[Evidence], by_place: dict[tuple[str, int], Evidence], limit_chars: int,
                      wants_list: bool) -> list[Evidence]:
        """An item brings its lead, a row its header, and a lead that introduces a list brings its items."""
        out = list(picked)
        used = sum(len(p.text) for p in out)

        def add(ev: Evidence | None) -> None:
            nonlocal used
            if ev is not None and ev not in out and used + len(ev.text) <= limit_chars:
                out.append(ev)
                used += len(ev.text)

        def items_of(lead: Evidence) -> list[Evidence]:
            chunk_id = lead.hit.chunk.chunk_id
            return sorted((e for (cid, _), e in by_place.items() if cid == chunk_id and e.lead == lead.position),
                          key=lambda e: e.position)

        for ev in picked:
            lead = by_place.get((ev.hit.chunk.chunk_id, ev.lead)) if ev.lead is not None else None
            add(lead)
            if ev.is_item:
                # two items of one list picked: the list is the answer, so its lead brings the rest in order
                if lead is not None and sum(p.lead == ev.lead and p.hit is ev.hit for p in picked) >= 2 \
                        and (wants_list or LIST_LEAD.search(lead.text)):
                    for item in items_of(lead):
                        add(item)
                continue
            items = items_of(ev)
            if items and (wants_list or LIST_LEAD.search(ev.text)):
                for item in items:
                    add(item)
        return out

    @staticmethod
    def _cover_each(analysis: QueryAnalysis, asks: Asks, scored: list[Evidence], picked: list[Evidence],
                    limit_chars: int) -> list[Evidence]:
        """「いちごと日本酒、2025年の目標はそれぞれ…」: every named product (or country) gets a sentence, the one that
        also holds the rest of the ask (the year, the value type asked) when there is one."""
        others = [p for p in asked(analysis).pins if p.kind not in ("product", "country")]

        def fit(e: Evidence) -> tuple[int, int]:
            heading = f"{e.hit.chunk.title}\n{e.hit.chunk.section}"
            return sum(p.met_by(e.text, heading) for p in others), len(set(asks.types) & e.types)

        full = (len(others), len(asks.types))
        used = sum(len(p.text) for p in picked)
        for name, finder in [(p, find_products) for p in analysis.products] + [(c, find_countries) for c in analysis.countries]:
            about = [p for p in picked if name in finder(p.text)]
            if about and max(fit(p) for p in about) >= min(full, max(
                    (fit(e) for e in scored if name in finder(e.text)), default=full)):
                continue  # a picked sentence about it already holds as much of the ask as any sentence does
            candidates = [e for e in scored if name in finder(e.text) and e not in picked and e.score > 0]
            best = max(candidates, key=lambda e: (fit(e), e.score)) if candidates else None
            if best is not None and used + len(best.text) <= limit_chars + 150:
                picked.append(best)
                used += len(best.text)
        return picked

    @staticmethod
    def compose(evidence: list[Evidence], lead: Evidence | None = None) -> tuple[str, list[ScoredChunk]]:
        """Answer text with [n] markers, and the cited hits in marker order; `lead` goes first."""
        order: list[ScoredChunk] = []
        for ev in evidence:
            if ev.hit not in order:
                order.append(ev.hit)
        # read like the source: by cited chunk, then by sentence position inside it
        ordered = sorted(evidence, key=lambda e: (e is not lead, order.index(e.hit), e.position))
        lines = [f"{ev.text}[{order.index(ev.hit) + 1}]" for ev in ordered]
        return "\n".join(lines), order
