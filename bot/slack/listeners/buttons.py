"""Buttons under an answer: 👍/👎 (with a reason on 👎), 「担当者に相談」, 「チャンネルに共有」 and the
offered destinations. Acks are immediate; the 👎 reason modal opens inside the ack (its trigger lasts 3 s)."""
from __future__ import annotations

import json
import logging
import re
from typing import Any, Callable

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import texts
from bot.feedback import FeedbackStore
from bot.slack.answering import SlackQuestion, SlackResponder
from bot.slack.blocks import ACTION_CLARIFY_PREFIX, ACTION_CONSULT, ACTION_FEEDBACK, ACTION_SHARE, RATING_DOWN
from bot.slack.listeners.common import button_question, button_value, just_ack
from bot.slack.workers import AnswerPool

log = logging.getLogger(__name__)
REASON_VIEW_CALLBACK_ID = "feedback_reason"
REASON_BLOCK = "feedback_reason"
REASON_INPUT = "value"
REASON_MAX_CHARS = 2000  # what the feedback store keeps of a comment


def reason_view(record: dict[str, str]) -> dict[str, Any]:
    """The optional 'why not helpful' modal; the rating is stored when it is sent or closed."""
    def plain(text: str) -> dict[str, Any]:
        return {"type": "plain_text", "text": text, "emoji": True}

    return {
        "type": "modal", "callback_id": REASON_VIEW_CALLBACK_ID, "notify_on_close": True,
        "private_metadata": json.dumps(record, ensure_ascii=False)[:3000],
        "title": plain(texts.SLACK_FEEDBACK_REASON_TITLE), "submit": plain(texts.SLACK_FEEDBACK_REASON_SUBMIT),
        "close": plain(texts.SLACK_DRAFT_MODAL_CLOSE),
        "blocks": [{"type": "input", "block_id": REASON_BLOCK, "optional": True,
                    "label": plain(texts.SLACK_FEEDBACK_REASON_LABEL),
                    "element": {"type": "plain_text_input", "action_id": REASON_INPUT, "multiline": True,
                                "max_length": REASON_MAX_CHARS,
                                "placeholder": plain(texts.SLACK_FEEDBACK_REASON_HINT)}}],
    }


def feedback_record(body: dict[str, Any], action: dict[str, Any]) -> dict[str, str]:
    """What one click says: which answer, who, which rating, for which question."""
    channel, user = body["channel"]["id"], body["user"]["id"]
    message = body.get("message") or {}
    message_ts = message.get("ts") or body.get("container", {}).get("message_ts", "")
    value = button_value(action)
    return {"answer_id": f"slack:{channel}:{message_ts}", "rating": "down" if value.get("r") == RATING_DOWN else "up",
            "user": user, "channel": channel, "thread_ts": message.get("thread_ts") or "",
            "question": str(value.get("q", ""))[:1000], "answer_text": message.get("text", "")[:1000]}


