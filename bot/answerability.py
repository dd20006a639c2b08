"""Answerability as a calibrated model: per-question features over the audience's own documents, and a small
logistic regression (coefficients in bot/data/answerability.json, refit by `python -m evals calibrate`)."""
from __future__ import annotations

import json
import math
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.answer_extractive import Evidence
from bot.query import FIGURE_TYPES, QueryAnalysis, asked_type, asked_type_missing, content_noun, content_noun_forms, glossary_terms
from bot.names import names_in
from bot.retriever import ScoredChunk
from ingest import find_countries, find_products, load_vocabulary, noun_morphemes

MODEL_PATH = Path(__file__).parent / "data" / "answerability.json"
# What the model weighs. Not the retrieval margins (dense_gap, margin: still reported): their scale follows the
# index's size, so a model fit on one index misread another (a small index's wide gaps read as unanswerable). Not
# the share of everyday words the documents never use (unknown_word_share: still reported): casual wording
# (お客さんの反応, 手応え) must not lower the reading, and cross-validated on dev the model is as good without it.
FEATURES = ("dense", "coverage", "coverage_expanded", "unknown_name_share", "type_missing",
            "year_missing", "year_value_missing", "product_missing", "country_missing", "evidence", "evidence_coverage")
# a standardized feature is read within this many deviations: an index unlike the one the model was fit on must not
# push a question far outside what the fit saw
CLIP = 3.0
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_LATIN_TOKEN = re.compile(r"^[a-z0-9.\-]+$")
_YEAR_MENTION = re.compile(r"(?:19|20)\d{2}\s*(?:年度|年)?")
_LINE = re.compile(r"[\n。]")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
# A question word meets an index term in e5 space from this cosine on (手応え ~ 反響/評価), nearest few only.
NEIGHBOUR_COSINE = 0.88
NEIGHBOURS = 5
WORD_CACHE = 4096
EMBED_CACHE_FILE = "embeddings.sqlite"  # the index folder's own cache, as ingest names it


