"""Ask the chain for the web: check the question, carry the conversation, shape the answer for JSON and SSE."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio

from bot.consultation_log import Channel, Origin
from bot.models import Answer, Audience, Turn
from bot.validation import check_question
from bot.web.schemas import AskRequest, AskResponse, CitationOut
from bot.web.state import WebState
from ingest import sentence_pieces

if TYPE_CHECKING:
    from bot.answer_stream import AnswerStream
    from bot.services import Services

MAX_PIECE_CHARS = 40


@dataclass(frozen=True)
class PreparedQuestion:
    question: str
    conversation_id: str
    turns: list[Turn]
    audience: Audience
    channel: Channel = "web"


def web_channel(origin_header: str | None) -> Channel:
    """A browser always sends Origin on a POST (the widget on a host page, /demo); a partner's server does not."""
    return "widget" if origin_header else "web"


def prepare(state: WebState, body: AskRequest, audience: Audience, channel: Channel = "web") -> PreparedQuestion:
    """Check the question (before any slot is taken or stream started) and open (or continue) its conversation."""
    question = check_question(body.question, state.settings.max_question_chars)
    conversation_id = state.conversations.open(body.conversation_id, audience)
    return PreparedQuestion(question, conversation_id, state.conversations.turns(conversation_id), audience, channel)


def ask_chain(services: "Services", prepared: PreparedQuestion) -> Answer:
    """The blocking call; run it in a worker thread (see run_chain)."""
    return services.chain.ask(prepared.question, prepared.turns, prepared.audience)


def stream_chain(services: "Services", prepared: PreparedQuestion) -> "AnswerStream":
    """The streaming call: iterate it (blocking) for text pieces, then read its `answer`."""
    return services.chain.stream(prepared.question, prepared.turns, prepared.audience)


async def run_chain(state: WebState, services: "Services", prepared: PreparedQuestion) -> Answer:
    """Answer in the bounded answer pool: on 2 cores, a few answers at a time finish sooner than many at once,
    and /api/health and the feedback writes keep threads of their own."""
    return await anyio.to_thread.run_sync(ask_chain, services, prepared, limiter=state.answer_pool)


def finish(state: WebState, prepared: PreparedQuestion, answer: Answer) -> AskResponse:
    """Remember the exchange (for follow-ups and feedback), log the consultation, and build the response body."""
    answer_id = state.conversations.add_exchange(
        prepared.conversation_id, prepared.question, answer.text, answer.slots
    )
    if answer_id is None:  # the conversation expired while the chain was answering: start afresh
        conversation_id = state.conversations.open(None, prepared.audience)
        answer_id = state.conversations.add_exchange(conversation_id, prepared.question, answer.text, answer.slots)
        prepared = PreparedQuestion(prepared.question, conversation_id, [], prepared.audience, prepared.channel)
    if state.services is not None:  # logged under the answer_id /api/feedback rates; queued, never waited on
        state.services.record(prepared.question, answer, prepared.audience, Origin(prepared.channel), answer_id)
    return to_response(answer, answer_id or "", prepared.conversation_id)


def to_response(answer: Answer, answer_id: str, conversation_id: str) -> AskResponse:
    return AskResponse(
        answer_id=answer_id,
        conversation_id=conversation_id,
        text=answer.text,
        citations=[
            CitationOut(
                number=c.number, title=c.title, section=c.section, as_of=c.as_of, url=c.url, doc_id=c.doc_id
            )
            for c in answer.citations
        ],
        abstained=answer.abstained,
        clarify=answer.clarify,
        clarify_options=list(answer.clarify_options),
        as_of=answer.as_of,
        disclaimer=answer.disclaimer,
        mode=answer.mode,
        outcome=answer.outcome,
    )


def stream_pieces(text: str, max_chars: int = MAX_PIECE_CHARS) -> list[str]:
    """Split an answer into pieces for the SSE `answer` events; joined, they give back the text exactly."""
    pieces: list[str] = []
    for sentence in sentence_pieces(text):  # a piece ends at a sentence end or a line break
        for start in range(0, len(sentence), max_chars):
            pieces.append(sentence[start : start + max_chars])
    return pieces
