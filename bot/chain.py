"""The one chain every channel and the evals call: question (+ conversation, audience) → cited Answer."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable

from langchain_core.runnables import Runnable, RunnableLambda

from bot import texts
from bot.answer_extractive import Evidence, ExtractiveAnswerer
from bot.curated import CuratedAnswerStore
from bot.errors import AssistantError, BadQuestion, IndexUnavailable
from bot.freshness import regulation_disclaimer
from bot.followup import conversation_context, is_follow_up, resolve_followup
from bot.models import Answer, AnswerMode, Citation, RetrievedChunk, Turn
from bot.policy import AbstentionSettings, AnswerPolicy
from bot.query import QueryAnalysis, analyze
from bot.retriever import HybridRetriever, RetrievalFilters, ScoredChunk
from bot.validation import check_question
from ingest import find_countries, find_products, visible

if TYPE_CHECKING:
    from bot.answer_llm import LLMAnswerer
    from bot.answer_stream import AnswerStream
    from ingest import LiveIndex

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChainSettings:
    k: int = 8
    max_question_chars: int = 500
    consultation_doc_id: str = "contact-export-consultation"
    source_max_age_months: int = 12  # see Settings.source_max_age_months
    abstention: AbstentionSettings = field(default_factory=AbstentionSettings)


@dataclass
class _Work:
    """What flows between the chain's steps."""

    question: str
    conversation: list[Turn]
    audience: str
    started: float
    filters: RetrievalFilters | None = None
    reader: Any = None  # the index snapshot pinned for this question: one generation from first step to last
    analysis: QueryAnalysis | None = None
    hits: list[ScoredChunk] = field(default_factory=list)
    answer: Answer | None = None
    on_token: Callable[[str], None] | None = None  # LLM mode: receives the answer's tokens as they arrive