def register(app: App, responder: SlackResponder, feedback: FeedbackStore, pool: AnswerPool) -> None:
    settings = responder.settings

    def store(record: dict[str, str], comment: str | None = None) -> bool:
        """One row per person, answer and rating: a repeated click changes nothing; a change of mind or a
        reason adds the newer row."""
        earlier = [e for e in feedback.entries(answer_id=record["answer_id"], limit=1000) if e.user == record["user"]]
        if earlier and earlier[0].rating == record["rating"] and not comment:
            return False
        feedback.record(answer_id=record["answer_id"], rating=record["rating"], comment=comment,  # type: ignore[arg-type]
                        channel="slack", user=record["user"], question=record["question"],
                        answer_text=record["answer_text"])
        return True

    def thank(client: WebClient, record: dict[str, str]) -> None:
        # in the answer's thread when it has one; a top-level (shared) answer gets the thanks in the channel
        try:
            client.chat_postEphemeral(channel=record["channel"], user=record["user"],
                                      text=texts.SLACK_FEEDBACK_THANKS, thread_ts=record["thread_ts"] or None)
        except SlackApiError as exc:
            log.info("feedback thanks not posted: %s", exc.response.get("error"))

    def ask_reason(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        record = feedback_record(body, action)
        if record["rating"] != RATING_DOWN:
            return
        try:
            # stored when the modal is sent or closed, so a 👎 and its reason are one row
            client.views_open(trigger_id=body.get("trigger_id", ""), view=reason_view(record))
        except SlackApiError as exc:
            log.info("reason modal not opened (%s): the 👎 is stored without one", exc.response.get("error"))
            store(record)

    def record_feedback(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        record = feedback_record(body, action)
        if record["rating"] == RATING_DOWN:
            return  # handled in the ack (the modal, or the row when the modal could not open)
        if store(record):
            thank(client, record)

    def reason_sent(ack: Ack, view: dict[str, Any]) -> None:
        ack()
        record = json.loads(view.get("private_metadata") or "{}")
        values = view.get("state", {}).get("values", {})
        comment = ((values.get(REASON_BLOCK, {}).get(REASON_INPUT) or {}).get("value") or "").strip() or None
        if record:
            store(record, comment)

    def thank_for_reason(view: dict[str, Any], client: WebClient) -> None:
        record = json.loads(view.get("private_metadata") or "{}")
        if record:
            thank(client, record)

    def reason_closed(ack: Ack, view: dict[str, Any]) -> None:
        ack()
        record = json.loads(view.get("private_metadata") or "{}")
        if record:
            store(record)

    def consult_coordinator(body: dict[str, Any], client: WebClient) -> None:
        message = body.get("message") or {}
        thread_ts = message.get("thread_ts") or message.get("ts") or body.get("container", {}).get("thread_ts")
        if settings.slack_coordinator_usergroup_id:
            mention = f"<!subteam^{settings.slack_coordinator_usergroup_id}>"
        else:
            mention = " ".join(f"<@{u}>" for u in settings.slack_coordinator_user_ids)
        channel = body["channel"]["id"]
        # a person takes over: untagged messages in this thread are theirs, not the bot's, from now on
        responder.threads.human_stepped_in(channel, thread_ts)
        client.chat_postMessage(channel=channel, thread_ts=thread_ts,
                                text=texts.slack_consult_request(mention, body["user"]["id"]))

    def share_to_channel(body: dict[str, Any], action: dict[str, Any], client: WebClient,
                         respond: Callable[..., Any]) -> None:
        # the ephemeral answer is not part of the payload, so ask again, with the audience of this channel
        question = SlackQuestion(text=button_question(action), user=body["user"]["id"],
                                 channel=body["channel"]["id"], thread_ts="")

        def work() -> None:
            try:
                answer = responder.ask(question)
                lead = [{"type": "context", "elements": [
                    {"type": "mrkdwn", "text": texts.SLACK_SHARED_BY.format(user=question.user)}]}]
                responder.post_answer(client, question.channel, None, answer, question.text, lead_blocks=lead)
                respond(delete_original=True)
            except Exception as exc:
                log.warning("share failed: %s", exc)
                respond(text=responder.apology_text(exc), response_type="ephemeral", replace_original=False)

        if pool.submit(work) is None:
            respond(text=texts.SLACK_BUSY, response_type="ephemeral", replace_original=False)

    def answer_clarify_choice(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        # a click on a destination the chain offered = the follow-up 「<country>の場合は？」 in that thread
        country = button_value(action).get("c", "")
        message = body.get("message") or {}
        thread_ts = message.get("thread_ts") or message.get("ts")
        channel, user = body["channel"]["id"], body["user"]["id"]
        if not (country and thread_ts):
            return

        def work() -> None:
            conversation = responder.conversation(client, channel, thread_ts, current_ts="9999999999.999999")
            question = SlackQuestion(text=texts.slack_clarify_followup(country), user=user, channel=channel,
                                     thread_ts=thread_ts)
            lead = [{"type": "context", "elements": [
                {"type": "mrkdwn", "text": texts.slack_clarify_chosen(user, country)}]}]
            responder.answer_in_thread(client, question, conversation, lead_blocks=lead)

        if pool.submit(work) is None:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=texts.SLACK_BUSY)

    app.action(re.compile("^" + re.escape(ACTION_CLARIFY_PREFIX) + r"\d+$"))(ack=just_ack, lazy=[answer_clarify_choice])
    app.action(ACTION_FEEDBACK)(ack=ask_reason, lazy=[record_feedback])
    app.view_submission(REASON_VIEW_CALLBACK_ID)(ack=reason_sent, lazy=[thank_for_reason])
    app.view_closed(REASON_VIEW_CALLBACK_ID)(ack=reason_closed, lazy=[])
    app.action(ACTION_CONSULT)(ack=just_ack, lazy=[consult_coordinator])
    app.action(ACTION_SHARE)(ack=just_ack, lazy=[share_to_channel])
