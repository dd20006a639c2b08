"""Questions: mentions in channels, messages in DMs and answered threads, and the slash command."""
from __future__ import annotations

import logging
from typing import Any, Callable

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import texts
from bot.slack.answering import SlackQuestion, SlackResponder
from bot.slack.audience import is_direct_message
from bot.slack.listeners.common import just_ack
from bot.slack.threads import strip_mentions, thread_has_answer, turns_from_replies

log = logging.getLogger(__name__)


def register(app: App, responder: SlackResponder) -> None:
    settings = responder.settings

    def answer_mention(event: dict[str, Any], client: WebClient) -> None:
        if is_direct_message(event.get("channel")):
            return  # DMs are answered by the message listener
        ts = event["ts"]
        thread_ts = event.get("thread_ts") or ts
        conversation = responder.conversation(client, event["channel"], thread_ts, ts) if event.get("thread_ts") else []
        question = SlackQuestion(text=strip_mentions(event.get("text", "")), user=event.get("user", ""),
                                 channel=event["channel"], thread_ts=thread_ts, message_ts=ts)
        responder.answer_in_thread(client, question, conversation)

    def answer_message(event: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return  # edits, joins, bot posts (ours included): not questions
        channel, ts = event["channel"], event["ts"]
        channel_type = event.get("channel_type")
        thread_ts = event.get("thread_ts")
        direct = is_direct_message(channel, channel_type)
        if not direct:
            bot_user_id = context.get("bot_user_id")
            if not thread_ts or (bot_user_id and f"<@{bot_user_id}" in event.get("text", "")):
                return  # top-level chatter is not for us; a mention is answered by answer_mention
            try:
                messages = responder.thread_messages(client, channel, thread_ts)
            except SlackApiError as exc:
                # without the thread we cannot tell whether it is ours; staying quiet beats butting in
                log.warning("conversations.replies failed (%s): follow-up not answered", exc.response.get("error"))
                return
            if not thread_has_answer(messages):
                return  # only threads the bot has answered get follow-ups without a mention
            conversation = turns_from_replies(messages, ts)
        else:
            conversation = responder.conversation(client, channel, thread_ts, ts) if thread_ts else []
        question = SlackQuestion(text=strip_mentions(event.get("text", "")), user=event["user"], channel=channel,
                                 thread_ts=thread_ts or ts, message_ts=ts, channel_type=channel_type)
        responder.answer_in_thread(client, question, conversation)

    def answer_command(command: dict[str, Any], respond: Callable[..., Any]) -> None:
        question = SlackQuestion(text=(command.get("text") or "").strip(), user=command.get("user_id", ""),
                                 channel=command.get("channel_id", ""), thread_ts="")
        if not question.text:
            respond(text=texts.SLACK_EMPTY_QUESTION, response_type="ephemeral")
            return
        try:
            answer = responder.ask(question)
            # ephemeral: only the asker sees it until they press 「チャンネルに共有」
            for message in responder.messages_for(answer, question.text, share=True, consult=False):
                respond(text=message.text, blocks=message.blocks, response_type="ephemeral")
        except Exception as exc:
            log.warning("slash command failed: %s", exc)
            respond(text=responder.apology_text(exc), response_type="ephemeral")

    app.event("app_mention")(ack=just_ack, lazy=[answer_mention])
    app.event("message")(ack=just_ack, lazy=[answer_message])
    app.command(settings.slack_slash_command)(ack=just_ack, lazy=[answer_command])