class AssistantChain:
    def __init__(
        self,
        live_index: LiveIndex,
        retriever: HybridRetriever,
        extractive: ExtractiveAnswerer,
        settings: ChainSettings | None = None,
        curated: CuratedAnswerStore | None = None,
        llm: LLMAnswerer | None = None,
    ):
        self.live_index = live_index
        self.retriever = retriever
        self.extractive = extractive
        self.settings = settings or ChainSettings()
        self.curated = curated
        self.llm = llm
        self.policy = AnswerPolicy(live_index, extractive, self.settings.abstention)
        self.runnable: Runnable = (
            RunnableLambda(self._understand, name="understand")
            | RunnableLambda(self._curated_or_clarify, name="curated_or_clarify")
            | RunnableLambda(self._retrieve, name="retrieve")
            | RunnableLambda(self._answer, name="answer")
        )

    # --- public entry ---
    def ask(self, question: str, conversation: list[Turn] | None = None, audience: str = "public",
            filters: RetrievalFilters | None = None, on_token: Callable[[str], None] | None = None) -> Answer:
        """Answer one question; `filters` restrict retrieval to kinds, products or countries; `on_token` gets the
        LLM's tokens as they arrive (they may be rejected afterwards: the returned Answer is what counts)."""
        if audience not in ("public", "internal"):
            raise BadQuestion(f"unknown audience {audience!r}")
        work = _Work(question or "", list(conversation or []), audience, time.perf_counter(), filters, on_token=on_token)
        try:
            work.reader = self.live_index.current()  # the only call: a generation switch cannot split a question
            done: _Work = self.runnable.invoke(work)
        except AssistantError:
            raise
        except Exception as exc:  # a store or index fault must reach the user as 503, never a stack trace
            log.exception("chain failed")
            raise IndexUnavailable(str(exc)) from exc
        assert done.answer is not None
        done.answer.latency_ms = round((time.perf_counter() - work.started) * 1000, 2)
        return done.answer

    def stream(self, question: str, conversation: list[Turn] | None = None, audience: str = "public",
               filters: RetrievalFilters | None = None) -> "AnswerStream":
        """The answer as a plain iterator of text pieces (LLM tokens as they arrive); see docs/chain.md."""
        from bot.answer_stream import AnswerStream

        return AnswerStream(lambda on_token: self.ask(question, conversation, audience, filters, on_token=on_token))

    @property
    def streams_tokens(self) -> bool:
        """Only an LLM produces its text over time; an extractive answer is ready all at once."""
        return self.llm is not None

    def ask_stream(self, question: str, conversation: list[Turn], audience: str):
        """For channels that stream (Slack's chat.startStream): the model's tokens, then the checked Answer.
        Only an LLM produces text over time; without one this is an ordinary answer, so Slack posts it once."""
        if self.llm is None:
            yield self.ask(question, conversation, audience)
            return
        stream = self.stream(question, conversation, audience)
        yield from stream
        yield stream.answer

    # --- steps ---
    def _understand(self, work: _Work) -> _Work:
        stripped = check_question(work.question, self.settings.max_question_chars)
        effective, carried = resolve_followup(stripped, work.conversation)
        if self.llm is not None and is_follow_up(stripped, work.conversation):
            # LLM mode condenses the follow-up itself; the rule-based rewrite stays as the fallback
            effective = self.llm.condense(stripped, work.conversation, carried) or effective
        work.analysis = analyze(effective, carried, conversation_context(stripped, work.conversation))
        return work

    def _curated_or_clarify(self, work: _Work) -> _Work:
        analysis = work.analysis
        assert analysis is not None
        if self.curated is not None:
            found = self.curated.match(analysis.normalized, work.audience)
            if found:
                curated, _similarity = found
                work.answer = Answer(
                    text=f"{texts.CURATED_LEAD}\n{curated.answer_text}",
                    citations=list(curated.citations),
                    as_of=_newest([c.as_of for c in curated.citations]),
                    mode="curated",
                    slots=self._slots(analysis),
                )
                return work
        if analysis.needs_destination:
            work.answer = self._clarify(analysis, work)
        return work

    def _clarify(self, analysis: QueryAnalysis, work: _Work) -> Answer:
        """Ask which destination, offering those the rule notes cover for the product; for a product no rule note
        covers, say so, name the destinations the documents mention for it and point to the authorities."""
        product = analysis.product or analysis.product_phrase or ""
        ruled = self.policy.has_rules_note(analysis.product, work.audience, work.reader)
        if ruled:
            options = self.policy.countries_covered(analysis.product or product, work.audience, work.reader)
            if len(options) < 2:  # rule notes written for one destination or none: offer where the documents go too
                mentioned = self.policy.countries_mentioned(analysis.product, work.audience, work.reader)
                options = list(dict.fromkeys([*options, *mentioned]))[:8]
            text = texts.CLARIFY_COUNTRY + (f"\n{texts.CLARIFY_OPTIONS_LEAD}{'、'.join(options)}" if options else "")
        else:
            options = self.policy.countries_mentioned(analysis.product, work.audience, work.reader)
            text = texts.no_rules_note(product, options)
        return Answer(text=text, clarify=texts.CLARIFY_COUNTRY, clarify_options=options, mode="clarify",
                      slots=self._slots(analysis))

    def _retrieve(self, work: _Work) -> _Work:
        if work.answer is not None:
            return work
        assert work.analysis is not None
        work.hits = self.retriever.search(work.analysis, audience=work.audience, k=self.settings.k,
                                          filters=work.filters, reader=work.reader)
        if len(work.analysis.products) > 1:
            work.hits = self._merge_per_product(work)
        return work

    def _answer(self, work: _Work) -> _Work:
        if work.answer is not None:
            return work
        analysis = work.analysis
        assert analysis is not None
        retrieved = [_retrieved(h) for h in work.hits]
        given = tuple(t.text for t in work.conversation if t.role == "assistant")
        evidence = self.extractive.select(analysis, work.hits, given=given, reader=work.reader)
        decision = self.policy.decide(analysis, work.hits, evidence, work.reader, work.audience)
        if decision.outcome == "abstain":
            work.answer = self._abstain(analysis, work.audience, retrieved, work.reader)
            work.answer.features = decision.features
            return work
        if decision.outcome == "partial":
            work.answer = self._partial(analysis, work, evidence, retrieved, decision.missing or "")
            work.answer.features = decision.features
            return work
        status = self.policy.destination_status(analysis, work.hits, work.audience, work.reader)
        if status is not None:
            evidence = [status] + [e for e in evidence if e.text != status.text]
        text, cited = self.extractive.compose(evidence, lead=status)
        mode: AnswerMode = "extractive"
        fallback_reason: str | None = None
        if self.llm is not None:
            generated = self.llm.answer(analysis, work.hits, work.conversation, status=status, on_token=work.on_token)
            if generated.accepted:
                text, cited, mode = generated.text or text, generated.cited, "llm"  # led by 【結論】 already
            else:
                mode, fallback_reason = "fallback", generated.reason
        if status is not None and mode != "llm":
            text = f"{texts.STATUS_LEAD}{text}"
        if analysis.is_english and mode == "extractive":
            text = f"{texts.ENGLISH_LEAD}\n{text}"
        citations = [_citation(i + 1, hit) for i, hit in enumerate(cited)]
        regulatory = analysis.intent in ("regulation", "procedure") or any(
            h.chunk.kind in ("regulation", "procedure") for h in cited
        )
        work.answer = Answer(
            text=text,
            citations=citations,
            retrieved=retrieved,
            as_of=_newest([c.as_of for c in citations]),
            disclaimer=regulation_disclaimer(_newest([c.as_of for c in citations]), self.settings.source_max_age_months)
            if regulatory else None,
            mode=mode,
            fallback_reason=fallback_reason,
            slots=self._slots(analysis),
            features=decision.features,
        )
        return work

    def _partial(self, analysis: QueryAnalysis, work: _Work, evidence: list[Evidence],
                 retrieved: list[RetrievedChunk], missing: str) -> Answer:
        """The related facts the documents hold, under a lead naming what they lack, and the desk pointer."""
        text, cited = self.extractive.compose(evidence)
        citations = [_citation(i + 1, hit) for i, hit in enumerate(cited)]
        desk = self._desk(work.audience, work.reader)
        pointer = texts.ABSTAIN_POINTER
        if desk is not None and all(c.doc_id != desk.doc_id for c in citations):
            citations.append(_citation(len(citations) + 1, ScoredChunk(desk, 0.0)))
            pointer += f"[{len(citations)}]"
        return Answer(
            text=f"{texts.partial_lead(missing)}\n{text}\n{pointer}",
            outcome="partial",
            citations=citations,
            retrieved=retrieved,
            as_of=_newest([c.as_of for c in citations]),
            mode="partial",
            slots=self._slots(analysis),
        )

    def _desk(self, audience: str, reader: Any):
        desk = [c for c in reader.chunks.values() if c.doc_id == self.settings.consultation_doc_id
                and visible(c.audience, audience)]
        return desk[0] if desk else None

    def _merge_per_product(self, work: _Work) -> list[ScoredChunk]:
        """A question about two products gets the best chunks of each, interleaved after the joint ones."""
        analysis = work.analysis
        assert analysis is not None
        merged = list(work.hits[:2])
        per_product = [
            self.retriever.search(replace(analysis, products=(product,)), audience=work.audience,
                                  k=self.settings.k, filters=work.filters, reader=work.reader)
            for product in analysis.products
        ]
        for rank in range(self.settings.k):
            for hits in [*per_product, work.hits]:
                if rank < len(hits) and all(h.chunk.chunk_id != hits[rank].chunk.chunk_id for h in merged):
                    merged.append(hits[rank])
        return merged[: self.settings.k + 2]

    def _abstain(self, analysis: QueryAnalysis, audience: str, retrieved: list[RetrievedChunk], reader: Any) -> Answer:
        citations: list[Citation] = []
        desk = self._desk(audience, reader)
        if desk is not None:
            citations.append(_citation(1, ScoredChunk(desk, 0.0)))
        pointer = texts.ABSTAIN_POINTER + ("[1]" if citations else "")
        return Answer(
            text=f"{texts.ABSTAIN}\n{pointer}",
            abstained=True,
            outcome="abstain",
            citations=citations,
            retrieved=retrieved,
            as_of=_newest([c.as_of for c in citations]),
            mode="abstain",
            slots=self._slots(analysis),
        )

    @staticmethod
    def _slots(analysis: QueryAnalysis) -> dict[str, str | None]:
        return {"question": analysis.normalized, **analysis.slots}


def _retrieved(hit: ScoredChunk) -> RetrievedChunk:
    c = hit.chunk
    return RetrievedChunk(
        chunk_id=c.chunk_id, doc_id=c.doc_id, title=c.title, section=c.section, text=c.text,
        score=round(hit.score, 6), as_of=c.as_of, audience=c.audience,
    )


def _citation(number: int, hit: ScoredChunk) -> Citation:
    c = hit.chunk
    return Citation(
        number=number, chunk_id=c.chunk_id, doc_id=c.doc_id, title=c.title, section=c.section,
        anchor=c.anchor, as_of=c.as_of, url=f"/sources/{c.doc_id}#{c.anchor}", text=c.text,
    )


def _newest(dates: list[str | None]) -> str | None:
    present = [d for d in dates if d]
    return max(present) if present else None
