"""Coordinator drafting: the 「返信案を作成」 shortcut, its modal, and what a submission posts and saves.

The modal opens inside the ack (trigger ids last 3 s); the chain fills it from the answer pool."""
from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import texts
from bot.slack.answering import UNREACHABLE_IN_CHANNEL, SlackResponder
from bot.slack.audience import is_coordinator
from bot.slack.audience import draft_audience as audience_of_draft
from bot.slack.blocks import draft_reply_text, escape_mrkdwn
from bot.slack.drafting import (
    BLOCK_TEXT,
    SHORTCUT_CALLBACK_ID,
    VIEW_CALLBACK_ID,
    Draft,
    DraftStore,
    Submission,
    curated_body,
    draft_view,
    loading_view,
    message_view,
    parse_submission,
    retrieval_question,
    submission_errors,
)
from bot.slack.threads import plain_text
from bot.slack.workers import AnswerPool

log = logging.getLogger(__name__)


def register(app: App, responder: SlackResponder, drafts: DraftStore, pool: AnswerPool) -> None:
    settings = responder.settings
    limit = settings.max_question_chars

    def draft_audience(user: str, channel: str) -> str:
        return audience_of_draft(user, channel, settings, responder.channel_settings(channel).audience)

    def open_draft(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user, channel = body["user"]["id"], body["channel"]["id"]
        # a refusal is a modal too: an ephemeral message cannot reach a channel the bot is not in
        first_view = loading_view() if is_coordinator(user, settings) else message_view(texts.SLACK_DRAFT_REFUSED)
        try:
            opened = client.views_open(trigger_id=body["trigger_id"], view=first_view)
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))
            pool.submit(responder.tell_user, client, channel, user, texts.SLACK_APOLOGY)
            return
        if not is_coordinator(user, settings):
            return
        view_id = opened["view"]["id"]
        if pool.submit(fill_draft, body, view_id, client) is None:
            client.views_update(view_id=view_id, view=message_view(texts.SLACK_BUSY))

    def fill_draft(body: dict[str, Any], view_id: str, client: WebClient) -> None:
        user, channel = body["user"]["id"], body["channel"]["id"]
        message = body.get("message") or {}
        text = plain_text(message.get("text", ""))
        thread_ts = message.get("thread_ts") or message.get("ts") or body.get("message_ts", "")
        audience = draft_audience(user, channel)
        asked = retrieval_question(text, limit)
        try:
            answer = responder.services.chain.ask(asked, [], audience)
            draft = Draft(channel=channel, thread_ts=thread_ts, question=text, citations=list(answer.citations),
                          audience=audience, disclaimer=answer.disclaimer or "",
                          retrieval_question=asked if asked != text else "")
            draft_id = drafts.put(draft)
            view = draft_view(draft_id, draft, draft_reply_text(answer, settings.public_base_url), limit)
        except Exception as exc:
            log.warning("draft failed: %s", exc)
            view = message_view(responder.apology_text(exc))
        client.views_update(view_id=view_id, view=view)

    def check_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        # runs before the modal closes: invalid input keeps it open with the errors shown
        if not is_coordinator(body["user"]["id"], settings):
            ack(response_action="errors", errors={BLOCK_TEXT: texts.SLACK_DRAFT_REFUSED})
            return
        errors = submission_errors(parse_submission(view), limit)
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()

    def submit_draft(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        submission = parse_submission(view)
        if not is_coordinator(user, settings) or submission_errors(submission, limit):
            return
        if submission.post:
            try:
                client.chat_postMessage(channel=submission.channel, thread_ts=submission.thread_ts,
                                        # escaped: a draft quoting a document must not become <!channel>
                                        text=f"{texts.slack_coordinator_reply_header(user)}\n"
                                             f"{escape_mrkdwn(submission.text)}",
                                        unfurl_links=False)
                # a person has answered: the bot keeps out of this thread until mentioned again
                responder.threads.human_stepped_in(submission.channel, submission.thread_ts)
            except SlackApiError as exc:
                unreachable = exc.response.get("error") in UNREACHABLE_IN_CHANNEL
                responder.tell_user(client, submission.channel, user,
                                    texts.SLACK_DRAFT_NOT_IN_CHANNEL if unreachable else exc)
        if submission.save:
            try:
                curated_id = save_curated(submission, user)
            except Exception as exc:
                responder.tell_user(client, submission.channel, user, exc)
            else:
                responder.tell_user(client, submission.channel, user,
                                    texts.SLACK_DRAFT_SAVED.format(curated_id=curated_id))

    def save_curated(submission: Submission, user: str) -> str:
        draft = drafts.get(submission.draft_id)
        audience = draft.audience if draft else draft_audience(user, submission.channel)
        if draft and draft.question == submission.question:
            citations = draft.citations
        else:
            # the draft was lost or the question was edited: take the sources afresh
            citations = list(responder.services.chain.ask(submission.question, [], audience).citations)
        body = curated_body(submission.text, draft.disclaimer if draft else "")
        return responder.services.curated.add(submission.question, body, citations, author=user, audience=audience)

    app.shortcut(SHORTCUT_CALLBACK_ID)(ack=open_draft, lazy=[])
    app.view(VIEW_CALLBACK_ID)(ack=check_submission, lazy=[submit_draft])