@dataclass(frozen=True)
class AnswerabilityModel:
    """p(answerable) = sigmoid(intercept + Σ coef·(x − mean)/scale); answered from `threshold` on."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float

    def probability(self, values: dict[str, float]) -> float:
        z = self.intercept + sum(
            c * max(-CLIP, min(CLIP, (values.get(name, 0.0) - m) / (s or 1.0)))
            for name, m, s, c in zip(self.features, self.mean, self.scale, self.coef)
        )
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "AnswerabilityModel":
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(tuple(raw["features"]), tuple(raw["mean"]), tuple(raw["scale"]), tuple(raw["coef"]),
                   float(raw["intercept"]), float(raw["threshold"]))


class AudienceVocabulary:
    """The index terms of one audience's documents (public questions never see internal words), with their e5
    vectors for expanding a question word the documents never use; rebuilt when the generation changes."""

    def __init__(self, tokenize, cache_path: Path | None = None):
        self.tokenize = tokenize
        self.cache_path = cache_path  # the shared embedding cache (EXPORT_BOT_EMBED_CACHE); None: the index's own
        self._lock = threading.Lock()
        self._built: dict[tuple[str, str], tuple[frozenset[str], list[str], np.ndarray | None]] = {}
        self._word_vectors: dict[str, np.ndarray] = {}  # question words the documents never use, embedded once
        self._position_of: tuple[int, dict[str, int]] = (0, {})

    def _positions(self, names: list[str]) -> dict[str, int]:
        if self._position_of[0] != id(names):
            self._position_of = (id(names), {name: i for i, name in enumerate(names)})
        return self._position_of[1]

    def terms(self, reader: Any, audience: str) -> frozenset[str]:
        return self._get(reader, audience)[0]

    def nouns(self, reader: Any, audience: str) -> list[str]:
        """The audience's content nouns (two characters or more, Japanese) that question words are compared with."""
        return self._get(reader, audience, with_vectors=True)[1]

    def neighbours(self, reader: Any, audience: str, words: list[str]) -> dict[str, list[tuple[str, float]]]:
        """For each word, the nearest audience terms by e5 cosine (≥ NEIGHBOUR_COSINE), best first."""
        if not words:
            return {}
        _terms, names, matrix = self._get(reader, audience, with_vectors=True)
        if matrix is None or not len(names):
            return {w: [] for w in words}
        # a word the documents use elsewhere already has its vector; only words new to them are embedded (once)
        position = self._positions(names)
        fresh = [w for w in words if w not in position and w not in self._word_vectors]
        if fresh:
            embedded = np.asarray(reader.embedder.embed_passages(fresh), dtype=np.float32)
            embedded /= np.linalg.norm(embedded, axis=1, keepdims=True) + 1e-9
            with self._lock:
                if len(self._word_vectors) > WORD_CACHE:
                    self._word_vectors.clear()
                self._word_vectors.update(zip(fresh, embedded))
        vectors = np.stack([matrix[position[w]] if w in position else self._word_vectors[w] for w in words])
        sims = vectors @ matrix.T
        found: dict[str, list[tuple[str, float]]] = {}
        for row, word in enumerate(words):
            best = np.argsort(-sims[row])[:NEIGHBOURS]
            found[word] = [(names[i], float(sims[row, i])) for i in best if sims[row, i] >= NEIGHBOUR_COSINE]
        return found

    def _get(self, reader: Any, audience: str, with_vectors: bool = False):
        key = (reader.generation, audience)
        with self._lock:
            built = self._built.get(key)
            if built is None or (with_vectors and built[2] is None):
                # the index's own vocabulary, from its postings: tokenizing every chunk again took 66 s and 1.1 GB
                # at 100k chunks (the tokenizer's cache kept 50k of the token lists)
                terms = built[0] if built is not None else reader.terms(audience)
                # the content nouns of the same chunks, from the nouns the index keeps (cutting every chunk again
                # took 34 s at 100k chunks, at the first question of each audience)
                nouns = {found[0] for noun in (reader.nouns(audience) if with_vectors else ())
                         if (found := content_noun(noun)) is not None}
                names = sorted(t for t in nouns if len(t) >= 2 and _JAPANESE.search(t))
                matrix = self._vectors(reader, names) if with_vectors and names else None
                built = (terms, names, matrix)
                self._built = {k: v for k, v in self._built.items() if k[0] == reader.generation}
                self._built[key] = built
            return built

    def _vectors(self, reader: Any, names: list[str]) -> np.ndarray:
        """Unit e5 vectors of the vocabulary nouns, through the shared embedding cache (about 1,400 nouns: minutes
        on two busy cores the first time, a lookup after)."""
        from ingest import EmbeddingCache, embed_cached

        path = self.cache_path or Path(reader.index_dir) / EMBED_CACHE_FILE
        try:
            with EmbeddingCache(path) as cache:
                matrix, _fresh = embed_cached(reader.embedder, cache, names)
        except OSError:  # a read-only index folder: embed without remembering
            matrix = reader.embedder.embed_passages(names)
        matrix = np.asarray(matrix, dtype=np.float32)
        return matrix / (np.linalg.norm(matrix, axis=1, keepdims=True) + 1e-9)


def _known_by_another_form(noun: str, known: frozenset[str], tokenize) -> bool:
    """The documents use another form of the noun: a form of the same vocabulary product or country (牡蠣 → カキ), or
    a term the glossary gives it (ドンキ → PPIH). Only forms these documents use count: a product only internal notes
    name is still unknown to a public caller."""
    vocabulary = load_vocabulary()
    forms = [f for canonical in find_products(noun) for f in (canonical, *vocabulary.products.get(canonical, ()))]
    forms += [f for canonical in find_countries(noun) for f in (canonical, *vocabulary.countries.get(canonical, ()))]
    forms += glossary_terms(noun)
    return any((tokens := tokenize(form)) and all(t in known for t in tokens) for form in forms)


def _is_name(noun: str) -> bool:
    """A product, country, food or place name (the vocabulary, bot/data/general_names.yaml, or Sudachi's proper
    nouns), as against a common word."""
    if find_products(noun) or find_countries(noun) or names_in(noun):
        return True
    return any(pos1 == "固有名詞" for _form, _surface, pos1, _pos2 in noun_morphemes(noun))


def _year_has_value(year: str, texts: list[str]) -> bool:
    """Some line naming the year also holds a number that is not itself a year."""
    for text in texts:
        for line in _LINE.split(text):
            if year in line and re.search(r"\d", _YEAR_MENTION.sub("", line)):
                return True
    return False


