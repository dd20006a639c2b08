"""Pure Block Kit rendering of an Answer, split to fit Slack's limits (3,000 chars a section, 50 blocks)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot import texts
from bot.models import Answer, Citation

SECTION_LIMIT = 3000  # Slack rejects a section whose text is longer
BLOCKS_LIMIT = 50  # Slack rejects a message with more blocks
FALLBACK_LIMIT = 3000  # notification text; Slack truncates very long `text` anyway
BUTTON_VALUE_LIMIT = 2000  # Slack's limit for a button value
BUTTONS_PAGE_CHARS = 3000  # more text than this on a page and the buttons move to a message of their own
BUTTONS_ONLY_TEXT_CHARS = 1000  # that message's fallback text (also what 👍/👎 records as the answer)

# action ids: the listeners in bot/slack/listeners/ route on these
ACTION_FEEDBACK = "answer_feedback"  # Slack's feedback_buttons element: 👍/👎, whose clicked state Slack keeps
RATING_UP, RATING_DOWN = "up", "down"
ACTION_CONSULT = "consult_coordinator"
ACTION_SHARE = "share_to_channel"
ACTION_CLARIFY_PREFIX = "clarify_country:"  # + option index: action ids must be unique within a block
MAX_CLARIFY_BUTTONS = 10

Block = dict[str, Any]


@dataclass(frozen=True)
class SlackMessage:
    """One chat.postMessage worth of content."""

    text: str  # fallback for notifications and screen readers
    blocks: list[Block] = field(default_factory=list)


def escape_mrkdwn(text: str) -> str:
    """Slack treats &, < and > as control characters in mrkdwn; user/document text must not trigger them."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def neutralize_markup(text: str) -> str:
    """For streamed markdown_text: angle brackets as full-width ones, so no piece of a model's output (or a
    question it repeats) can become <!channel> or a disguised link, whatever markup Slack applies there."""
    return text.replace("<", "＜").replace(">", "＞")


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split into pieces of at most `limit` chars, preferring line then sentence boundaries; nothing is lost."""
    if not text:
        return []
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n"), 0)
        if cut < limit // 2:
            # no useful line break: end at the last Japanese or Latin sentence end instead
            cut = max(window.rfind(mark) + 1 for mark in ("。", "．", "！", "？", ". ", "\n"))
        if cut < limit // 2:
            cut = limit
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        pieces.append(rest)
    return pieces


def source_link(citation: Citation, public_base_url: str) -> str:
    base = public_base_url.rstrip("/")
    return f"{base}{citation.url}" if base else citation.url


def citation_line(citation: Citation, public_base_url: str) -> str:
    label = escape_mrkdwn(citation.title + (f" > {citation.section}" if citation.section else ""))
    link = source_link(citation, public_base_url)
    # Slack only renders absolute http(s) links; a relative one is shown as plain text after the label
    shown = f"<{link}|{label}>" if link.startswith(("http://", "https://")) else f"{label}（{escape_mrkdwn(link)}）"
    as_of = f"（{citation.as_of}{texts.SLACK_AS_OF_SUFFIX}）" if citation.as_of else ""
    return f"[{citation.number}] {shown}{as_of}"


def unique_citations(citations: list[Citation]) -> list[Citation]:
    """One line per citation number, in number order (the chain may cite a chunk twice)."""
    seen: dict[int, Citation] = {}
    for citation in citations:
        seen.setdefault(citation.number, citation)
    return [seen[n] for n in sorted(seen)]


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def button_value(payload: dict[str, Any]) -> str:
    """Compact JSON for a button value; long questions are cut to stay under Slack's 2,000 chars."""
    data = dict(payload)
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    while len(raw) > BUTTON_VALUE_LIMIT and data.get("q"):
        data["q"] = data["q"][: max(0, len(data["q"]) - (len(raw) - BUTTON_VALUE_LIMIT) - 10)]
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return raw


def feedback_block(question: str) -> Block:
    """👍/👎 as Slack's native feedback buttons (a context_actions block); each value names the rating
    and carries the question, so the click alone is a readable feedback row."""
    def button(text: str, rating: str) -> Block:
        return {"text": {"type": "plain_text", "text": text, "emoji": True},
                "value": button_value({"r": rating, "q": question})}

    return {"type": "context_actions", "block_id": "answer_feedback", "elements": [
        {"type": "feedback_buttons", "action_id": ACTION_FEEDBACK,
         "positive_button": button(texts.SLACK_BUTTON_GOOD, RATING_UP),
         "negative_button": button(texts.SLACK_BUTTON_BAD, RATING_DOWN)}]}


def action_blocks(question: str, *, share: bool = False, consult: bool = True) -> list[Block]:
    value = button_value({"q": question})
    elements: list[Block] = []
    if consult:
        elements.append({"type": "button", "action_id": ACTION_CONSULT, "value": value,
                         "text": {"type": "plain_text", "text": texts.SLACK_BUTTON_CONSULT, "emoji": True}})
    if share:
        elements.append({"type": "button", "action_id": ACTION_SHARE, "value": value, "style": "primary",
                         "text": {"type": "plain_text", "text": texts.SLACK_BUTTON_SHARE, "emoji": True}})
    buttons = [{"type": "actions", "block_id": "answer_actions", "elements": elements}] if elements else []
    return [feedback_block(question), *buttons]


def clarify_block(answer: Answer) -> Block | None:
    """One button per destination the chain offered, so answering its question back is one click."""
    options = answer.clarify_options[:MAX_CLARIFY_BUTTONS]
    if not options:
        return None
    return {"type": "actions", "block_id": "clarify_options", "elements": [
        {"type": "button", "action_id": f"{ACTION_CLARIFY_PREFIX}{i}", "value": button_value({"c": option}),
         "text": {"type": "plain_text", "text": option[:75], "emoji": True}}
        for i, option in enumerate(options)
    ]}


