"""Buttons under an answer: feedback, 「担当者に相談」, 「チャンネルに共有」 and the offered destinations."""
from __future__ import annotations

import logging
import re
from typing import Any, Callable

from slack_bolt import App
from slack_sdk import WebClient

from bot import texts
from bot.feedback import FeedbackStore
from bot.slack.answering import SlackQuestion, SlackResponder
from bot.slack.blocks import (
    ACTION_CLARIFY_PREFIX,
    ACTION_CONSULT,
    ACTION_FEEDBACK_DOWN,
    ACTION_FEEDBACK_UP,
    ACTION_SHARE,
)
from bot.slack.listeners.common import button_question, button_value, just_ack

log = logging.getLogger(__name__)


def register(app: App, responder: SlackResponder, feedback: FeedbackStore) -> None:
    settings = responder.settings

    def record_feedback(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        channel, user = body["channel"]["id"], body["user"]["id"]
        message = body.get("message") or {}
        message_ts = message.get("ts") or body.get("container", {}).get("message_ts", "")
        rating = "up" if action["action_id"] == ACTION_FEEDBACK_UP else "down"
        feedback.record(answer_id=f"slack:{channel}:{message_ts}", rating=rating, channel="slack", user=user,
                        question=button_question(action), answer_text=message.get("text", ""))
        # in the answer's thread when it has one; a top-level (shared) answer gets the thanks in the channel
        client.chat_postEphemeral(channel=channel, user=user, text=texts.SLACK_FEEDBACK_THANKS,
                                  thread_ts=message.get("thread_ts"))

    def consult_coordinator(body: dict[str, Any], client: WebClient) -> None:
        message = body.get("message") or {}
        thread_ts = message.get("thread_ts") or message.get("ts") or body.get("container", {}).get("thread_ts")
        if settings.slack_coordinator_usergroup_id:
            mention = f"<!subteam^{settings.slack_coordinator_usergroup_id}>"
        else:
            mention = " ".join(f"<@{u}>" for u in settings.slack_coordinator_user_ids)
        client.chat_postMessage(channel=body["channel"]["id"], thread_ts=thread_ts,
                                text=texts.slack_consult_request(mention, body["user"]["id"]))

    def share_to_channel(body: dict[str, Any], action: dict[str, Any], client: WebClient,
                         respond: Callable[..., Any]) -> None:
        # the ephemeral answer is not part of the payload, so ask again, with the audience of this channel
        question = SlackQuestion(text=button_question(action), user=body["user"]["id"],
                                 channel=body["channel"]["id"], thread_ts="")
        try:
            answer = responder.ask(question)
            lead = [{"type": "context", "elements": [
                {"type": "mrkdwn", "text": texts.SLACK_SHARED_BY.format(user=question.user)}]}]
            responder.post_answer(client, question.channel, None, answer, question.text, lead_blocks=lead)
            respond(delete_original=True)
        except Exception as exc:
            log.warning("share failed: %s", exc)
            respond(text=responder.apology_text(exc), response_type="ephemeral", replace_original=False)

    def answer_clarify_choice(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        # a click on a destination the chain offered = the follow-up 「<country>の場合は？」 in that thread
        country = button_value(action).get("c", "")
        message = body.get("message") or {}
        thread_ts = message.get("thread_ts") or message.get("ts")
        channel, user = body["channel"]["id"], body["user"]["id"]
        if not (country and thread_ts):
            return
        conversation = responder.conversation(client, channel, thread_ts, current_ts="9999999999.999999")
        question = SlackQuestion(text=texts.slack_clarify_followup(country), user=user, channel=channel,
                                 thread_ts=thread_ts)
        lead = [{"type": "context", "elements": [
            {"type": "mrkdwn", "text": texts.slack_clarify_chosen(user, country)}]}]
        responder.answer_in_thread(client, question, conversation, lead_blocks=lead)

    app.action(re.compile("^" + re.escape(ACTION_CLARIFY_PREFIX) + r"\d+$"))(ack=just_ack, lazy=[answer_clarify_choice])
    app.action(ACTION_FEEDBACK_UP)(ack=just_ack, lazy=[record_feedback])
    app.action(ACTION_FEEDBACK_DOWN)(ack=just_ack, lazy=[record_feedback])
    app.action(ACTION_CONSULT)(ack=just_ack, lazy=[consult_coordinator])
    app.action(ACTION_SHARE)(ack=just_ack, lazy=[share_to_channel])
