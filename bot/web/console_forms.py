"""Reading the console's forms: URL-encoded bodies, the curated-answer fields and their checks, chosen sources."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from urllib.parse import parse_qs

from fastapi import Request

from bot.chain import _citation as chain_citation
from bot.models import Citation
from bot.query import normalize_question
from bot.retriever import ScoredChunk
from ingest import Chunk
from bot.web import console_texts as t
from bot.web.console_views import CuratedFormValues, SourceChoice

MAX_BODY_CHARS = 4000
MAX_QUESTIONS = 20
FORM_TYPE = "application/x-www-form-urlencoded"


class FormUnreadable(Exception):
    """The body is not a URL-encoded form in UTF-8."""


async def read_form(request: Request) -> dict[str, list[str]]:
    """The fields of a URL-encoded body; an empty body is an empty form (a bare POST then fails its CSRF check)."""
    body = await request.body()
    if not body:
        return {}
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
        raise FormUnreadable("not a form")
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError) as error:
        raise FormUnreadable(str(error)) from error


def first(form: Mapping[str, list[str]], name: str) -> str:
    values = form.get(name) or [""]
    return values[0]


def parse_curated(form: Mapping[str, list[str]], sources: Mapping[str, SourceChoice]
                  ) -> tuple[CuratedFormValues, list[str]]:
    """The values as typed (so a re-shown form loses nothing) and the problems with them, in Japanese."""
    questions = tuple(q.strip() for q in first(form, "questions").splitlines() if normalize_question(q))
    values = CuratedFormValues(
        questions=questions,
        body=first(form, "body").strip(),
        sources=tuple(dict.fromkeys(form.get("source", []))),
        audience=first(form, "audience"),
        review_by=first(form, "review_by").strip(),
        group=first(form, "group"),
    )
    errors = []
    if not values.questions:
        errors.append(t.ERROR_NO_QUESTION)
    if not values.body:
        errors.append(t.ERROR_NO_BODY)
    elif len(values.body) > MAX_BODY_CHARS:
        errors.append(t.ERROR_BODY_TOO_LONG)
    if len(values.questions) > MAX_QUESTIONS:
        values = CuratedFormValues(values.questions[:MAX_QUESTIONS], values.body, values.sources, values.audience,
                                   values.review_by, values.group)
    if values.audience not in t.AUDIENCE_NAMES:
        errors.append(t.ERROR_BAD_AUDIENCE)
    if values.review_by:
        try:
            date.fromisoformat(values.review_by)
        except ValueError:
            errors.append(t.ERROR_BAD_DATE)
    unknown = [s for s in values.sources if s not in sources]
    if unknown:
        errors.append(t.ERROR_UNKNOWN_SOURCE)
    elif values.audience == "public" and any(sources[s].audience != "public" for s in values.sources):
        errors.append(t.ERROR_INTERNAL_SOURCE)
    return values, errors


def source_choices(reader) -> dict[str, SourceChoice]:
    """Every document of the current index, by title."""
    docs = sorted(reader.documents.values(), key=lambda m: (m.title, m.doc_id))
    return {m.doc_id: SourceChoice(m.doc_id, m.title, m.audience) for m in docs}


def citations_for(reader, doc_ids: tuple[str, ...]) -> list[Citation]:
    """A citation of each chosen document's opening chunk, numbered in the order chosen."""
    openings: dict[str, Chunk] = {}
    for chunk in reader.chunks.values():
        if chunk.doc_id in doc_ids and (chunk.doc_id not in openings or chunk.ordinal < openings[chunk.doc_id].ordinal):
            openings[chunk.doc_id] = chunk
    chosen = [openings[d] for d in doc_ids if d in openings]
    # the chain's own citation builder, so a curated source links exactly like a retrieved one
    return [chain_citation(i + 1, ScoredChunk(chunk, 0.0)) for i, chunk in enumerate(chosen)]
