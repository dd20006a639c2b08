"""The Slack bot end to end: signed requests to /slack/events of the real web app, the real chain over the
small index, and every Web API call recorded by the local Slack double."""
from __future__ import annotations

import json
from typing import Any

import pytest

from bot import texts
from bot.errors import IndexUnavailable
from bot.feedback import FeedbackStore
from bot.slack.blocks import ACTION_CONSULT, ACTION_FEEDBACK, ACTION_SHARE, escape_mrkdwn
from bot.slack.drafting import (
    BLOCK_ACTIONS,
    BLOCK_QUESTION,
    BLOCK_TEXT,
    ELEMENT_INPUT,
    OPTION_POST,
    OPTION_SAVE,
    SHORTCUT_CALLBACK_ID,
    VIEW_CALLBACK_ID,
)
from bot.slack.threads import ANSWER_EVENT_TYPE
from tests.bot.slack.conftest import (
    COORDINATOR,
    EXPORTER,
    INTERNAL_CHANNEL,
    PUBLIC_BASE_URL,
    PUBLIC_CHANNEL,
    USERGROUP,
)
from tests.bot.slack.slack_double import BOT_USER_ID, Call

CANARY = "KANARIA-7731"
CANARY_QUESTION = "内部限定カナリアは？"
# questions the small corpus answers (the chain's wording sensitivity is not what these tests are about)
STRAWBERRY_TAIWAN = "台湾へいちごを送るとき、残留農薬基準はどうすればいい？"


def all_text(call: Call) -> str:
    """Everything a posted message shows: fallback text and every block's text."""
    return call.args.get("text", "") + json.dumps(call.args.get("blocks") or [], ensure_ascii=False)


def answers_in_thread(double, channel: str, thread_ts: str) -> list[Call]:
    return [c for c in double.calls_to("chat.postMessage", channel=channel, thread_ts=thread_ts)
            if (c.args.get("metadata") or {}).get("event_type") == ANSWER_EVENT_TYPE]


def statuses(double, channel: str, thread_ts: str) -> list[Call]:
    """Loading statuses set on a thread (one per question answered there)."""
    return [c for c in double.calls_to("assistant.threads.setStatus", channel_id=channel, thread_ts=thread_ts)
            if c.args.get("status")]


def wait_answer(double, channel: str, thread_ts: str, count: int = 1) -> list[Call]:
    double.wait_for("chat.postMessage", count=count, channel=channel, thread_ts=thread_ts)
    return double.calls_to("chat.postMessage", channel=channel, thread_ts=thread_ts)


def section_texts(call: Call) -> list[str]:
    return [b["text"]["text"] for b in call.args["blocks"] if b["type"] == "section"]


def action_ids(call_args: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in call_args["blocks"] if b["type"] in ("actions", "context_actions")
            for e in b["elements"]]


def feedback_click(answer_args: dict[str, Any], rating: str) -> dict[str, Any]:
    """The action Slack sends for a click on one half of the feedback_buttons element."""
    [element] = [e for b in answer_args["blocks"] if b["type"] == "context_actions" for e in b["elements"]]
    button = element["positive_button" if rating == "up" else "negative_button"]
    return {"type": "feedback_buttons", "action_id": element["action_id"], "block_id": "answer_feedback",
            "value": button["value"], "text": button["text"], "action_ts": "1.1"}


# --- questions in channels, DMs and threads ---

def test_mention_is_answered_in_a_thread_with_sources_and_a_loading_status(slack, slack_double):
    message, response = slack.mention(PUBLIC_CHANNEL, EXPORTER, STRAWBERRY_TAIWAN)
    assert response.status_code == 200
    [answer] = wait_answer(slack_double, PUBLIC_CHANNEL, message["ts"])
    sections = section_texts(answer)
    assert "[1]" in sections[0]
    sources = next(s for s in sections if s.startswith(texts.SLACK_SOURCES_HEADING))
    assert f"<{PUBLIC_BASE_URL}/sources/strawberry-taiwan#" in sources
    assert "2025-04時点" in sources
    assert set(action_ids(answer.args)) == {ACTION_FEEDBACK, ACTION_CONSULT}
    assert answer.args["metadata"]["event_payload"]["country"] == "台湾"
    # Slack's loading status on the thread while working (our answer clears it); no 👀 any more
    [status] = slack_double.calls_to("assistant.threads.setStatus", channel_id=PUBLIC_CHANNEL, thread_ts=message["ts"])
    assert status.args["status"] == texts.SLACK_STATUS_WORKING
    assert slack_double.calls.index(status) < slack_double.calls.index(answer)
    assert not slack_double.calls_to("reactions.add", timestamp=message["ts"])


