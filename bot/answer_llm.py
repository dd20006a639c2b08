"""Optional LLM answerer over any OpenAI-compatible endpoint; grounded, cited, validated, else None."""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from bot.models import Turn
from bot.query import QueryAnalysis
from bot.retriever import ScoredChunk

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

PROMPTS = Path(__file__).parent / "prompts"
_MARKER = re.compile(r"\[(\d+)\]")
NO_ANSWER = "NO_ANSWER"


class LLMAnswerer:
    """Returns (text, cited hits) or None; None makes the chain serve the extractive answer."""

    def __init__(self, llm: BaseChatModel, max_context_chunks: int = 5):
        self.llm = llm
        self.max_context_chunks = max_context_chunks
        self.answer_prompt = (PROMPTS / "answer_ja.txt").read_text(encoding="utf-8")
        self.condense_prompt = (PROMPTS / "condense_ja.txt").read_text(encoding="utf-8")

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMAnswerer:
        from langchain_openai import ChatOpenAI

        llm = ChatOpenAI(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=SecretStr(settings.llm_api_key),
            timeout=settings.llm_timeout_seconds,
            max_retries=0,
            temperature=0,
        )
        return cls(llm)

    def _complete(self, prompt: str) -> str | None:
        try:
            message = self.llm.invoke(prompt)
        except Exception as exc:  # timeout, refused connection, HTTP error: fall back, and say so in the log
            log.warning("LLM endpoint failed, serving the extractive answer: %s", exc)
            return None
        content = getattr(message, "content", message)
        return content.strip() if isinstance(content, str) else None

    def answer(self, analysis: QueryAnalysis, hits: list[ScoredChunk], conversation: list[Turn]) -> tuple[str, list[ScoredChunk]] | None:
        context_hits = hits[: self.max_context_chunks]
        if not context_hits:
            return None
        context = "\n\n".join(
            f"[{i}] {h.chunk.title} / {h.chunk.section}\n{h.chunk.text}" for i, h in enumerate(context_hits, start=1)
        )
        text = self._complete(self.answer_prompt.format(context=context, question=analysis.normalized))
        if not text or NO_ANSWER in text:
            if text:
                log.info("LLM found no answer in the context; extractive answer decides")
            return None
        markers = [int(m) for m in _MARKER.findall(text)]
        if not markers or any(m < 1 or m > len(context_hits) for m in markers):
            log.warning("LLM answer rejected: citations %s do not point at the %d retrieved chunks", markers, len(context_hits))
            return None
        order: list[int] = []
        for m in markers:
            if m not in order:
                order.append(m)
        renumber = {old: new for new, old in enumerate(order, start=1)}
        text = _MARKER.sub(lambda m: f"[{renumber[int(m.group(1))]}]", text)
        return text, [context_hits[m - 1] for m in order]

    def condense(self, question: str, conversation: list[Turn]) -> str | None:
        if not conversation:
            return None
        history = "\n".join(f"{'利用者' if t.role == 'user' else 'アシスタント'}: {t.text}" for t in conversation[-6:])
        text = self._complete(self.condense_prompt.format(history=history, question=question))
        return text.splitlines()[0].strip() if text else None
