"""Questions: mentions in channels, messages in DMs and answered threads, and the slash command.

Each is acked at once; the lazy step only hands the work to the answer pool (or says the bot is busy), so
Bolt's own threads stay free for clicks and shortcuts however slow the answers are."""
from __future__ import annotations

import logging
from typing import Any, Callable

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import texts
from bot.slack.answering import SlackQuestion, SlackResponder
from bot.slack.audience import is_direct_message
from bot.slack.followups import Skip, follow_up_skip
from bot.slack.listeners.common import just_ack
from bot.slack.threads import QUESTION_SUBTYPES, plain_text, turns_from_replies
from bot.slack.workers import AnswerPool

log = logging.getLogger(__name__)
SLACKBOT = "USLACKBOT"
DM_HISTORY_LIMIT = 10  # top-level DM messages looked at to find the conversation a new message continues


def is_from_a_bot(event: dict[str, Any]) -> bool:
    return bool(event.get("bot_id") or event.get("bot_profile") or event.get("subtype") == "bot_message"
                or event.get("user") in (None, "", SLACKBOT))


def register(app: App, responder: SlackResponder, pool: AnswerPool) -> None:
    settings = responder.settings

    def hand_over(client: WebClient, channel: str, thread_ts: str, work: Callable[[], None]) -> None:
        if pool.submit(work) is None:
            log.warning("answer pool full: telling %s/%s to try later", channel, thread_ts)
            try:
                client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=texts.SLACK_BUSY)
            except SlackApiError:
                log.exception("could not post the busy note")

    # --- the work, run in the answer pool ---
    def answer_mention_now(event: dict[str, Any], client: WebClient) -> None:
        ts = event["ts"]
        thread_ts = event.get("thread_ts") or ts
        conversation = responder.conversation(client, event["channel"], thread_ts, ts) if event.get("thread_ts") else []
        question = SlackQuestion(text=plain_text(event.get("text", "")), user=event.get("user", ""),
                                 channel=event["channel"], thread_ts=thread_ts, message_ts=ts,
                                 team=event.get("team"))
        ephemeral = responder.channel_settings(event["channel"]).ephemeral
        responder.answer_in_thread(client, question, conversation, ephemeral=ephemeral)

    def answer_follow_up_now(event: dict[str, Any], client: WebClient) -> None:
        channel, ts, thread_ts = event["channel"], event["ts"], event["thread_ts"]
        try:
            messages = responder.thread_messages(client, channel, thread_ts)
        except SlackApiError as exc:
            log.warning("conversations.replies failed (%s): answering without the thread", exc.response.get("error"))
            messages = []
        question = SlackQuestion(text=plain_text(event.get("text", "")), user=event["user"], channel=channel,
                                 thread_ts=thread_ts, message_ts=ts, channel_type=event.get("channel_type"),
                                 team=event.get("team"))
        responder.answer_in_thread(client, question, turns_from_replies(messages, ts))

    def answer_direct_now(event: dict[str, Any], client: WebClient) -> None:
        channel, ts = event["channel"], event["ts"]
        thread_ts = event.get("thread_ts")
        if thread_ts:
            conversation = responder.conversation(client, channel, thread_ts, ts)
        else:
            conversation = dm_conversation(client, channel, event["user"], ts)
        question = SlackQuestion(text=plain_text(event.get("text", "")), user=event["user"], channel=channel,
                                 thread_ts=thread_ts or ts, message_ts=ts, channel_type=event.get("channel_type"),
                                 team=event.get("team"))
        responder.answer_in_thread(client, question, conversation)

    def dm_conversation(client: WebClient, channel: str, user: str, ts: str) -> list:
        """People type DM follow-ups at top level: continue the asker's latest answered DM question,
        if it is recent (the web's conversation TTL)."""
        try:
            history = client.conversations_history(channel=channel, latest=ts, inclusive=False,
                                                   limit=DM_HISTORY_LIMIT).get("messages") or []
        except SlackApiError as exc:
            log.info("conversations.history failed (%s): DM answered on its own", exc.response.get("error"))
            return []
        for message in history:  # newest first
            if float(ts) - float(message.get("ts", "0")) > settings.conversation_ttl_seconds:
                return []
            if message.get("user") == user and message.get("reply_count"):
                return responder.conversation(client, channel, message["ts"], "9999999999.999999")
        return []

    # --- the lazy steps, run in Bolt's pool: decide, then hand over ---
    def with_team(event: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        # the asker's workspace (streams in channels name their recipient); events carry it, or the envelope
        return {**event, "team": event.get("team") or body.get("team_id")}

    def answer_mention(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        event = with_team(event, body)
        channel = event.get("channel")
        if is_direct_message(channel):
            return  # DMs are answered by the message listener
        if is_from_a_bot(event) and (event.get("user") == SLACKBOT
                                     or not responder.channel_settings(channel).respond_to_bots):
            log.info("ignoring a mention by a bot in %s", channel)  # two bots mentioning each other would loop
            return
        hand_over(client, event["channel"], event.get("thread_ts") or event["ts"],
                  lambda: answer_mention_now(event, client))

    def answer_message(event: dict[str, Any], body: dict[str, Any], client: WebClient,
                       context: dict[str, Any]) -> None:
        event = with_team(event, body)
        if event.get("subtype") not in (None, *QUESTION_SUBTYPES) or is_from_a_bot(event):
            return  # edits, joins, bot posts (ours included): not questions
        channel, thread_ts = event["channel"], event.get("thread_ts")
        if is_direct_message(channel, event.get("channel_type")):
            hand_over(client, channel, thread_ts or event["ts"], lambda: answer_direct_now(event, client))
            return
        bot_user_id = context.get("bot_user_id")
        if not thread_ts or (bot_user_id and f"<@{bot_user_id}" in event.get("text", "")):
            return  # top-level chatter is not for us; a mention is answered by answer_mention
        state = responder.threads.get(channel, thread_ts)
        skip = follow_up_skip(state, event["user"], event.get("text", ""), bot_user_id=bot_user_id,
                              tag_only=responder.channel_settings(channel).tag_only)
        if skip is Skip.OTHER_PERSON:
            responder.threads.human_stepped_in(channel, thread_ts)  # the bot keeps out until mentioned again
        if skip is not None:
            log.info("not answering %s in %s/%s: %s", event["ts"], channel, thread_ts, skip.value)
            return
        hand_over(client, channel, thread_ts, lambda: answer_follow_up_now(event, client))

    def answer_command(command: dict[str, Any], respond: Callable[..., Any]) -> None:
        question = SlackQuestion(text=plain_text(command.get("text") or ""), user=command.get("user_id", ""),
                                 channel=command.get("channel_id", ""), thread_ts="")
        if not question.text:
            respond(text=texts.SLACK_EMPTY_QUESTION, response_type="ephemeral")
            return

        def work() -> None:
            try:
                answer = responder.ask(question)
                # ephemeral: only the asker sees it until they press 「チャンネルに共有」
                for message in responder.messages_for(answer, question.text, share=True, consult=False):
                    respond(text=message.text, blocks=message.blocks, response_type="ephemeral")
            except Exception as exc:
                log.warning("slash command failed: %s", exc)
                respond(text=responder.apology_text(exc), response_type="ephemeral")

        if pool.submit(work) is None:
            respond(text=texts.SLACK_BUSY, response_type="ephemeral")

    app.event("app_mention")(ack=just_ack, lazy=[answer_mention])
    app.event("message")(ack=just_ack, lazy=[answer_message])
    app.command(settings.slack_slash_command)(ack=just_ack, lazy=[answer_command])
