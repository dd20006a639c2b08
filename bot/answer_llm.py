"""Optional LLM answerer over any OpenAI-compatible endpoint: bounded, streamed, and checked before it is served."""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from bot import texts
from bot.answer_check import AnswerCheckSettings, Verdict, check_answer, check_condensed
from bot.answer_extractive import Evidence
from bot.models import CITATION_MARKER, Turn
from bot.query import QueryAnalysis
from bot.retriever import ScoredChunk

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

PROMPTS = Path(__file__).parent / "prompts"
NO_ANSWER = "NO_ANSWER"

TokenSink = Callable[[str], None]


@dataclass(frozen=True)
class Generated:
    """What the LLM made of one question: served when `text` is set, else `reason` says why not."""

    text: str | None = None
    cited: list[ScoredChunk] = field(default_factory=list)
    reason: str = ""

    @property
    def accepted(self) -> bool:
        return self.text is not None


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: str | None


class EndpointFailed(Exception):
    """The endpoint did not give a whole answer in time (timeout, refused, HTTP error, bad body)."""


def prompt_instruction_lines(template: str) -> list[str]:
    """The fixed lines of a prompt template (not its {placeholders}): an answer holding one echoes the prompt."""
    return [sentence.strip(" -") for line in template.splitlines() if line.strip() and "{" not in line
            for sentence in re.split(r"(?<=[。:：])", line) if sentence.strip(" -")]


