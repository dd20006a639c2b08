"""Ask the chain for a Slack user and post the answer in a thread, with a loading status while working and
an apology on failure."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import texts
from bot.consultation_log import Origin, Recorded
from bot.errors import AssistantError
from bot.models import Answer, Turn
from bot.slack.audience import audience_for, is_direct_message
from bot.slack.blocks import SlackMessage, neutralize_markup, render_answer, streamed_tail_blocks
from bot.slack.channels import ChannelConfig, ChannelSettings
from bot.slack.followups import AnsweredThreads
from bot.slack.threads import answer_metadata, turns_from_replies

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)
WORKING_REACTION = "eyes"  # only where the loading status is refused (old workspaces, missing scope)
PART_INTERVAL_SECONDS = 1.0  # chat.postMessage allows about one message per second per channel
# errors after which a person can only be reached in their DM with the app
UNREACHABLE_IN_CHANNEL = frozenset({"not_in_channel", "channel_not_found", "is_archived", "restricted_action"})


@runtime_checkable
class StreamingChain(Protocol):
    """A chain that can answer in pieces (the LLM answerer): text pieces as they come, then the Answer."""

    streams_tokens: bool  # whether its text really arrives over time (an LLM); otherwise one post is better

    def ask_stream(self, question: str, conversation: list[Turn], audience: str) -> Iterator[str | Answer]: ...


STREAM_FLUSH_CHARS = 200  # appendStream is rate limited: send text in pieces of at least this size


@dataclass(frozen=True)
class SlackQuestion:
    """A question as it arrived from Slack, with where the answer goes."""

    text: str
    user: str
    channel: str
    thread_ts: str  # the thread the answer is posted in
    message_ts: str | None = None  # the asker's message
    channel_type: str | None = None
    team: str | None = None  # the asker's workspace (streaming to a channel names its recipient)


def slack_answer_ref(channel: str, message_ts: str) -> str:
    """The id a Slack answer is rated under (its 👍/👎 buttons) and logged with."""
    return f"slack:{channel}:{message_ts}"


class SlackResponder:
    """The one place where Slack requests meet the chain; listeners stay short and call this."""

    def __init__(self, services: "Services", threads: AnsweredThreads | None = None,
                 channels: ChannelConfig | None = None, part_interval: float = PART_INTERVAL_SECONDS):
        self.services = services
        self.settings = services.settings
        self.threads = threads or AnsweredThreads()
        self.channels = channels or ChannelConfig()
        self.part_interval = part_interval

    def channel_settings(self, channel: str | None) -> ChannelSettings:
        return self.channels.for_channel(channel)

    def audience(self, question: SlackQuestion) -> str:
        return audience_for(question.user, question.channel, self.settings, question.channel_type,
                            self.channel_settings(question.channel).audience)

    def ask(self, question: SlackQuestion, conversation: list[Turn] | None = None) -> Answer:
        return self.consult(question, conversation).answer

    def origin(self, question: SlackQuestion) -> Origin:
        """Where a consultation came from; the user id is kept as it is only in DMs and internal channels."""
        direct = is_direct_message(question.channel, question.channel_type)
        private = direct or question.channel in self.settings.slack_internal_channel_ids
        return Origin("slack_dm" if direct else "slack_channel", question.user or None, hash_user=not private)

    def consult(self, question: SlackQuestion, conversation: list[Turn] | None = None) -> Recorded:
        """Ask and log the consultation."""
        return self.services.consult(question.text, conversation or [], self.audience(question), self.origin(question))

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
            else:
                time.sleep(self.part_interval)  # pace the parts instead of running into 429s
            response = client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=message.text,
                                               blocks=blocks, unfurl_links=False, unfurl_media=False, **kwargs)
            posted.append(response.get("ts", ""))
            thread_ts = thread_ts or response.get("ts")
        return posted

    def post_ephemeral_answer(self, client: WebClient, question: SlackQuestion, answer: Answer) -> None:
        """Shown to the asker only, with 「チャンネルに共有」 (channels configured `ephemeral`)."""
        for message in self.messages_for(answer, question.text, share=True, consult=False):
            client.chat_postEphemeral(channel=question.channel, user=question.user, text=message.text,
                                      blocks=message.blocks, thread_ts=question.thread_ts)

    def answer_in_thread(self, client: WebClient, question: SlackQuestion, conversation: list[Turn] | None = None,
                         lead_blocks: list[dict[str, Any]] | None = None, *, ephemeral: bool = False) -> None:
        """Answer in the thread with a loading status meanwhile; any failure becomes an apology."""
        reacted = self.show_working(client, question)
        try:
            if not question.text:
                client.chat_postMessage(channel=question.channel, thread_ts=question.thread_ts,
                                        text=texts.SLACK_EMPTY_QUESTION)
                return
            chain = self.services.chain
            if not ephemeral and isinstance(chain, StreamingChain) and chain.streams_tokens:
                pieces = chain.ask_stream(question.text, conversation or [], self.audience(question))
                self.stream_answer(client, question, self._logged(question, pieces), lead_blocks)
                return
            recorded = self.consult(question, conversation)
            if ephemeral:
                self.post_ephemeral_answer(client, question, recorded.answer)
                self.clear_status(client, question)  # nothing was posted in the thread to clear it
            else:
                posted = self.post_answer(client, question.channel, question.thread_ts, recorded.answer,
                                          question.text, lead_blocks)
                if posted and posted[-1]:  # the 👍/👎 buttons ride on the last part
                    recorded.link(slack_answer_ref(question.channel, posted[-1]))
                self.threads.answered(question.channel, question.thread_ts, question.user)
        except Exception as exc:
            self.apologize(client, question.channel, question.thread_ts, exc)
        finally:
            if reacted:
                self._react(client, "reactions_remove", question)

    def _logged(self, question: SlackQuestion, pieces: Iterable[str | Answer]) -> Iterator[str | Answer]:
        """The streamed pieces, passed on unchanged; the final Answer is logged as a consultation."""
        for piece in pieces:
            if isinstance(piece, Answer):
                self.services.record(question.text, piece, self.audience(question), self.origin(question))
            yield piece

    def stream_answer(self, client: WebClient, question: SlackQuestion, pieces: Iterable[str | Answer],
                      lead_blocks: list[dict[str, Any]] | None = None) -> None:
        """chat.startStream → appendStream → stopStream (with the sources, buttons and slots) while the answer
        arrives in pieces; where streaming is refused, the whole answer as one ordinary post."""
        stream_ts: str | None = None
        buffer, streamed = "", ""
        answer: Answer | None = None
        for piece in pieces:
            if isinstance(piece, Answer):
                answer = piece
                break
            buffer += piece
            if stream_ts is None and len(buffer) >= STREAM_FLUSH_CHARS:
                stream_ts = self._start_stream(client, question, buffer)
                if stream_ts is None:
                    break  # refused: collect the rest and post once
                streamed, buffer = streamed + buffer, ""
            elif stream_ts and len(buffer) >= STREAM_FLUSH_CHARS:
                client.chat_appendStream(channel=question.channel, ts=stream_ts, markdown_text=neutralize_markup(buffer))
                streamed, buffer = streamed + buffer, ""
        if answer is None:
            answer = next((p for p in pieces if isinstance(p, Answer)), None)
        if answer is None:
            raise RuntimeError("the streaming chain ended without an answer")
        if stream_ts is None:
            self.post_answer(client, question.channel, question.thread_ts, answer, question.text, lead_blocks)
        else:
            # the chain's final text is authoritative (citations renumbered, say): send what the stream lacks
            if answer.mode == "fallback":  # the streamed model text was rejected: say so and give the checked answer
                rest = f"{buffer}\n\n{texts.LLM_REPLACED_NOTICE}\n\n{answer.text}"
            else:
                rest = answer.text[len(streamed):] if answer.text.startswith(streamed) else buffer
            understood = answer.slots.get("question") or question.text
            client.chat_stopStream(channel=question.channel, ts=stream_ts,
                                   markdown_text=neutralize_markup(rest) or None,
                                   blocks=(lead_blocks or []) + streamed_tail_blocks(
                                       answer, understood, self.settings.public_base_url),
                                   metadata=answer_metadata(answer))
        self.threads.answered(question.channel, question.thread_ts, question.user)

    def _start_stream(self, client: WebClient, question: SlackQuestion, text: str) -> str | None:
        try:
            # in channels Slack needs to know who the stream is for; DMs ignore these
            response = client.chat_startStream(channel=question.channel, thread_ts=question.thread_ts,
                                               markdown_text=neutralize_markup(text),
                                               recipient_user_id=question.user or None,
                                               recipient_team_id=question.team or None)
            return str(response.get("ts") or "") or None
        except SlackApiError as exc:
            log.info("chat.startStream refused (%s): one post instead", exc.response.get("error"))
            return None

    def show_working(self, client: WebClient, question: SlackQuestion) -> bool:
        """Slack's loading status on the thread (cleared by our next post there); 👀 only where it is refused.
        Returns whether the 👀 fallback was used, so it is taken off afterwards."""
        try:
            client.assistant_threads_setStatus(channel_id=question.channel, thread_ts=question.thread_ts,
                                               status=texts.SLACK_STATUS_WORKING)
            return False
        except SlackApiError as exc:
            log.info("assistant.threads.setStatus refused (%s): 👀 instead", exc.response.get("error"))
        return self._react(client, "reactions_add", question)

    @staticmethod
    def clear_status(client: WebClient, question: SlackQuestion) -> None:
        try:
            client.assistant_threads_setStatus(channel_id=question.channel, thread_ts=question.thread_ts, status="")
        except SlackApiError as exc:
            log.info("clearing the status failed: %s", exc.response.get("error"))

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

    def tell_user(self, client: WebClient, channel: str, user: str, exc: Exception | str) -> None:
        """A private note to one person about their own action (drafting, saving): ephemeral in the channel,
        or in their DM with the app when the channel cannot take it (the bot is not a member, say)."""
        text = exc if isinstance(exc, str) else self.apology_text(exc)
        if not isinstance(exc, str):
            log.warning("action failed: %s", exc)
        try:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
            return
        except SlackApiError as error:
            if error.response.get("error") not in UNREACHABLE_IN_CHANNEL:
                log.exception("could not tell the user")
                return
        try:
            # channel=<user id> posts in the person's DM with the app; chat:write is enough
            client.chat_postMessage(channel=user, text=f"{text}\n{texts.SLACK_DM_FALLBACK_NOTE}")
        except SlackApiError:
            log.exception("could not tell the user either")

    @staticmethod
    def _react(client: WebClient, method: str, question: SlackQuestion) -> bool:
        if not question.message_ts:
            return False
        try:
            # spelled out (not getattr) so the manifest test sees which Web API methods the bot calls
            if method == "reactions_add":
                client.reactions_add(channel=question.channel, timestamp=question.message_ts, name=WORKING_REACTION)
            else:
                client.reactions_remove(channel=question.channel, timestamp=question.message_ts, name=WORKING_REACTION)
            return True
        except SlackApiError as exc:
            # a missing reaction is cosmetic; never let it stop the answer
            log.info("%s failed: %s", method, exc.response.get("error"))
            return False
