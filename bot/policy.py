"""The chain's decisions in one place: whether to answer (answer / partial / abstain), when to ask back (clarify), which rule
sentence leads (rules first) and what an audience may see."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bot.answer_extractive import Evidence, ExtractiveAnswerer, split_sentences
from bot.ask_support import TYPE_LABELS as _TYPE_LABELS
from bot.ask_support import missing as unmet_pins
from bot.answerability import MODEL_PATH, AnswerabilityModel, AudienceVocabulary, question_features
from bot.query import QueryAnalysis, asked_type, asked_type_missing
from bot.retriever import ScoredChunk
from ingest import find_countries, find_products, visible

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_BAN_WORDS = ("禁輸", "輸入規制", "輸入停止", "認定", "登録", "基準", "必須", "必要")


@dataclass(frozen=True)
class AbstentionSettings:
    """Where the answerability model lives and the floors around it."""

    model_path: Path = MODEL_PATH  # fitted by `python -m evals calibrate` on dev + counterfactuals
    # a question the model would not answer still gets the related facts (partial) when the evidence is on topic
    # and what is missing can be named (a year, a figure type, a product, a destination); else abstain
    partial_min_dense: float = 0.8
    top_chunks: int = 3


@dataclass(frozen=True)
class Decision:
    """What the policy decided for one question, and what it decided on."""

    outcome: Literal["answer", "partial", "abstain"]
    features: dict[str, float] = field(default_factory=dict)
    missing: str | None = None  # what the documents do not hold, for the partial lead (「2024年の件数」)




class AnswerPolicy:
    """Answerability, clarify options and the rules-first lead, over one index snapshot."""

    def __init__(self, live_index: Any, extractive: ExtractiveAnswerer, settings: AbstentionSettings | None = None):
        self.live_index = live_index
        self.extractive = extractive
        self.settings = settings or AbstentionSettings()
        config = getattr(live_index, "config", None)
        self.vocabulary = AudienceVocabulary(extractive.tokenize, getattr(config, "embed_cache", None))
        self.model = AnswerabilityModel.load(self.settings.model_path) if self.settings.model_path.is_file() else None

    def abstention_features(self, analysis: QueryAnalysis, hits: list[ScoredChunk],
                            evidence: list[Evidence], reader: Any = None, audience: str = "public") -> dict[str, float]:
        """The signals the answerability model weighs (returned with every answer for the evals)."""
        reader = reader or self.live_index.current()
        return question_features(analysis, hits, evidence, reader, audience, self.vocabulary,
                                 self.settings.top_chunks)

    def decide(self, analysis: QueryAnalysis, hits: list[ScoredChunk], evidence: list[Evidence], reader: Any,
               audience: str) -> Decision:
        if not hits or not evidence:
            return Decision("abstain")
        f = self.abstention_features(analysis, hits, evidence, reader, audience)
        searched_dense = any(h.dense is not None for h in hits)
        if self.model is None:
            return Decision("answer", f)
        values = dict(f)
        if not searched_dense:  # a lexical-only chain has no cosine: judge it on the other signals
            values.update({name: self.model.mean[i] for i, name in enumerate(self.model.features)
                           if name in ("dense", "dense_gap")})
        probability = self.model.probability(values)
        unmet = unmet_pins(analysis, hits, evidence, self.settings.top_chunks)
        f = {**f, "p_answerable": round(probability, 4), "pins_unmet": float(len(unmet))}
        missing = self._missing(analysis, evidence, f) or ("の".join(unmet) if unmet else None)
        on_topic = not searched_dense or f["dense"] >= self.settings.partial_min_dense
        if unmet and on_topic and probability >= self.model.threshold:
            # the neighbourhood is there but no unit holds the asked value with what the question pins it to
            # (the year, product, destination or figure named): give the neighbours and say what is missing
            return Decision("partial", f, "の".join(unmet))
        if f.get("country_missing"):
            # no picked sentence is about the asked destination: another country's rule is no answer (a rule, not
            # a weight: the counterfactual destinations are outside the vocabulary, so the model never learns it)
            partial = missing is not None and (not searched_dense or f["dense"] >= self.settings.partial_min_dense)
            return Decision("partial" if partial else "abstain", f, missing if partial else None)
        if probability >= self.model.threshold:
            return Decision("answer", f)
        if missing and (not searched_dense or f["dense"] >= self.settings.partial_min_dense):
            return Decision("partial", f, missing)
        return Decision("abstain", f)

    def should_abstain(self, analysis: QueryAnalysis, hits: list[ScoredChunk], evidence: list[Evidence],
                       reader: Any = None, audience: str = "public") -> bool:
        return self.decide(analysis, hits, evidence, reader or self.live_index.current(), audience).outcome != "answer"

    @staticmethod
    def _missing(analysis: QueryAnalysis, evidence: list[Evidence], f: dict[str, float]) -> str | None:
        """Name what the documents lack: the asked year, destination or product, and the figure type."""
        parts: list[str] = []
        if f.get("year_missing") or f.get("year_value_missing"):
            parts.extend(f"{y}年" for y in sorted(set(_YEAR.findall(analysis.normalized))))
        if f.get("country_missing") and analysis.country:
            parts.append(analysis.country)
        if f.get("product_missing") and analysis.product:
            parts.append(analysis.product)
        kind = asked_type_missing(analysis.normalized, [e.text for e in evidence]) if f.get("type_missing") else None
        if kind:
            parts.append(_TYPE_LABELS[kind])
        elif parts and (kind := asked_type(analysis.normalized)):
            parts.append(_TYPE_LABELS[kind])
        return "の".join(parts) if parts else None

    def destination_status(self, analysis: QueryAnalysis, hits: list[ScoredChunk], audience: str,
                           reader: Any = None) -> Evidence | None:
        """For product + destination questions, the regulation sentence about that pair, to lead with."""
        if not (analysis.product and analysis.country) or analysis.intent != "regulation":
            return None
        reader = reader or self.live_index.current()
        candidates: list[ScoredChunk] = [
            h for h in hits
            if h.chunk.kind == "regulation" and analysis.product in h.chunk.products
        ]
        if not candidates:
            for chunk in reader.chunks.values():
                if (chunk.kind == "regulation" and analysis.product in chunk.products
                        and analysis.country in chunk.countries
                        and visible(chunk.audience, audience)):
                    candidates.append(ScoredChunk(chunk, 0.0))
        best: Evidence | None = None
        for hit in candidates:
            about_product = analysis.product in find_products(f"{hit.chunk.title} {hit.chunk.section}")
            for position, sentence in enumerate(split_sentences(hit.chunk.text)):
                if analysis.country not in find_countries(sentence):
                    continue
                if not about_product and analysis.product not in find_products(sentence):
                    continue
                weight = sum(1 for w in _BAN_WORDS if w in sentence) + (1 if re.search(r"\d{4}年", sentence) else 0)
                if best is None or weight > best.score:
                    best = Evidence(sentence.lstrip("○〇・- ").strip(), hit, position, float(weight))
        return best

    def has_rules_note(self, product: str | None, audience: str, reader: Any) -> bool:
        """Whether a rule note the audience may read is written for this product."""
        return bool(product) and any(
            meta.kind == "regulation" and product in meta.products and visible(meta.audience, audience)
            for meta in reader.documents.values())

    def countries_mentioned(self, product: str | None, audience: str, reader: Any) -> list[str]:
        """Destinations any document the audience may read names for this product (cases, strategy notes)."""
        if not product:
            return []
        counts: Counter[str] = Counter()
        for meta in reader.documents.values():
            if product in meta.products and visible(meta.audience, audience):
                counts.update(meta.countries)
        return [name for name, _ in counts.most_common(8)]

    def countries_covered(self, product: str, audience: str, reader: Any = None) -> list[str]:
        """Destinations the rule notes for a product are written for (their front matter, not every country a
        note happens to mention, such as alternative markets)."""
        reader = reader or self.live_index.current()
        counts: Counter[str] = Counter()
        for meta in reader.documents.values():
            if meta.kind == "regulation" and product in meta.products and visible(meta.audience, audience):
                counts.update(meta.countries)
        return [name for name, _ in counts.most_common(8)]
