"""Coordinator drafting: the 「返信案を作成」 shortcut, its modal, and what a submission posts and saves."""
from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import texts
from bot.slack.answering import SlackResponder
from bot.slack.audience import audience_for, is_coordinator
from bot.slack.blocks import draft_reply_text, escape_mrkdwn
from bot.slack.drafting import (
    BLOCK_TEXT,
    SHORTCUT_CALLBACK_ID,
    VIEW_CALLBACK_ID,
    Draft,
    DraftStore,
    Submission,
    draft_view,
    loading_view,
    message_view,
    parse_submission,
    submission_errors,
)
from bot.slack.listeners.common import just_ack
from bot.slack.threads import strip_mentions

log = logging.getLogger(__name__)


def register(app: App, responder: SlackResponder, drafts: DraftStore) -> None:
    settings = responder.settings

    def open_draft(body: dict[str, Any], client: WebClient) -> None:
        user, channel = body["user"]["id"], body["channel"]["id"]
        if not is_coordinator(user, settings):
            client.chat_postEphemeral(channel=channel, user=user, text=texts.SLACK_DRAFT_REFUSED)
            return
        try:
            opened = client.views_open(trigger_id=body["trigger_id"], view=loading_view())
        except SlackApiError as exc:
            # the trigger expires after 3 s; if we missed it, say so rather than leave the click unanswered
            log.warning("views.open failed: %s", exc.response.get("error"))
            client.chat_postEphemeral(channel=channel, user=user, text=texts.SLACK_APOLOGY)
            return
        view_id = opened["view"]["id"]
        message = body.get("message") or {}
        text = strip_mentions(message.get("text", ""))
        thread_ts = message.get("thread_ts") or message.get("ts") or body.get("message_ts", "")
        audience = audience_for(user, channel, settings)
        try:
            answer = responder.services.chain.ask(text, [], audience)
            draft = Draft(channel=channel, thread_ts=thread_ts, question=text, citations=list(answer.citations),
                          audience=audience)
            draft_id = drafts.put(draft)
            view = draft_view(draft_id, draft, draft_reply_text(answer, settings.public_base_url))
        except Exception as exc:
            log.warning("draft failed: %s", exc)
            view = message_view(responder.apology_text(exc))
        client.views_update(view_id=view_id, view=view)

    def check_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        # runs before the modal closes: invalid input keeps it open with the errors shown
        if not is_coordinator(body["user"]["id"], settings):
            ack(response_action="errors", errors={BLOCK_TEXT: texts.SLACK_DRAFT_REFUSED})
            return
        errors = submission_errors(parse_submission(view))
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()

    def submit_draft(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        submission = parse_submission(view)
        if not is_coordinator(user, settings) or submission_errors(submission):
            return
        if submission.post:
            try:
                client.chat_postMessage(channel=submission.channel, thread_ts=submission.thread_ts,
                                        # escaped: a draft quoting a document must not become <!channel>
                                        text=f"{texts.slack_coordinator_reply_header(user)}\n"
                                             f"{escape_mrkdwn(submission.text)}",
                                        unfurl_links=False)
            except SlackApiError as exc:
                responder.tell_user(client, submission.channel, user, exc)
        if submission.save:
            try:
                curated_id = save_curated(submission, user)
            except Exception as exc:
                responder.tell_user(client, submission.channel, user, exc)
            else:
                client.chat_postEphemeral(channel=submission.channel, user=user,
                                          text=texts.SLACK_DRAFT_SAVED.format(curated_id=curated_id))

    def save_curated(submission: Submission, user: str) -> str:
        draft = drafts.get(submission.draft_id)
        audience = draft.audience if draft else audience_for(user, submission.channel, settings)
        if draft and draft.question == submission.question:
            citations = draft.citations
        else:
            # the draft was lost to a restart or the question was edited: take the sources afresh
            citations = list(responder.services.chain.ask(submission.question, [], audience).citations)
        return responder.services.curated.add(submission.question, submission.text, citations,
                                              author=user, audience=audience)

    app.shortcut(SHORTCUT_CALLBACK_ID)(ack=just_ack, lazy=[open_draft])
    app.view(VIEW_CALLBACK_ID)(ack=check_submission, lazy=[submit_draft])
