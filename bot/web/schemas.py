"""Request and response bodies of the web API: the OpenAPI document generated from them is the contract."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.models import AnswerMode, Outcome


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # checked by bot/validation.py, not here: the limit counts the NFKC-normalized text and errors are one 400
    question: str = Field(description="質問（日本語または英語）。NFKC 正規化後の文字数が上限以内であること")
    conversation_id: str | None = Field(default=None, description="前回の応答の conversation_id（続きの質問）")


class CitationOut(BaseModel):
    number: int = Field(description="回答文中の [n] の番号")
    title: str
    section: str
    as_of: str | None = None
    url: str = Field(description="出典ページへのリンク（/sources/{doc_id}#{anchor}）")
    doc_id: str


class AskResponse(BaseModel):
    answer_id: str = Field(description="フィードバック（/api/feedback）で使う回答 ID")
    conversation_id: str
    text: str
    citations: list[CitationOut]
    abstained: bool
    clarify: str | None = None
    clarify_options: list[str] = Field(default_factory=list)
    as_of: str | None = None
    disclaimer: str | None = None
    mode: AnswerMode
    outcome: Outcome = Field(
        default="answer",
        description="answer: 質問への回答 / partial: 質問の値は資料にないが関連する記載を示す / abstain: 回答を控えた",
    )


class FeedbackRequest(BaseModel):
    answer_id: str = Field(min_length=1, max_length=64)
    rating: Literal["up", "down"]
    comment: str | None = Field(default=None, max_length=2000)


class FeedbackResponse(BaseModel):
    id: int
    message: str


class HealthResponse(BaseModel):
    status: Literal["ok"] = "ok"
    slack: Literal["on", "off"]
    index_generation: str | None = None


class ReadyResponse(BaseModel):
    ready: bool
    message: str


class ErrorResponse(BaseModel):
    """Every error of the API: a machine-readable code and a Japanese message for the user."""

    code: str
    message: str
