"""The default answerer: picks the source sentences that answer the question and cites each one. No LLM."""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.query import QueryAnalysis
from bot.retriever import ScoredChunk
from ingest import find_countries, find_products
from ingest import split_sentences as split_units

_QUANTITY = re.compile(
    r"(何|いくら|どれ(くらい|ぐらい|だけ)|どの(くらい|ぐらい)|いつ|何年|何件|何トン|何頭|何社|何名|何人|何店|"
    r"how (many|much|long)|when|what year|number of)",
    re.I,
)
_LISTY = re.compile(r"(一覧|挙げ|すべて|全部|4つ|四つ|6品目|六品目|基本方針|それぞれ|あわせて|合わせて|両方|list|what are|each|both)", re.I)
_TABLE_RULE = re.compile(r"^\|?[\s:\-|]+\|?$")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Evidence:
    """A sentence picked for the answer, with where it came from."""

    text: str
    hit: ScoredChunk
    position: int  # sentence index inside its chunk
    score: float
    terms: frozenset[str] = frozenset()


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


def _table_row(line: str) -> str:
    """A Markdown table row read as one line of text: cells joined by 、."""
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    return "、".join(c for c in cells if c)


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of a chunk, stripped, without empties, bare markers or table rules."""
    out = []
    for part in split_units(text):
        if len(part) <= 1 or re.fullmatch(r"[○〇・●■◆\-\s]+", part) or _TABLE_RULE.match(part):
            continue
        if part.startswith("|"):
            part = _table_row(part)
        out.append(part)
    return out


def _similar(a: set[str], b: set[str]) -> bool:
    """Two sentences saying the same thing (a note restating the strategy, say): keep one."""
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= 0.7


def _clean(sentence: str) -> str:
    return re.sub(r"^[○〇・●■◆\-]\s*", "", sentence).strip()


class ExtractiveAnswerer:
    """Scores every sentence of the top chunks by weighted term overlap with the question."""

    def __init__(self, tokenize: Callable[[str], list[str]], settings: ExtractiveSettings | None = None):
        self.tokenize = tokenize
        self.settings = settings or ExtractiveSettings()

    def select(self, analysis: QueryAnalysis, hits: list[ScoredChunk]) -> list[Evidence]:
        s = self.settings
        several = len(analysis.products) > 1 or len(analysis.countries) > 1
        candidates: list[tuple[str, ScoredChunk, int, set[str]]] = []
        for hit in hits[: s.chunks_considered + (2 if several else 0)]:
            for position, sentence in enumerate(split_sentences(hit.chunk.text)):
                if "●" in sentence:  # a figure the draft has not filled in yet is no answer
                    continue
                candidates.append((sentence, hit, position, set(self.tokenize(sentence))))
        if not candidates:
            return []
        query_terms = set(self.tokenize(analysis.search_text))
        if not query_terms:
            return []
        n = len(candidates)
        df = {t: sum(1 for c in candidates if t in c[3]) for t in query_terms}
        weight = {t: math.log(1 + n / (1 + df[t])) for t in query_terms}
        total = sum(weight.values()) or 1.0
        wants_number = bool(_QUANTITY.search(analysis.normalized))
        scored: list[Evidence] = []
        for rank, (sentence, hit, position, terms) in enumerate(candidates):
            overlap = sum(weight[t] for t in query_terms & terms) / total
            chunk_rank = hits.index(hit)
            score = overlap / (1 + 0.25 * chunk_rank)
            if analysis.product and analysis.product in find_products(sentence):
                score += s.slot_bonus
            if analysis.country and analysis.country in find_countries(sentence):
                score += s.slot_bonus
            if wants_number and _DIGIT.search(sentence):
                score += s.number_bonus
            scored.append(Evidence(_clean(sentence), hit, position, score, frozenset(terms)))
        scored.sort(key=lambda e: -e.score)
        best = scored[0]
        listy = bool(_LISTY.search(analysis.normalized))
        limit_chars = s.max_chars_list if listy else s.max_chars
        limit_sentences = s.max_sentences_list if listy else s.max_sentences
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
            picked = self._cover_each(analysis, scored, picked, limit_chars)
        return picked

    @staticmethod
    def _cover_each(analysis: QueryAnalysis, scored: list[Evidence], picked: list[Evidence],
                    limit_chars: int) -> list[Evidence]:
        """「いちごと日本酒、それぞれ…」: make sure every named product (or country) has its best sentence."""
        used = sum(len(p.text) for p in picked)
        for name, finder in [(p, find_products) for p in analysis.products] + [(c, find_countries) for c in analysis.countries]:
            if any(name in finder(p.text) for p in picked):
                continue
            best = next((e for e in scored if name in finder(e.text) and e not in picked and e.score > 0), None)
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