class LLMAnswerer:
    def __init__(self, llm: BaseChatModel, max_context_chunks: int = 5, timeout_seconds: float = 20.0,
                 check: AnswerCheckSettings = AnswerCheckSettings()):
        self.llm = llm
        self.max_context_chunks = max_context_chunks
        self.timeout_seconds = timeout_seconds
        self.check = check
        self.answer_prompt = (PROMPTS / "answer_ja.txt").read_text(encoding="utf-8")
        self.condense_prompt = (PROMPTS / "condense_ja.txt").read_text(encoding="utf-8")
        self._answer_lines = prompt_instruction_lines(self.answer_prompt)
        self._condense_lines = prompt_instruction_lines(self.condense_prompt)

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
            max_tokens=settings.llm_max_tokens,  # type: ignore[call-arg]  # accepted by ChatOpenAI (field alias), not in its signature
            stop=list(settings.llm_stop) or None,
        )
        return cls(llm, timeout_seconds=settings.llm_timeout_seconds)

    # --- the endpoint ---
    def _complete(self, prompt: str, on_token: TokenSink | None = None) -> Completion:
        """One bounded completion; streamed piece by piece into `on_token` when given."""
        try:
            if on_token is None:
                message = self.llm.invoke(prompt)
                content = getattr(message, "content", message)
                finish = (getattr(message, "response_metadata", None) or {}).get("finish_reason")
                if not isinstance(content, str):
                    raise EndpointFailed(f"no text in the reply ({type(content).__name__})")
                return Completion(content, finish)
            return self._stream(prompt, on_token)
        except EndpointFailed:
            raise
        except Exception as exc:  # timeout, refused connection, HTTP error, unreadable body
            raise EndpointFailed(str(exc) or type(exc).__name__) from exc

    def _stream(self, prompt: str, on_token: TokenSink) -> Completion:
        # the client's timeout is per read; a model that trickles tokens forever is stopped here
        deadline = time.monotonic() + self.timeout_seconds
        pieces: list[str] = []
        finish: str | None = None
        stream = self.llm.stream(prompt)
        try:
            for chunk in stream:
                content = getattr(chunk, "content", "")
                if isinstance(content, str) and content:
                    pieces.append(content)
                    on_token(content)
                finish = (getattr(chunk, "response_metadata", None) or {}).get("finish_reason") or finish
                if time.monotonic() > deadline:
                    raise EndpointFailed(f"no whole answer within {self.timeout_seconds:g} s")
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()  # drops the connection: the server cancels the generation
        return Completion("".join(pieces), finish)

    # --- answers ---
    def context_hits(self, hits: list[ScoredChunk], status: Evidence | None) -> list[ScoredChunk]:
        """The chunks the prompt shows; the status sentence's chunk always among them."""
        context = hits[: self.max_context_chunks]
        if status is not None and all(h.chunk.chunk_id != status.hit.chunk.chunk_id for h in context):
            context = [status.hit, *context[: self.max_context_chunks - 1]]
        return context

    def prompt(self, analysis: QueryAnalysis, context: list[ScoredChunk]) -> str:
        blocks = "\n\n".join(f"[{i}] {h.chunk.title} / {h.chunk.section}\n{h.chunk.text}" for i, h in enumerate(context, start=1))
        return self.answer_prompt.format(context=blocks, question=analysis.normalized)

    def answer(self, analysis: QueryAnalysis, hits: list[ScoredChunk], conversation: list[Turn],
               status: Evidence | None = None, on_token: TokenSink | None = None) -> Generated:
        """The checked answer, renumbered [1].. in citation order and led by 【結論】 when a status sentence exists."""
        context = self.context_hits(hits, status)
        if not context:
            return Generated(reason="no chunk to answer from")
        try:
            completion = self._complete(self.prompt(analysis, context), on_token)
        except EndpointFailed as exc:
            log.warning("LLM endpoint failed, serving the extractive answer: %s", exc)
            return Generated(reason=f"endpoint: {exc}")
        text = completion.text.strip()
        if NO_ANSWER in text:
            log.info("LLM found no answer in the context (NO_ANSWER); the extractive answer decides")
            return Generated(reason="no answer in the context (NO_ANSWER)")
        verdict: Verdict = check_answer(
            text, [h.chunk.text for h in context], question=analysis.normalized,
            prompt_lines=self._answer_lines, finish_reason=completion.finish_reason,
            status_sentence=status.text if status else None, settings=self.check,
        )
        if not verdict.ok:
            log.warning("LLM answer rejected, serving the extractive answer: %s", verdict.reason)
            return Generated(reason=f"rejected: {verdict.reason}")
        if status is not None:
            position = next(i for i, h in enumerate(context, start=1) if h.chunk.chunk_id == status.hit.chunk.chunk_id)
            text = f"{texts.STATUS_LEAD}{status.text}[{position}]\n{text}"
        order: list[int] = []
        for m in CITATION_MARKER.findall(text):
            if int(m) not in order:
                order.append(int(m))
        renumber = {old: new for new, old in enumerate(order, start=1)}
        text = CITATION_MARKER.sub(lambda m: f"[{renumber[int(m.group(1))]}]", text)
        return Generated(text=text, cited=[context[m - 1] for m in order])

    # --- follow-ups ---
    def condense(self, question: str, conversation: list[Turn], carried: dict[str, str | None]) -> str | None:
        """The follow-up rewritten as one question, or None (the rule-based rewrite stays) when it fails the check."""
        if not conversation:
            return None
        history = "\n".join(f"{'利用者' if t.role == 'user' else 'アシスタント'}: {t.text}" for t in conversation[-6:])
        try:
            completion = self._complete(self.condense_prompt.format(history=history, question=question))
        except EndpointFailed as exc:
            log.warning("LLM endpoint failed while condensing, keeping the rule-based rewrite: %s", exc)
            return None
        verdict = check_condensed(completion.text, question, carried, self._condense_lines,
                                  finish_reason=completion.finish_reason)
        if not verdict.ok:
            log.warning("condensed follow-up rejected, keeping the rule-based rewrite: %s", verdict.reason)
            return None
        return completion.text.strip()


def llm_from_settings(settings: Any) -> LLMAnswerer | None:
    """The LLM answerer for `answerer=llm`, or None (extractive answers, logged as an error) when the server would
    drive the model through a chat template the model does not know."""
    if settings.llm_template_check == "auto":
        from bot.llm_capability import check_chat_template

        report = check_chat_template(settings.llm_base_url, timeout=min(5.0, settings.llm_timeout_seconds))
        if not report.usable:
            log.error("LLM mode is off, answers stay extractive: %s", report.reason)
            return None
        log.info("LLM chat template: %s", report.reason)
    return LLMAnswerer.from_settings(settings)