def test_where_the_status_is_refused_the_question_wears_eyes_meanwhile(slack, slack_double):
    with slack_double.failing_method("assistant.threads.setStatus", "missing_scope"):
        message, _ = slack.mention(PUBLIC_CHANNEL, EXPORTER, STRAWBERRY_TAIWAN)
        wait_answer(slack_double, PUBLIC_CHANNEL, message["ts"])
        slack_double.wait_for("reactions.remove", channel=PUBLIC_CHANNEL, timestamp=message["ts"])
    assert slack_double.calls_to("reactions.add", channel=PUBLIC_CHANNEL, timestamp=message["ts"], name="eyes")


def test_follow_up_in_the_thread_carries_the_product_over(slack, slack_double):
    first, _ = slack.mention(PUBLIC_CHANNEL, EXPORTER, STRAWBERRY_TAIWAN)
    wait_answer(slack_double, PUBLIC_CHANNEL, first["ts"])
    # no mention: a plain message in a thread the bot has answered
    follow, response = slack.message(PUBLIC_CHANNEL, EXPORTER, "じゃあ香港は？", channel_type="channel",
                                     thread_ts=first["ts"])
    assert response.status_code == 200
    wait_answer(slack_double, PUBLIC_CHANNEL, first["ts"], count=2)
    answers = answers_in_thread(slack_double, PUBLIC_CHANNEL, first["ts"])
    assert len(answers) == 2
    slots = answers[1].args["metadata"]["event_payload"]
    assert slots["country"] == "香港"
    assert slots["product"] == answers[0].args["metadata"]["event_payload"]["product"]
    assert slack_double.calls_to("conversations.replies", channel=PUBLIC_CHANNEL, ts=first["ts"])
    # the buttons carry the question as understood, not the bare 「じゃあ香港は？」
    value = json.loads(next(b for b in answers[1].args["blocks"] if b["type"] == "actions")["elements"][0]["value"])
    assert "いちご" in value["q"] and "香港" in value["q"]


def test_thread_the_bot_has_not_answered_is_left_alone(slack, slack_double):
    parent = slack_double.add_user_message(PUBLIC_CHANNEL, "今日の会議の件です", EXPORTER)
    other, _ = slack.message(PUBLIC_CHANNEL, EXPORTER, "香港は？", channel_type="channel", thread_ts=parent["ts"])
    # a later question is answered; by then the ignored one has long been decided
    probe, _ = slack.message("D0PROBE1", EXPORTER, "香港向けにカキを出荷できますか？", channel_type="im")
    wait_answer(slack_double, "D0PROBE1", probe["ts"])
    assert slack_double.calls_to("chat.postMessage", channel=PUBLIC_CHANNEL, thread_ts=parent["ts"]) == []
    assert statuses(slack_double, PUBLIC_CHANNEL, parent["ts"]) == []
    # L4: the bot knows its threads, so a stranger's thread costs no conversations.replies call
    assert slack_double.calls_to("conversations.replies", channel=PUBLIC_CHANNEL, ts=parent["ts"]) == []


def test_direct_message_is_answered_in_a_thread(slack, slack_double):
    message, _ = slack.message("D0EXPORT1", EXPORTER, "香港向けにカキを出荷できますか？", channel_type="im")
    [answer] = wait_answer(slack_double, "D0EXPORT1", message["ts"])
    assert "香港" in all_text(answer)
    assert "oyster-hongkong" in all_text(answer)


