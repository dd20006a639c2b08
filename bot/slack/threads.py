"""A Slack thread as a conversation: earlier turns and slots, read back from conversations.replies.

The bot stores each answer's slots in Slack message metadata, so follow-ups work after a restart and
the bot keeps no per-thread state of its own."""
from __future__ import annotations

import re
from typing import Any

from bot.models import Answer, Turn

ANSWER_EVENT_TYPE = "export_assistant_answer"
# message subtypes that are still a person asking: a reply also sent to the channel, a message with a file
QUESTION_SUBTYPES = frozenset({"thread_broadcast", "file_share"})
_MENTION = re.compile(r"<@[A-Z0-9]+(\|[^>]*)?>")
# Slack's markup: <#C…|name>, <!here>, <!subteam^S…|@name>, <https://…|label>, <https://…>
_CHANNEL = re.compile(r"<#[A-Z0-9]+(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!([a-z]+)(?:\^[A-Z0-9]+)?(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")


def strip_mentions(text: str) -> str:
    return _MENTION.sub("", text or "").strip()


def plain_text(text: str) -> str:
    """What a person typed, without Slack's markup: mentions removed, channels, links and special mentions
    as the words they show, and &amp; &lt; &gt; decoded. For the chain, the draft modal and curated answers."""
    text = strip_mentions(text)
    text = _CHANNEL.sub(lambda m: f"#{m.group(1)}" if m.group(1) else "", text)
    text = _SPECIAL.sub(lambda m: m.group(2) or f"@{m.group(1)}", text)
    text = _LINK.sub(lambda m: f"{m.group(2)}（{m.group(1)}）" if m.group(2) else m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def answer_metadata(answer: Answer) -> dict[str, Any]:
    # Slack metadata payloads are plain JSON objects; None slots are left out and read back as missing
    payload = {k: v for k, v in answer.slots.items() if v is not None}
    payload["mode"] = answer.mode
    return {"event_type": ANSWER_EVENT_TYPE, "event_payload": payload}


def is_answer_message(message: dict[str, Any]) -> bool:
    return (message.get("metadata") or {}).get("event_type") == ANSWER_EVENT_TYPE


def thread_has_answer(messages: list[dict[str, Any]]) -> bool:
    return any(is_answer_message(m) for m in messages)


def turns_from_replies(messages: list[dict[str, Any]], current_ts: str) -> list[Turn]:
    """Earlier turns of the thread, oldest first: people's messages and the bot's answers with their slots.

    Other bot posts (apologies, consult requests, continuation parts of long answers) are not turns."""
    turns: list[Turn] = []
    for message in sorted(messages, key=lambda m: float(m.get("ts", "0"))):
        if message.get("ts") == current_ts or float(message.get("ts", "0")) > float(current_ts):
            continue
        if is_answer_message(message):
            payload = message["metadata"].get("event_payload") or {}
            slots = {k: (str(v) if v is not None else None) for k, v in payload.items() if k != "mode"}
            turns.append(Turn(role="assistant", text=message.get("text", ""), slots=slots))
        elif not message.get("bot_id") and message.get("subtype") in (None, *QUESTION_SUBTYPES):
            text = plain_text(message.get("text", ""))
            if text:
                turns.append(Turn(role="user", text=text))
    return turns
