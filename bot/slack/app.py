"""The Bolt app: one set of listeners for HTTP (/slack/events) and Socket Mode; ack at once, work lazily."""
from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING, Any, Callable

from slack_bolt import Ack, App, BoltResponse
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import texts
from bot.feedback import FeedbackStore
from bot.slack.answering import SlackQuestion, SlackResponder, slack_answer_ref
from bot.slack.audience import audience_for, is_coordinator, is_direct_message
from bot.slack.blocks import (
    ACTION_CLARIFY_PREFIX,
    ACTION_CONSULT,
    ACTION_FEEDBACK_DOWN,
    ACTION_FEEDBACK_UP,
    ACTION_SHARE,
    draft_reply_text,
    escape_mrkdwn,
)
from bot.slack.dedupe import SeenEvents
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
from bot.slack.threads import strip_mentions, thread_has_answer, turns_from_replies

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


def make_web_client(services: "Services") -> WebClient:
    settings = services.settings
    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_base_url)


def build_bolt_app(services: "Services", *, client: WebClient | None = None) -> App:
    """Build the app without calling Slack (no auth.test at start: many networks block it).

    Bolt verifies request signatures with the signing secret; Socket Mode requests are not signed and
    Bolt skips the check for them by itself."""
    settings = services.settings
    app = App(
        client=client or make_web_client(services),
        signing_secret=settings.slack_signing_secret or "",
        token_verification_enabled=False,
        # ack first, then the lazy listeners run in Bolt's thread pool: right for a long-running server
        process_before_response=False,
        name="export-assistant",
    )
    responder = SlackResponder(services)
    register_listeners(app, responder, seen=SeenEvents(), drafts=DraftStore(),
                       feedback=FeedbackStore(settings.feedback_db))
    return app


def just_ack(ack: Ack) -> None:
    ack()


def register_listeners(app: App, responder: SlackResponder, *, seen: SeenEvents, drafts: DraftStore,
                       feedback: FeedbackStore) -> None:
    settings = responder.settings

    @app.middleware
    def drop_repeated_events(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        # Slack retries (X-Slack-Retry-Num) when our first 200 was slow or lost; the event is already being
        # handled, so answer 200 and do nothing. Keyed on event_id, which is the same across retries.
        event_id = req.body.get("event_id") if req.body.get("type") == "event_callback" else None
        if event_id and not seen.first_time(event_id):
            retry = (req.headers.get("x-slack-retry-num") or ["0"])[0]
            log.info("dropping repeated event %s (retry %s)", event_id, retry)
            return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        return next()

    # --- questions ---
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

    # --- buttons ---
    def record_feedback(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        channel, user = body["channel"]["id"], body["user"]["id"]
        message = body.get("message") or {}
        message_ts = message.get("ts") or body.get("container", {}).get("message_ts", "")
        rating = "up" if action["action_id"] == ACTION_FEEDBACK_UP else "down"
        feedback.record(answer_id=slack_answer_ref(channel, message_ts), rating=rating, channel="slack", user=user,
                        question=_button_question(action), answer_text=message.get("text", ""))
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
        question = SlackQuestion(text=_button_question(action), user=body["user"]["id"],
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
        country = _button_value(action).get("c", "")
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

    # --- coordinator drafting ---
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


def _button_value(action: dict[str, Any]) -> dict[str, Any]:
    try:
        value = json.loads(action.get("value") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _button_question(action: dict[str, Any]) -> str:
    return str(_button_value(action).get("q", ""))