def test_retried_event_is_answered_once(slack, slack_double):
    message = slack_double.add_user_message(PUBLIC_CHANNEL, f"<@{BOT_USER_ID}> 香港向けのカキは今出荷できますか？", EXPORTER)
    event = {"type": "app_mention", "channel": PUBLIC_CHANNEL, "user": EXPORTER, "text": message["text"],
             "ts": message["ts"], "event_ts": message["ts"]}
    first = slack.event(event, event_id="EvRETRY0001")
    retry = slack.event(event, event_id="EvRETRY0001",
                        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert first.status_code == 200 and retry.status_code == 200
    assert retry.headers.get("x-slack-no-retry") == "1"  # dropped at the door, before any listener ran
    wait_answer(slack_double, PUBLIC_CHANNEL, message["ts"])
    probe, _ = slack.message("D0PROBE2", EXPORTER, "いちごを台湾に送るときの準備は？", channel_type="im")
    wait_answer(slack_double, "D0PROBE2", probe["ts"])
    assert len(slack_double.calls_to("chat.postMessage", channel=PUBLIC_CHANNEL, thread_ts=message["ts"])) == 1
    assert len(statuses(slack_double, PUBLIC_CHANNEL, message["ts"])) == 1


def test_empty_mention_gets_a_hint(slack, slack_double):
    message, _ = slack.mention(PUBLIC_CHANNEL, EXPORTER, "")
    [reply] = wait_answer(slack_double, PUBLIC_CHANNEL, message["ts"])
    assert reply.args["text"] == texts.SLACK_EMPTY_QUESTION


# --- audience: the internal canary ---

@pytest.mark.parametrize("channel,user,channel_type", [
    (PUBLIC_CHANNEL, COORDINATOR, "channel"),  # a coordinator, but everyone in the channel reads it
    (INTERNAL_CHANNEL, EXPORTER, "channel"),  # an internal channel, but not a coordinator
    ("D0EXPORT2", EXPORTER, "im"),  # a DM, but not a coordinator
])
def test_internal_canary_never_reaches_a_public_place_or_a_non_coordinator(slack, slack_double, channel, user,
                                                                         channel_type):
    message, _ = slack.mention(channel, user, CANARY_QUESTION) if channel_type == "channel" else \
        slack.message(channel, user, CANARY_QUESTION, channel_type=channel_type)
    [answer] = wait_answer(slack_double, channel, message["ts"])
    assert CANARY not in all_text(answer)
    assert "internal-coordinator-notes" not in all_text(answer)


def test_coordinator_gets_internal_notes_in_a_dm_and_an_internal_channel(slack, slack_double):
    dm, _ = slack.message("D0COORD1", COORDINATOR, CANARY_QUESTION, channel_type="im")
    [answer] = wait_answer(slack_double, "D0COORD1", dm["ts"])
    assert CANARY in all_text(answer)
    internal, _ = slack.mention(INTERNAL_CHANNEL, COORDINATOR, CANARY_QUESTION)
    [answer] = wait_answer(slack_double, INTERNAL_CHANNEL, internal["ts"])
    assert CANARY in all_text(answer)


def test_no_public_channel_post_ever_contains_the_canary(slack, slack_double):
    message, _ = slack.mention(PUBLIC_CHANNEL, COORDINATOR, "コーディネーター向け内部メモの内部限定カナリアを教えて")
    wait_answer(slack_double, PUBLIC_CHANNEL, message["ts"])
    # everything posted in the public channel during the session so far, whoever asked
    public_posts = [c for c in slack_double.calls if c.method in ("chat.postMessage", "chat.postEphemeral")
                    and c.args.get("channel") == PUBLIC_CHANNEL]
    assert public_posts
    assert not [c for c in public_posts if CANARY in all_text(c)]


# --- slash command and buttons ---

def test_slash_command_answers_ephemerally_and_share_posts_publicly(slack, slack_double, slack_settings):
    response_url = slack_double.response_url("cmd-1")
    response = slack.post_form({
        "command": slack_settings.slack_slash_command, "text": "香港向けにカキを出荷できますか？",
        "user_id": EXPORTER, "user_name": "exporter", "channel_id": PUBLIC_CHANNEL, "channel_name": "general",
        "team_id": "T0TEST", "response_url": response_url, "trigger_id": "trig-cmd-1",
    })
    assert response.status_code == 200
    [ephemeral] = slack_double.wait_for("response_url", path="/response/cmd-1")
    assert ephemeral.args["response_type"] == "ephemeral"
    assert "oyster-hongkong" in all_text(ephemeral)
    assert ACTION_SHARE in action_ids(ephemeral.args)
    assert not slack_double.calls_to("chat.postMessage", channel=PUBLIC_CHANNEL, thread_ts=None)

    share = next(e for b in ephemeral.args["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == ACTION_SHARE)
    slack.interaction({
        "type": "block_actions", "user": {"id": EXPORTER}, "channel": {"id": PUBLIC_CHANNEL},
        "container": {"type": "message", "message_ts": "1.0", "channel_id": PUBLIC_CHANNEL, "is_ephemeral": True},
        "response_url": response_url, "trigger_id": "trig-share-1",
        "actions": [{**share, "block_id": "answer_actions", "type": "button", "action_ts": "1.1"}],
    })
    [public] = slack_double.wait_for("chat.postMessage", channel=PUBLIC_CHANNEL, thread_ts=None)
    assert "oyster-hongkong" in all_text(public)
    assert f"<@{EXPORTER}>" in all_text(public)  # says who shared it
    assert ACTION_SHARE not in action_ids(public.args)
    deleted = slack_double.wait_for("response_url", count=2, path="/response/cmd-1")[-1]
    assert deleted.args.get("delete_original") is True


def test_feedback_button_is_stored(slack, slack_double, slack_settings):
    message, _ = slack.mention(PUBLIC_CHANNEL, EXPORTER, "いちごを台湾に送るときの準備は？")
    [answer] = wait_answer(slack_double, PUBLIC_CHANNEL, message["ts"])
    posted_ts = answer.response["ts"]
    up = feedback_click(answer.args, "up")
    slack.interaction({
        "type": "block_actions", "user": {"id": EXPORTER}, "channel": {"id": PUBLIC_CHANNEL},
        "container": {"type": "message", "message_ts": posted_ts, "channel_id": PUBLIC_CHANNEL},
        "message": {"type": "message", "ts": posted_ts, "thread_ts": message["ts"], "text": answer.args["text"],
                    "blocks": answer.args["blocks"], "bot_id": "BBOT"},
        "response_url": slack_double.response_url("fb-1"), "trigger_id": "trig-fb-1",
        "actions": [up],
    })
    slack_double.wait_for("chat.postEphemeral", channel=PUBLIC_CHANNEL, user=EXPORTER,
                          text=texts.SLACK_FEEDBACK_THANKS)
    entries = FeedbackStore(slack_settings.feedback_db).entries(answer_id=f"slack:{PUBLIC_CHANNEL}:{posted_ts}")
    assert [(e.rating, e.channel, e.user, e.question) for e in entries] == [
        ("up", "slack", EXPORTER, answer.args["metadata"]["event_payload"]["question"])]
    assert entries[0].question.startswith("いちごを台湾に送るときの準備は")
    assert entries[0].answer_text == answer.args["text"]


def test_consult_button_mentions_the_coordinator_group_in_the_thread(slack, slack_double):
    message, _ = slack.mention(PUBLIC_CHANNEL, EXPORTER, "香港向けのカキの代わりの販路は？")
    [answer] = wait_answer(slack_double, PUBLIC_CHANNEL, message["ts"])
    consult = next(e for b in answer.args["blocks"] if b["type"] == "actions" for e in b["elements"]
                   if e["action_id"] == ACTION_CONSULT)
    posted_ts = answer.response["ts"]
    slack.interaction({
        "type": "block_actions", "user": {"id": EXPORTER}, "channel": {"id": PUBLIC_CHANNEL},
        "container": {"type": "message", "message_ts": posted_ts, "channel_id": PUBLIC_CHANNEL},
        "message": {"type": "message", "ts": posted_ts, "thread_ts": message["ts"], "text": answer.args["text"]},
        "response_url": slack_double.response_url("consult-1"), "trigger_id": "trig-c-1",
        "actions": [{**consult, "block_id": "answer_actions", "type": "button", "action_ts": "1.1"}],
    })
    posts = wait_answer(slack_double, PUBLIC_CHANNEL, message["ts"], count=2)
    assert posts[-1].args["text"] == texts.slack_consult_request(f"<!subteam^{USERGROUP}>", EXPORTER)


# --- coordinator drafting ---

def _shortcut(slack, double, user: str, question_message: dict[str, Any], trigger: str):
    return slack.interaction({
        "type": "message_action", "callback_id": SHORTCUT_CALLBACK_ID, "trigger_id": trigger,
        "user": {"id": user}, "channel": {"id": PUBLIC_CHANNEL}, "message_ts": question_message["ts"],
        "message": {"type": "message", "user": EXPORTER, "ts": question_message["ts"],
                    "text": question_message["text"]},
        "response_url": double.response_url(trigger),
    })


def _submission(view: dict[str, Any], question: str, text: str, options: list[str], user: str = COORDINATOR):
    return {
        "type": "view_submission", "user": {"id": user}, "trigger_id": "trig-sub",
        "view": {**view, "state": {"values": {
            BLOCK_QUESTION: {ELEMENT_INPUT: {"type": "plain_text_input", "value": question}},
            BLOCK_TEXT: {ELEMENT_INPUT: {"type": "plain_text_input", "value": text}},
            BLOCK_ACTIONS: {ELEMENT_INPUT: {"type": "checkboxes",
                                            "selected_options": [{"value": o} for o in options]}},
        }}},
    }


def test_drafting_is_refused_to_non_coordinators(slack, slack_double):
    question = slack_double.add_user_message(PUBLIC_CHANNEL, "台湾向けのいちごの準備を教えてください", EXPORTER)
    response = _shortcut(slack, slack_double, EXPORTER, question, "trig-refused")
    # the refusal is a modal, opened before the ack: it works even where the bot is not a channel member
    [opened] = slack_double.calls_to("views.open", trigger_id="trig-refused")
    assert response.status_code == 200
    assert opened.args["view"]["blocks"][0]["text"]["text"] == texts.SLACK_DRAFT_REFUSED
    assert "submit" not in opened.args["view"]
    assert slack_double.calls_to("views.update", view_id=opened.response["view"]["id"]) == []


def test_draft_modal_then_post_in_thread_and_save_as_curated(slack, slack_double):
    question = slack_double.add_user_message(PUBLIC_CHANNEL, "台湾向けいちごの出荷前の準備は何をすればよいですか", EXPORTER)
    response = _shortcut(slack, slack_double, COORDINATOR, question, "trig-draft-1")
    assert response.status_code == 200
    [opened] = slack_double.wait_for("views.open", trigger_id="trig-draft-1")
    assert opened.args["view"]["blocks"][0]["text"]["text"] == texts.SLACK_DRAFT_LOADING
    [update] = slack_double.wait_for("views.update", view_id=opened.response["view"]["id"])
    view = update.args["view"]
    assert view["callback_id"] == VIEW_CALLBACK_ID
    inputs = {b["block_id"]: b["element"] for b in view["blocks"]}
    draft = inputs[BLOCK_TEXT]["initial_value"]
    assert inputs[BLOCK_TEXT]["multiline"] is True
    assert draft.startswith(texts.SLACK_DRAFT_GREETING) and draft.endswith(texts.SLACK_DRAFT_CLOSING)
    assert texts.SLACK_DRAFT_SOURCES_LEAD in draft and "strawberry-taiwan" in draft
    assert inputs[BLOCK_QUESTION]["initial_value"] == question["text"]

    # a submission with nothing chosen keeps the modal open with an error
    invalid = slack.interaction(_submission(view, question["text"], draft, []))
    assert invalid.status_code == 200
    assert invalid.json() == {"response_action": "errors", "errors": {BLOCK_ACTIONS: texts.SLACK_DRAFT_ACTION_REQUIRED}}

    edited = draft.replace(texts.SLACK_DRAFT_GREETING, texts.SLACK_DRAFT_GREETING + "（確認済み：県担当）")
    ok = slack.interaction(_submission(view, question["text"], edited, [OPTION_POST, OPTION_SAVE]))
    assert ok.status_code == 200 and ok.text == ""  # closes the modal
    [post] = slack_double.wait_for("chat.postMessage", channel=PUBLIC_CHANNEL, thread_ts=question["ts"])
    assert post.args["text"] == f"{texts.slack_coordinator_reply_header(COORDINATOR)}\n{escape_mrkdwn(edited)}"
    saved = slack_double.wait_for("chat.postEphemeral", user=COORDINATOR)[-1]
    assert saved.args["text"].startswith("確認済み回答として保存しました")

    # the chain now answers the same question with the curated answer
    again, _ = slack.mention(PUBLIC_CHANNEL, EXPORTER, question["text"])
    [answer] = wait_answer(slack_double, PUBLIC_CHANNEL, again["ts"])
    assert answer.args["metadata"]["event_payload"]["mode"] == "curated"
    assert "（確認済み：県担当）" in all_text(answer)


def test_draft_submission_post_only_does_not_save(slack, slack_double, slack_services):
    question = slack_double.add_user_message(PUBLIC_CHANNEL, "カキを香港に出せないなら他の市場は？", EXPORTER)
    _shortcut(slack, slack_double, COORDINATOR, question, "trig-draft-2")
    [opened] = slack_double.wait_for("views.open", trigger_id="trig-draft-2")
    before = len(slack_services.curated)
    view = slack_double.wait_for("views.update", view_id=opened.response["view"]["id"])[0].args["view"]
    slack.interaction(_submission(view, question["text"], "<!channel> シンガポールやタイをご検討ください。", [OPTION_POST]))
    [post] = slack_double.wait_for("chat.postMessage", channel=PUBLIC_CHANNEL, thread_ts=question["ts"])
    assert post.args["text"].endswith("\n&lt;!channel&gt; シンガポールやタイをご検討ください。")
    assert len(slack_services.curated) == before


def test_a_mention_inside_an_answered_thread_is_answered_once(slack, slack_double):
    first, _ = slack.mention(PUBLIC_CHANNEL, EXPORTER, "香港向けにカキを出荷できますか？")
    wait_answer(slack_double, PUBLIC_CHANNEL, first["ts"])
    # Slack sends both app_mention and message.channels for a mention; only one may be answered
    again, _ = slack.mention(PUBLIC_CHANNEL, EXPORTER, "じゃあ台湾は？", thread_ts=first["ts"])
    slack.event({"type": "message", "channel": PUBLIC_CHANNEL, "channel_type": "channel", "user": EXPORTER,
                 "text": again["text"], "ts": again["ts"], "thread_ts": first["ts"], "event_ts": again["ts"]})
    wait_answer(slack_double, PUBLIC_CHANNEL, first["ts"], count=2)
    probe, _ = slack.message("D0PROBE3", EXPORTER, "いちごを台湾に送るときの準備は？", channel_type="im")
    wait_answer(slack_double, "D0PROBE3", probe["ts"])
    assert len(answers_in_thread(slack_double, PUBLIC_CHANNEL, first["ts"])) == 2
    assert len(statuses(slack_double, PUBLIC_CHANNEL, first["ts"])) == 2


def test_failure_becomes_an_apology_in_the_thread(slack_settings, slack_services, slack_double, tmp_path):
    from bot.services import build_services
    from tests.bot.slack.conftest import SlackSender, make_app, serve

    # an index directory with nothing in it: the chain raises IndexUnavailable
    broken_settings = slack_settings.model_copy(update={"index_dir": tmp_path / "no-index",
                                                        "slack_state_db": tmp_path / "slack-state.sqlite3"})
    broken = build_services(broken_settings, embedder=slack_services.embedder)
    with serve(make_app(broken_settings, broken)) as server:
        sender = SlackSender(server.url, slack_double)
        message, response = sender.mention(PUBLIC_CHANNEL, EXPORTER, "香港向けにカキを出荷できますか？")
        assert response.status_code == 200
        [reply] = wait_answer(slack_double, PUBLIC_CHANNEL, message["ts"])
    assert reply.args["text"] == IndexUnavailable.message_ja
    assert "metadata" not in reply.args  # an apology is not a conversation turn
    assert statuses(slack_double, PUBLIC_CHANNEL, message["ts"])  # the apology replaces the loading status


def test_clarify_button_asks_the_follow_up_in_the_thread(slack, slack_double):
    first, _ = slack.mention(PUBLIC_CHANNEL, EXPORTER, STRAWBERRY_TAIWAN)
    [answer] = answers_in_thread(slack_double, PUBLIC_CHANNEL, first["ts"]) or \
        wait_answer(slack_double, PUBLIC_CHANNEL, first["ts"])
    # the small corpus never makes the chain ask back, so click the button a clarify answer would carry
    slack.interaction({
        "type": "block_actions", "user": {"id": EXPORTER}, "channel": {"id": PUBLIC_CHANNEL},
        "container": {"type": "message", "message_ts": answer.response["ts"], "channel_id": PUBLIC_CHANNEL},
        "message": {"type": "message", "ts": answer.response["ts"], "thread_ts": first["ts"],
                    "text": answer.args["text"]},
        "response_url": slack_double.response_url("clarify-1"), "trigger_id": "trig-cl-1",
        "actions": [{"action_id": "clarify_country:1", "block_id": "clarify_options", "type": "button",
                     "value": json.dumps({"c": "香港"}, ensure_ascii=False), "action_ts": "1.1"}],
    })
    wait_answer(slack_double, PUBLIC_CHANNEL, first["ts"], count=2)
    follow = answers_in_thread(slack_double, PUBLIC_CHANNEL, first["ts"])[1]
    slots = follow.args["metadata"]["event_payload"]
    assert (slots["product"], slots["country"]) == ("いちご", "香港")
    assert follow.args["blocks"][0]["elements"][0]["text"] == texts.slack_clarify_chosen(EXPORTER, "香港")


def test_start_up_calls_no_slack_api(slack_settings, slack_services):
    # many prefecture networks block slack.com: building the app and mounting it must not call the Web API
    import dataclasses

    from fastapi import FastAPI

    from bot.slack.app import build_bolt_app
    from bot.slack.http import attach_slack
    from tests.bot.slack.slack_double import SlackDouble

    quiet = SlackDouble().start()
    try:
        services = dataclasses.replace(
            slack_services, settings=slack_settings.model_copy(update={"slack_api_base_url": quiet.api_url}))
        app = build_bolt_app(services)
        attach_slack(FastAPI(), services)
        assert app.client.base_url == quiet.api_url
        assert quiet.calls == []
    finally:
        quiet.stop()


def test_thread_history_unavailable_still_answers_a_mention(slack, slack_double):
    parent = slack_double.add_user_message("CNOSCOPE1", "スレッドの親", EXPORTER)
    with slack_double.failing_method("conversations.replies", "missing_scope"):
        message, _ = slack.mention("CNOSCOPE1", EXPORTER, "香港向けにカキを出荷できますか？", thread_ts=parent["ts"])
        [answer] = wait_answer(slack_double, "CNOSCOPE1", parent["ts"])
    assert slack_double.calls_to("conversations.replies", channel="CNOSCOPE1")[0].response["ok"] is False
    assert "oyster-hongkong" in all_text(answer)


def test_a_non_coordinator_cannot_submit_a_draft(slack, slack_double, slack_services):
    before = len(slack_services.curated)
    view = {"id": "VFORGED1", "type": "modal", "callback_id": VIEW_CALLBACK_ID,
            "private_metadata": json.dumps({"draft_id": "x", "channel": PUBLIC_CHANNEL, "thread_ts": "1.0"})}
    response = slack.interaction(_submission(view, "質問", "回答", [OPTION_POST, OPTION_SAVE], user=EXPORTER))
    assert response.json() == {"response_action": "errors", "errors": {BLOCK_TEXT: texts.SLACK_DRAFT_REFUSED}}
    # Bolt still starts the lazy listener after an error ack; let a later request finish before looking
    probe, _ = slack.message("D0PROBE4", EXPORTER, "香港向けにカキを出荷できますか？", channel_type="im")
    wait_answer(slack_double, "D0PROBE4", probe["ts"])
    assert slack_double.calls_to("chat.postMessage", channel=PUBLIC_CHANNEL, thread_ts="1.0") == []
    assert len(slack_services.curated) == before


def test_a_failed_thread_post_still_saves_and_tells_the_coordinator(slack, slack_double, slack_services):
    question = slack_double.add_user_message(PUBLIC_CHANNEL, "牛肉を輸出するにはどんな手続きが必要？", EXPORTER)
    _shortcut(slack, slack_double, COORDINATOR, question, "trig-draft-3")
    [opened] = slack_double.wait_for("views.open", trigger_id="trig-draft-3")
    view = slack_double.wait_for("views.update", view_id=opened.response["view"]["id"])[0].args["view"]
    before = len(slack_services.curated)

    def saved_notes() -> list[Call]:
        return [c for c in slack_double.calls_to("chat.postEphemeral", user=COORDINATOR)
                if c.args["text"].startswith("確認済み回答として保存しました")]

    notes_before = len(saved_notes())
    with slack_double.failing_method("chat.postMessage", "not_in_channel"):
        slack.interaction(_submission(view, question["text"], "衛生証明書が必要です。", [OPTION_POST, OPTION_SAVE]))
        slack_double.wait_for("chat.postEphemeral", user=COORDINATOR, text=texts.SLACK_DRAFT_NOT_IN_CHANNEL)
        slack_double.wait_until(lambda: len(saved_notes()) > notes_before, "the saved note")
    assert len(slack_services.curated) == before + 1
