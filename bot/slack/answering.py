"""Ask the chain for a Slack user and post the answer in a thread, with 👀 while working and an apology on failure."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import texts
from bot.consultation_log import Origin, Recorded
from bot.errors import AssistantError
from bot.models import Answer, Turn
from bot.slack.audience import audience_for, is_direct_message
from bot.slack.blocks import SlackMessage, render_answer
from bot.slack.threads import answer_metadata, turns_from_replies

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)
WORKING_REACTION = "eyes"


@dataclass(frozen=True)
class SlackQuestion:
    """A question as it arrived from Slack, with where the answer goes."""

    text: str
    user: str
    channel: str
    thread_ts: str  # the thread the answer is posted in
    message_ts: str | None = None  # the asker's message, which gets the 👀 reaction
    channel_type: str | None = None


def slack_answer_ref(channel: str, message_ts: str) -> str:
    """The id a Slack answer is rated under (its 👍/👎 buttons) and logged with."""
    return f"slack:{channel}:{message_ts}"


class SlackResponder:
    """The one place where Slack requests meet the chain; listeners stay short and call this."""

    def __init__(self, services: "Services"):
        self.services = services
        self.settings = services.settings

    def ask(self, question: SlackQuestion, conversation: list[Turn] | None = None) -> Answer:
        return self.consult(question, conversation).answer

    def consult(self, question: SlackQuestion, conversation: list[Turn] | None = None) -> Recorded:
        """Ask and log; the user id is kept as it is only in DMs and internal channels, hashed elsewhere."""
        audience = audience_for(question.user, question.channel, self.settings, question.channel_type)
        direct = is_direct_message(question.channel, question.channel_type)
        private = direct or question.channel in self.settings.slack_internal_channel_ids
        origin = Origin("slack_dm" if direct else "slack_channel", question.user or None, hash_user=not private)
        return self.services.consult(question.text, conversation or [], audience, origin)

    def conversation(self, client: WebClient, channel: str, thread_ts: str, current_ts: str) -> list[Turn]:
        """The thread's earlier turns; without them (API error) the question is answered on its own."""
        try:
            return turns_from_replies(self.thread_messages(client, channel, thread_ts), current_ts)
        except SlackApiError as exc:
            log.warning("conversations.replies failed (%s): answering without the thread", exc.response.get("error"))
            return []

    @staticmethod
    def thread_messages(client: WebClient, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        # include_all_metadata: the bot's own answers carry their slots in message metadata
        response = client.conversations_replies(channel=channel, ts=thread_ts, include_all_metadata=True, limit=200)
        return list(response.get("messages") or [])

    def messages_for(self, answer: Answer, question: str, *, share: bool = False,
                     consult: bool = True) -> list[SlackMessage]:
        # buttons carry the question as the chain understood it (「じゃあ香港は？」 → the full question), so
        # feedback is readable and 「チャンネルに共有」 can ask again without the thread
        understood = answer.slots.get("question") or question
        return render_answer(answer, understood, public_base_url=self.settings.public_base_url,
                             share=share, consult=consult)

    def post_answer(self, client: WebClient, channel: str, thread_ts: str | None, answer: Answer,
                    question: str, lead_blocks: list[dict[str, Any]] | None = None) -> list[str]:
        """Post the answer (one message, or several for very long ones); returns the posted ts values."""
        posted: list[str] = []
        for i, message in enumerate(self.messages_for(answer, question)):
            blocks = (lead_blocks or []) + message.blocks if i == 0 else message.blocks
            kwargs: dict[str, Any] = {}
            if i == 0:
                # only the first part is a conversation turn: it carries the slots for follow-ups
                kwargs["metadata"] = answer_metadata(answer)
            response = client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=message.text,
                                               blocks=blocks, unfurl_links=False, unfurl_media=False, **kwargs)
            posted.append(response.get("ts", ""))
            thread_ts = thread_ts or response.get("ts")
        return posted

    def answer_in_thread(self, client: WebClient, question: SlackQuestion, conversation: list[Turn] | None = None,
                         lead_blocks: list[dict[str, Any]] | None = None) -> None:
        """Answer in the thread; the asker's message wears 👀 meanwhile; any failure becomes an apology."""
        self._react(client, "reactions_add", question)
        try:
            if not question.text:
                client.chat_postMessage(channel=question.channel, thread_ts=question.thread_ts,
                                        text=texts.SLACK_EMPTY_QUESTION)
                return
            recorded = self.consult(question, conversation)
            posted = self.post_answer(client, question.channel, question.thread_ts, recorded.answer, question.text,
                                      lead_blocks)
            if posted and posted[-1]:  # the 👍/👎 buttons ride on the last part
                recorded.link(slack_answer_ref(question.channel, posted[-1]))
        except Exception as exc:
            self.apologize(client, question.channel, question.thread_ts, exc)
        finally:
            self._react(client, "reactions_remove", question)

    @staticmethod
    def apology_text(exc: Exception) -> str:
        # domain errors carry a message meant for users; anything else gets the generic apology
        return exc.message_ja if isinstance(exc, AssistantError) else texts.SLACK_APOLOGY

    def apologize(self, client: WebClient, channel: str, thread_ts: str | None, exc: Exception) -> None:
        if isinstance(exc, AssistantError):
            log.warning("slack answer failed: %s", exc)
        else:
            log.exception("slack answer failed")
        try:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=self.apology_text(exc))
        except SlackApiError:
            log.exception("could not post the apology either")

    def tell_user(self, client: WebClient, channel: str, user: str, exc: Exception) -> None:
        """An ephemeral apology to one person (for their own actions: drafting, saving)."""
        log.warning("action failed: %s", exc)
        try:
            client.chat_postEphemeral(channel=channel, user=user, text=self.apology_text(exc))
        except SlackApiError:
            log.exception("could not tell the user either")

    @staticmethod
    def _react(client: WebClient, method: str, question: SlackQuestion) -> None:
        if not question.message_ts:
            return
        try:
            getattr(client, method)(channel=question.channel, timestamp=question.message_ts, name=WORKING_REACTION)
        except SlackApiError as exc:
            # a missing reaction is cosmetic; never let it stop the answer
            log.info("%s failed: %s", method, exc.response.get("error"))