def question_features(analysis: QueryAnalysis, hits: list[ScoredChunk], evidence: list[Evidence], reader: Any,
                      audience: str, vocabulary: AudienceVocabulary, top_chunks: int = 3) -> dict[str, float]:
    """The signals the answerability model weighs; every one is read from the audience's documents only."""
    top = hits[:top_chunks]
    present: set[str] = set()
    for hit in top:
        present |= set(vocabulary.tokenize(hit.chunk.indexed_text))
    nouns = [] if analysis.is_english else list(dict.fromkeys(f for f, _s in content_noun_forms(analysis.normalized)))
    nouns = [n for n in nouns if not _LATIN_TOKEN.match(n)]
    known = vocabulary.terms(reader, audience)
    matched = [n for n in nouns if n in present]
    unmatched = [n for n in nouns if n not in present]
    expanded = 0.0
    if unmatched:
        for word, near in vocabulary.neighbours(reader, audience, unmatched).items():
            expanded += max((sim for term, sim in near if term in present), default=0.0)
    coverage = len(matched) / len(nouns) if nouns else 1.0
    coverage_expanded = (len(matched) + expanded) / len(nouns) if nouns else 1.0
    # a word the vocabulary or the glossary reads as the documents' own words (牡蠣 → 水産物/カキ, ドンキ → PPIH) is
    # not unknown to them, whatever its spelling
    unknown = [n for n in nouns if n not in known and not _known_by_another_form(n, known, vocabulary.tokenize)]
    # a name the documents never use (a product, a place: 「メロン」「ケニア」) says the question is about something they
    # do not cover; an everyday word they never use (ペース, お客さん, チェック) says only that it is worded otherwise
    unknown_names = [n for n in unknown if _is_name(n)]
    in_evidence: set[str] = set()
    for e in evidence:
        in_evidence |= set(vocabulary.tokenize(e.text))
    dense = sorted((h.dense for h in hits if h.dense is not None), reverse=True)
    scores = [h.score for h in hits]
    evidence_text = " ".join(e.text for e in evidence)
    asked_years = set(_YEAR.findall(analysis.normalized))
    return {
        "dense": round(dense[0], 4) if dense else 0.0,
        "dense_gap": round(dense[0] - dense[min(4, len(dense) - 1)], 4) if dense else 0.0,
        "margin": round(scores[0] - scores[1], 4) if len(scores) > 1 else (scores[0] if scores else 0.0),
        "coverage": round(coverage, 4),
        "coverage_expanded": round(min(1.0, coverage_expanded), 4),
        "unknown_word_share": round((len(unknown) - len(unknown_names)) / len(nouns), 4) if nouns else 0.0,
        "unknown_name_share": round(len(unknown_names) / len(nouns), 4) if nouns else 0.0,
        # the asked value type (bot.query.asked_type) must occur in the picked sentences or the top chunks:
        # a date one sentence away is the sentence picker's miss, not the documents'
        "type_missing": float(asked_type_missing(analysis.normalized, [e.text for e in evidence]
                                                 + [h.chunk.text for h in top]) is not None),
        "year_missing": float(bool(asked_years) and not all(y in evidence_text for y in asked_years)),
        # a figure next to the asked one: the year is there but no line of the top chunks gives it a value (only when
        # a figure is asked: 「2022年度と2023年度はそれぞれどこの国で？」 wants places, not numbers)
        # (a table row 「2024：」 left empty, 「2027：●千円以上」 still to be set)
        "year_value_missing": float(bool(asked_years) and asked_type(analysis.normalized) in FIGURE_TYPES and not all(
            _year_has_value(y, [h.chunk.text for h in top]) for y in asked_years)),
        "product_missing": float(bool(analysis.product) and not any(analysis.product in e.hit.chunk.products
                                                                      for e in evidence)),
        "country_missing": float(bool(analysis.country) and not any(analysis.country in e.hit.chunk.countries
                                                                      for e in evidence)),
        "evidence": round(evidence[0].score, 4) if evidence else 0.0,
        # the picked sentences themselves, not just their chunks, must speak of what is asked
        "evidence_coverage": round(sum(n in in_evidence for n in nouns) / len(nouns), 4) if nouns else 1.0,
    }
