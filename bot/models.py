"""Typed data the chain returns and the channels render: Answer, Citation, RetrievedChunk, Turn."""
from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

Audience = Literal["public", "internal"]
# "fallback": the extractive answer, served because the LLM's answer was rejected or its endpoint failed
AnswerMode = Literal["extractive", "llm", "fallback", "curated", "abstain", "clarify", "partial"]
# answer: the asked facts; partial: related facts under a lead naming what the documents lack; abstain: none
Outcome = Literal["answer", "partial", "abstain"]


class Turn(BaseModel):
    """One earlier turn of a conversation, oldest first."""

    role: Literal["user", "assistant"]
    text: str
    # slots the assistant understood for that turn (product, country); lets follow-ups carry them over
    slots: dict[str, str | None] = Field(default_factory=dict)


# the [n] an answer's sentence carries for the citation numbered n
CITATION_MARKER = re.compile(r"\[(\d+)\]")


class Citation(BaseModel):
    number: int  # the [n] marker used in the answer text
    chunk_id: str
    doc_id: str
    title: str
    section: str  # section path joined with " > "
    anchor: str
    as_of: str | None = None
    url: str  # "/sources/{doc_id}#{anchor}", relative to the web endpoint
    text: str  # the cited chunk text


class RetrievedChunk(BaseModel):
    chunk_id: str
    doc_id: str
    title: str
    section: str
    text: str
    score: float
    as_of: str | None = None
    audience: str = "public"


class Answer(BaseModel):
    text: str
    abstained: bool = False
    outcome: Outcome = "answer"
    clarify: str | None = None  # a question back to the user when the answer depends on a missing slot
    clarify_options: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    retrieved: list[RetrievedChunk] = Field(default_factory=list)
    as_of: str | None = None  # newest as_of among the sources used
    disclaimer: str | None = None
    mode: AnswerMode = "extractive"
    fallback_reason: str | None = None  # mode "fallback": why the LLM answer was not served
    slots: dict[str, str | None] = Field(default_factory=dict)
    latency_ms: float = 0.0
    # what the policy decided on (answerability features); read by the evals, never sent to a channel
    features: dict[str, float] = Field(default_factory=dict, exclude=True)
