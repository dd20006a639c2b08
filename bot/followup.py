"""Rule-based follow-ups: turn 「じゃあ香港は？」 into a full question using the conversation's slots."""
from __future__ import annotations

import re

from bot.models import Turn
from bot.query import normalize_question
from ingest import find_countries, find_products

_ELLIPSIS_START = re.compile(r"^(じゃあ|じゃ|では|それでは|それなら|なら|あと|また|ちなみに|and |also |what about|how about)", re.I)
_ELLIPSIS_END = re.compile(r"(は|では|の場合は|だと|なら|の場合|向けは|はどう|はどうですか|はどうでしょうか)[?？]?$")
_PRONOUN = re.compile(r"(それ|その|これ|この|同じ|そちら|\bit\b|\bthat\b|\bthose\b)", re.I)
_SHORT = 20


def previous_context(conversation: list[Turn]) -> tuple[str | None, dict[str, str | None]]:
    """The last understood question and its slots, from the newest assistant turn (or user turn)."""
    for turn in reversed(conversation):
        if turn.role == "assistant" and turn.slots.get("question"):
            return turn.slots["question"], dict(turn.slots)
    answer_text = next((normalize_question(t.text) for t in reversed(conversation) if t.role == "assistant"), "")
    for turn in reversed(conversation):
        if turn.role == "user":
            text = normalize_question(turn.text)
            # slots the user named first; else what the assistant's last answer was about (「その国」)
            products = find_products(text) or find_products(answer_text)
            countries = find_countries(text) or find_countries(answer_text)
            return text, {
                "question": text,
                "product": products[0] if products else None,
                "country": countries[0] if countries else None,
            }
    return None, {}


def is_elliptical(question: str) -> bool:
    q = question.strip()
    return len(q) <= _SHORT or bool(_ELLIPSIS_START.search(q)) or bool(_ELLIPSIS_END.search(q))


def _swap(text: str, old: str | None, new: str) -> str:
    if old and old in text:
        return text.replace(old, new)
    return f"{text}（{new}）"


def resolve_followup(question: str, conversation: list[Turn]) -> tuple[str, dict[str, str | None]]:
    """Return the question to answer and the slots carried over from earlier turns."""
    normalized = normalize_question(question)
    previous, slots = previous_context(conversation)
    if not previous:
        return normalized, {}
    products, countries = find_products(normalized), find_countries(normalized)
    new_product = products[0] if products else None
    new_country = countries[0] if countries else None
    if is_elliptical(normalized) and (new_product or new_country):
        rewritten = previous
        if new_country:
            rewritten = _swap(rewritten, slots.get("country"), new_country)
        if new_product:
            rewritten = _swap(rewritten, slots.get("product"), new_product)
        carried = {"product": new_product or slots.get("product"), "country": new_country or slots.get("country")}
        return rewritten, carried
    if _PRONOUN.search(normalized) and (slots.get("product") or slots.get("country")):
        return normalized, {"product": new_product or slots.get("product"), "country": new_country or slots.get("country")}
    if is_elliptical(normalized) and not (new_product or new_country) and slots.get("product"):
        # 「必要な書類は？」 after a product question: keep talking about the same product and country
        return normalized, {"product": slots.get("product"), "country": slots.get("country")}
    return normalized, {}
