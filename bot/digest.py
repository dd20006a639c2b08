"""The weekly Slack digest: the week's consultation counts and the top unanswered groups, with a link to the console."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.consultation_log import ConsultationLog
from bot.consultation_report import LOCAL_TZ, summarize, unanswered_groups, window
from bot.curated import current_answers
from bot.settings import Settings
from bot.slack.blocks import escape_mrkdwn
from bot.web import console_texts as t

DIGEST_DAYS = 7
TOP_GROUPS = 5


class DigestNotConfigured(Exception):
    """No channel or no bot token: says which setting is missing, in Japanese."""


@dataclass(frozen=True)
class Digest:
    text: str  # the notification / fallback text
    blocks: list[dict[str, Any]]

    def as_text(self) -> str:
        """What the message shows, as plain lines (for --dry-run)."""
        lines = []
        for block in self.blocks:
            if "text" in block:
                lines.append(block["text"]["text"])
            for element in block.get("elements", []):
                text = element.get("text")
                line = text["text"] if isinstance(text, dict) else str(text or "")
                lines.append(line + (f" → {element['url']}" if element.get("url") else ""))
        return "\n".join(lines)


def build_digest(settings: Settings, now: datetime | None = None, days: int = DIGEST_DAYS) -> Digest:
    """Read the log and the curated answers (no index, no model) and write the week's message."""
    since, until = window(days, now)
    log = ConsultationLog(settings.feedback_db, settings.consultation_retention_days)
    try:
        rows = log.rows(since, until)
    finally:
        log.close()
    answered = [q for a in current_answers(settings.curated_answers_path) if not a.retired for q in a.questions]
    summary = summarize(rows, since, until)
    groups = unanswered_groups(rows, answered)[:TOP_GROUPS]
    outcomes = dict(summary.outcomes)
    ratings = dict(summary.ratings)
    first_day = since.astimezone(LOCAL_TZ).date().isoformat()
    last_day = (until - timedelta(seconds=1)).astimezone(LOCAL_TZ).date().isoformat()
    counts = t.digest_counts(summary.total, outcomes["answer"], summary.unanswered, ratings["up"], ratings["down"])
    lines = [t.digest_group_line(t.topic_name(g.product, g.country), t.KIND_NAMES[g.kind], g.count,
                                 escape_mrkdwn(g.questions[0].question)) for g in groups]
    console = settings.public_base_url.rstrip("/") + "/console/queue"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": t.DIGEST_TITLE}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": t.digest_period(first_day, last_day)}]},
        {"type": "section", "text": {"type": "mrkdwn", "text": counts}},
        {"type": "section", "text": {"type": "mrkdwn",
                                     "text": t.DIGEST_TOP_GROUPS + "\n" + ("\n".join(lines) or t.DIGEST_NO_GROUPS)}},
    ]
    if settings.public_base_url:  # a relative link means nothing in Slack
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "action_id": "digest_open_console", "url": console,
             "text": {"type": "plain_text", "text": t.DIGEST_OPEN_CONSOLE}}]})
    return Digest(text=f"{t.DIGEST_TITLE}（{first_day}〜{last_day}）{counts}", blocks=blocks)


def send_digest(settings: Settings, now: datetime | None = None, client: Any = None) -> str:
    """Post the digest to EXPORT_BOT_SLACK_DIGEST_CHANNEL; returns the message ts."""
    if not settings.slack_digest_channel:
        raise DigestNotConfigured(t.DIGEST_NO_CHANNEL)
    if client is None:
        if not settings.slack_bot_token:
            raise DigestNotConfigured(t.DIGEST_NO_TOKEN)
        from slack_sdk import WebClient

        client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_base_url)
    digest = build_digest(settings, now)
    response = client.chat_postMessage(channel=settings.slack_digest_channel, text=digest.text, blocks=digest.blocks,
                                       unfurl_links=False, unfurl_media=False)
    return str(response.get("ts", ""))