def answer_body_blocks(answer: Answer, public_base_url: str) -> list[Block]:
    """The answer, its sources and the disclaimer, as sections that each fit the 3,000-char limit."""
    blocks: list[Block] = []
    body = escape_mrkdwn(answer.text)
    if answer.outcome == "partial" and "\n" in body:
        lead, rest = body.split("\n", 1)
        body = f"*{lead}*\n{rest}"  # what the documents lack comes first and stands out
    if answer.clarify and answer.clarify not in answer.text:
        body = f"{body}\n{escape_mrkdwn(answer.clarify)}" if body else escape_mrkdwn(answer.clarify)
    if answer.clarify_options and not any(opt in answer.text for opt in answer.clarify_options):
        body += f"\n{texts.CLARIFY_OPTIONS_LEAD}{'、'.join(escape_mrkdwn(o) for o in answer.clarify_options)}"
    blocks += [_section(piece) for piece in split_text(body)]
    citations = unique_citations(answer.citations)
    if citations:
        blocks.append({"type": "divider"})
        lines = "\n".join(citation_line(c, public_base_url) for c in citations)
        for i, piece in enumerate(split_text(lines, SECTION_LIMIT - len(texts.SLACK_SOURCES_HEADING) - 1)):
            blocks.append(_section(f"{texts.SLACK_SOURCES_HEADING}\n{piece}" if i == 0 else piece))
    if answer.disclaimer:
        blocks += [_context(piece) for piece in split_text(escape_mrkdwn(answer.disclaimer))]
    return blocks


def fallback_text(answer: Answer) -> str:
    # `text` is mrkdwn too and is what notifications show: escaped like the blocks, so a curated answer or an
    # NFKC-normalised ＜!channel＞ cannot become a live mention or a disguised link there
    text = texts.SLACK_FALLBACK_PREFIX + escape_mrkdwn(answer.text or answer.clarify or "")
    return text[:FALLBACK_LIMIT]


def _block_chars(blocks: list[Block]) -> int:
    total = 0
    for block in blocks:
        if block["type"] == "section":
            total += len(block["text"]["text"])
        elif block["type"] == "context":
            total += sum(len(e.get("text", "")) for e in block["elements"])
    return total


def paginate(blocks: list[Block], tail: list[Block], fallback: str) -> list[SlackMessage]:
    """Group blocks into messages of at most 50; `tail` (the buttons) goes with the last message.

    A button click sends the whole message it sits on back to us (form-encoded: ~9 bytes per Japanese
    character), so after a long page the buttons get a small message of their own and the click stays
    far below the web app's request size limit."""
    room = BLOCKS_LIMIT - len(tail)
    pages: list[list[Block]] = []
    rest = list(blocks)
    while len(rest) > room:
        pages.append(rest[:BLOCKS_LIMIT])
        rest = rest[BLOCKS_LIMIT:]
    buttons_alone = bool(tail) and _block_chars(rest) > BUTTONS_PAGE_CHARS
    pages += [rest, tail] if buttons_alone else [rest + tail]
    messages = []
    for i, page in enumerate(pages):
        text = fallback if i == 0 else f"{texts.SLACK_CONTINUED}{fallback}"
        limit = BUTTONS_ONLY_TEXT_CHARS if (buttons_alone and i == len(pages) - 1) else FALLBACK_LIMIT
        messages.append(SlackMessage(text=text[:limit], blocks=page))
    return messages


def streamed_tail_blocks(answer: Answer, question: str, public_base_url: str = "") -> list[Block]:
    """What chat.stopStream puts under a streamed answer: its sources, disclaimer and buttons (the body
    itself arrived as the stream). Kept under Slack's 50 blocks."""
    body = answer_body_blocks(answer, public_base_url)
    first_divider = next((i for i, b in enumerate(body) if b["type"] == "divider"), None)
    rest = body[first_divider:] if first_divider is not None else [b for b in body if b["type"] == "context"]
    clarify = clarify_block(answer)
    tail = ([clarify] if clarify else []) + action_blocks(question)
    return rest[: BLOCKS_LIMIT - len(tail)] + tail


def render_answer(
    answer: Answer, question: str, *, public_base_url: str = "", share: bool = False, consult: bool = True
) -> list[SlackMessage]:
    """The messages to post for one answer (usually one; more only for very long answers)."""
    clarify = clarify_block(answer) if not share else None  # ephemeral answers have no thread to follow up in
    tail = ([clarify] if clarify else []) + action_blocks(question, share=share, consult=consult)
    return paginate(answer_body_blocks(answer, public_base_url), tail, fallback_text(answer))


def draft_reply_text(answer: Answer, public_base_url: str = "") -> str:
    """A polite plain-text draft for a coordinator: greeting, the answer, sources, closing."""
    parts = [texts.SLACK_DRAFT_GREETING, "", answer.text or answer.clarify or ""]
    citations = unique_citations(answer.citations)
    if citations:
        parts += ["", texts.SLACK_DRAFT_SOURCES_LEAD]
        for c in citations:
            as_of = f"（{c.as_of}{texts.SLACK_AS_OF_SUFFIX}）" if c.as_of else ""
            section = f" > {c.section}" if c.section else ""
            parts.append(f"[{c.number}] {c.title}{section}{as_of} {source_link(c, public_base_url)}")
    if answer.disclaimer:
        parts += ["", answer.disclaimer]
    parts += ["", texts.SLACK_DRAFT_CLOSING]
    return "\n".join(parts)
