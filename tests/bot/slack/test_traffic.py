"""The review's traffic scenarios end to end: signed requests to a real server, the real chain, every Web API
call recorded by the double (429s, not_in_channel, status, prompts)."""
from __future__ import annotations

import json

import pytest

from bot import texts
from bot.feedback import FeedbackStore
from bot.slack.drafting import BLOCK_QUESTION, OPTION_POST, OPTION_SAVE
from bot.slack.listeners.buttons import REASON_BLOCK, REASON_INPUT, REASON_VIEW_CALLBACK_ID
from tests.bot.slack.conftest import COORDINATOR, EXPORTER, PUBLIC_CHANNEL, GatedChain, custom_slack
from tests.bot.slack.slack_double import BOT_USER_ID
from tests.bot.slack.test_app import (
    STRAWBERRY_TAIWAN,
    _shortcut,
    _submission,
    answers_in_thread,
    feedback_click,
    wait_answer,
)

OYSTER_HK = "香港向けにカキを出荷できますか？"


def settle(slack, double, channel: str = "D0SETTLE") -> None:
    """A DM answered after the events under test (so those were decided), then the answer pool drained (so
    whatever they handed over has been posted)."""
    probe, _ = slack.message(channel, EXPORTER, OYSTER_HK, channel_type="im")
    wait_answer(double, channel, probe["ts"])
    assert slack.parts.pool.wait_idle(timeout=60)


@pytest.fixture
def rig(slack_settings, slack_services, slack_double, tmp_path):
    def make(**kw):
        return custom_slack(slack_settings, slack_services, slack_double, tmp_path, **kw)
    return make


# --- H3 / item 2: who the bot answers in a thread ---

def test_thread_chatter_and_escalation_are_left_to_the_people(slack, slack_double):
    channel = "CCHAT01"
    first, _ = slack.mention(channel, EXPORTER, STRAWBERRY_TAIWAN)
    wait_answer(slack_double, channel, first["ts"])
    thread = first["ts"]
    slack.message(channel, EXPORTER, "ありがとうございました！助かりました。", channel_type="channel", thread_ts=thread)
    slack.message(channel, EXPORTER, f"<@{COORDINATOR}> よろしくお願いします。", channel_type="channel", thread_ts=thread)
    follow, _ = slack.message(channel, EXPORTER, "じゃあ香港は？", channel_type="channel", thread_ts=thread)
    [_, second] = wait_answer(slack_double, channel, thread, count=2)  # the real follow-up is answered
    assert second.args["metadata"]["event_payload"]["country"] == "香港"
    # a coordinator steps in: from now on the thread is theirs
    slack.message(channel, COORDINATOR, "担当の佐藤です。明日こちらからお電話いたします。", channel_type="channel",
                  thread_ts=thread)
    slack.message(channel, EXPORTER, "台湾の場合はどうですか", channel_type="channel", thread_ts=thread)
    settle(slack, slack_double, "D0SETTLE1")
    assert len(answers_in_thread(slack_double, channel, thread)) == 2
    assert len(slack_double.calls_to("chat.postMessage", channel=channel, thread_ts=thread)) == 2
    # until the asker mentions the bot again
    slack.mention(channel, EXPORTER, "台湾の場合はどうですか", thread_ts=thread)
    wait_answer(slack_double, channel, thread, count=3)


def test_after_consult_the_bot_keeps_out_of_the_thread(slack, slack_double):
    channel = "CCONSULT1"
    first, _ = slack.mention(channel, EXPORTER, OYSTER_HK)
    [answer] = wait_answer(slack_double, channel, first["ts"])
    consult = next(e for b in answer.args["blocks"] if b["type"] == "actions" for e in b["elements"])
    slack.interaction({
        "type": "block_actions", "user": {"id": EXPORTER}, "channel": {"id": channel},
        "container": {"type": "message", "message_ts": answer.response["ts"], "channel_id": channel},
        "message": {"type": "message", "ts": answer.response["ts"], "thread_ts": first["ts"], "text": "x"},
        "response_url": slack_double.response_url("consult-x"), "trigger_id": "trig-consult-x",
        "actions": [{**consult, "block_id": "answer_actions", "type": "button", "action_ts": "1.1"}],
    })
    wait_answer(slack_double, channel, first["ts"], count=2)  # the consult request
    slack.message(channel, EXPORTER, "じゃあ台湾は？", channel_type="channel", thread_ts=first["ts"])
    settle(slack, slack_double, "D0SETTLE2")
    assert len(slack_double.calls_to("chat.postMessage", channel=channel, thread_ts=first["ts"])) == 2


def test_a_tag_only_channel_answers_mentions_only(rig, slack_double):
    channel = "CTAGONLY1"
    with rig(channels_yaml=f"channels:\n  {channel}:\n    tag_only: true\n") as slack:
        first, _ = slack.mention(channel, EXPORTER, STRAWBERRY_TAIWAN)
        wait_answer(slack_double, channel, first["ts"])
        slack.message(channel, EXPORTER, "じゃあ香港は？", channel_type="channel", thread_ts=first["ts"])
        settle(slack, slack_double, "D0SETTLE3")
    assert len(slack_double.calls_to("chat.postMessage", channel=channel, thread_ts=first["ts"])) == 1


def test_an_ephemeral_channel_shows_the_answer_to_the_asker_only(rig, slack_double):
    channel = "CEPHEM1"
    with rig(channels_yaml=f"channels:\n  {channel}:\n    ephemeral: true\n") as slack:
        first, _ = slack.mention(channel, EXPORTER, OYSTER_HK)
        [shown] = slack_double.wait_for("chat.postEphemeral", channel=channel, user=EXPORTER)
    assert "oyster-hongkong" in json.dumps(shown.args["blocks"], ensure_ascii=False)
    assert "share_to_channel" in json.dumps(shown.args["blocks"])
    assert slack_double.calls_to("chat.postMessage", channel=channel) == []


# --- M2: bots ---

def test_a_mention_by_another_bot_is_ignored_unless_the_channel_allows_bots(rig, slack, slack_double):
    def bot_mention(sender, channel):
        message = slack_double.add_user_message(channel, f"<@{BOT_USER_ID}> {OYSTER_HK}", "UOTHERBOT")
        sender.event({"type": "app_mention", "channel": channel, "user": "UOTHERBOT", "bot_id": "BOTHER01",
                      "text": message["text"], "ts": message["ts"], "event_ts": message["ts"]})
        return message

    ignored = bot_mention(slack, "CBOTS01")
    settle(slack, slack_double, "D0SETTLE4")
    assert slack_double.calls_to("chat.postMessage", channel="CBOTS01") == []
    with rig(channels_yaml="channels:\n  CBOTS02:\n    respond_to_bots: true\n") as allowed:
        message = bot_mention(allowed, "CBOTS02")
        wait_answer(slack_double, "CBOTS02", message["ts"])
    assert ignored


# --- M1: 429 ---

@pytest.mark.parametrize("times", [1, 2])
def test_a_rate_limited_post_is_retried_and_the_answer_arrives(slack, slack_double, times):
    channel = f"CLIMIT{times}"
    with slack_double.rate_limiting("chat.postMessage", times=times, retry_after=0):
        message, _ = slack.mention(channel, EXPORTER, OYSTER_HK)
        slack_double.wait_until(
            lambda: any(c.response.get("ok") for c in slack_double.calls_to("chat.postMessage", channel=channel)),
            "the answer after the 429s")
    posted = [c for c in slack_double.calls_to("chat.postMessage", channel=channel) if c.response.get("ok")]
    assert len(posted) == 1 and "oyster-hongkong" in json.dumps(posted[0].args["blocks"], ensure_ascii=False)
    assert len([c for c in slack_double.calls_to("chat.postMessage", channel=channel)
                if c.response.get("error") == "ratelimited"]) == times


# --- M9 and M8: subtypes, DM follow-ups ---

def test_a_broadcast_follow_up_and_a_dm_with_a_file_are_answered(slack, slack_double):
    channel = "CBCAST1"
    first, _ = slack.mention(channel, EXPORTER, STRAWBERRY_TAIWAN)
    wait_answer(slack_double, channel, first["ts"])
    reply = slack_double.add_user_message(channel, "じゃあ香港は？", EXPORTER, first["ts"])
    slack.event({"type": "message", "subtype": "thread_broadcast", "channel": channel, "channel_type": "channel",
                 "user": EXPORTER, "text": reply["text"], "ts": reply["ts"], "thread_ts": first["ts"],
                 "event_ts": reply["ts"]})
    wait_answer(slack_double, channel, first["ts"], count=2)
    dm = slack_double.add_user_message("D0FILE1", OYSTER_HK, EXPORTER)
    slack.event({"type": "message", "subtype": "file_share", "channel": "D0FILE1", "channel_type": "im",
                 "user": EXPORTER, "text": dm["text"], "ts": dm["ts"], "event_ts": dm["ts"],
                 "files": [{"id": "F1", "name": "spec.pdf"}]})
    wait_answer(slack_double, "D0FILE1", dm["ts"])


def test_a_top_level_dm_follow_up_keeps_the_conversation(slack, slack_double):
    first, _ = slack.message("D0FOLLOW1", EXPORTER, STRAWBERRY_TAIWAN, channel_type="im")
    wait_answer(slack_double, "D0FOLLOW1", first["ts"])
    second, _ = slack.message("D0FOLLOW1", EXPORTER, "じゃあ香港は？", channel_type="im")  # top level, as in DMs
    [answer] = wait_answer(slack_double, "D0FOLLOW1", second["ts"])
    slots = answer.args["metadata"]["event_payload"]
    assert (slots["product"], slots["country"]) == ("いちご", "香港")


# --- H2 / item 3: acks with every answer worker busy ---

def test_clicks_and_shortcuts_are_handled_while_every_answer_worker_is_busy(rig, slack_double, slack_services):
    gated = GatedChain(slack_services.chain)
    with rig(chain=gated, slack_answer_workers=2) as slack:
        for i in range(6):  # two answering, four queued (more than Bolt's own five threads)
            slack.message(f"D0BUSY{i}", EXPORTER, OYSTER_HK, channel_type="im")
        slack_double.wait_until(lambda: gated.waiting == 2, "both workers busy")
        question = slack_double.add_user_message(PUBLIC_CHANNEL, "牛肉を輸出するにはどんな手続きが必要？", EXPORTER)
        response = _shortcut(slack, slack_double, COORDINATOR, question, "trig-busy-1")
        # the modal was opened before the ack came back, although no worker is free
        assert response.status_code == 200
        assert slack_double.calls_to("views.open", trigger_id="trig-busy-1")
        up = {"type": "feedback_buttons", "action_id": "answer_feedback", "block_id": "answer_feedback",
              "value": json.dumps({"r": "up", "q": "質問"}), "action_ts": "1.1"}
        click = slack.interaction({
            "type": "block_actions", "user": {"id": EXPORTER}, "channel": {"id": "CBUSYFB"},
            "container": {"type": "message", "message_ts": "5.5", "channel_id": "CBUSYFB"},
            "message": {"type": "message", "ts": "5.5", "thread_ts": "5.0", "text": "回答"},
            "response_url": slack_double.response_url("busy-fb"), "trigger_id": "trig-busy-fb", "actions": [up]})
        assert click.status_code == 200
        slack_double.wait_for("chat.postEphemeral", channel="CBUSYFB", text=texts.SLACK_FEEDBACK_THANKS)
        assert gated.waiting == 2  # still busy: the thanks did not wait for them
        gated.gate.set()
        for i in range(6):
            slack_double.wait_for("chat.postMessage", channel=f"D0BUSY{i}")


def test_a_full_queue_says_busy_instead_of_growing(rig, slack_double, slack_services):
    gated = GatedChain(slack_services.chain)
    from bot.slack import workers

    with rig(chain=gated, slack_answer_workers=1) as slack:
        pool = slack.parts.pool
        pool._slots = workers.threading.BoundedSemaphore(2)  # one answering, one waiting
        for i in range(3):
            slack.message(f"D0FULL{i}", EXPORTER, OYSTER_HK, channel_type="im")
        [busy] = slack_double.wait_for("chat.postMessage", text=texts.SLACK_BUSY)
        gated.gate.set()
        answered = [c.args["channel"] for i in range(3) for c in slack_double.calls_to("chat.postMessage",
                                                                                       channel=f"D0FULL{i}")]
        for channel in {f"D0FULL{i}" for i in range(3)} - {busy.args["channel"]}:
            slack_double.wait_for("chat.postMessage", channel=channel)
    assert busy.args["channel"].startswith("D0FULL") and busy.args["channel"] in answered


# --- drafting: M4, M5, M6 ---

def test_a_long_enquiry_opens_an_editable_draft_and_a_long_save_keeps_the_modal_open(slack, slack_double):
    enquiry = ("いつもお世話になっております。弊社は県内で食品を製造している会社です。牛肉を輸出するにはどんな手続きが必要でしょうか。"
               + "弊社の製品と体制について補足いたします。" * 30)
    assert len(enquiry) > 500
    question = slack_double.add_user_message(PUBLIC_CHANNEL, enquiry, EXPORTER)
    _shortcut(slack, slack_double, COORDINATOR, question, "trig-long-1")
    [opened] = slack_double.wait_for("views.open", trigger_id="trig-long-1")
    view = slack_double.wait_for("views.update", view_id=opened.response["view"]["id"])[0].args["view"]
    inputs = {b.get("block_id"): b for b in view["blocks"]}
    assert inputs[BLOCK_QUESTION]["element"]["initial_value"] == enquiry  # nothing cut from what is shown
    response = slack.interaction(_submission(view, enquiry, "衛生証明書が必要です。", [OPTION_POST, OPTION_SAVE]))
    assert response.json() == {"response_action": "errors",
                               "errors": {BLOCK_QUESTION: texts.question_too_long(500)}}


def test_a_saved_curated_answer_is_the_answer_body_only(slack, slack_double, slack_services, slack_settings):
    question = slack_double.add_user_message(PUBLIC_CHANNEL, "牛肉の輸出手続きの流れを知りたい", EXPORTER)
    _shortcut(slack, slack_double, COORDINATOR, question, "trig-body-1")
    [opened] = slack_double.wait_for("views.open", trigger_id="trig-body-1")
    view = slack_double.wait_for("views.update", view_id=opened.response["view"]["id"])[0].args["view"]
    draft = next(b for b in view["blocks"] if b.get("block_id") == "draft_text")["element"]["initial_value"]
    assert texts.SLACK_DRAFT_GREETING in draft
    before = len(slack_services.curated)
    slack.interaction(_submission(view, question["text"], draft, [OPTION_SAVE]))
    slack_double.wait_until(lambda: len(slack_services.curated) > before, "the curated answer")
    last = slack_services.curated.path.read_text(encoding="utf-8").strip().splitlines()[-1]
    text = json.dumps(json.loads(last), ensure_ascii=False)
    assert "牛肉の輸出手続きの流れを知りたい" in text
    assert texts.SLACK_DRAFT_GREETING not in text and texts.SLACK_DRAFT_CLOSING not in text
    assert texts.SLACK_DRAFT_SOURCES_LEAD not in text


def test_a_reply_to_a_channel_without_the_bot_is_reported_by_dm(slack, slack_double):
    channel = "CNOBOT1"
    question = slack_double.add_user_message(channel, "牛肉を輸出するにはどんな手続きが必要？", EXPORTER)
    slack.interaction({
        "type": "message_action", "callback_id": "draft_reply", "trigger_id": "trig-nobot",
        "user": {"id": COORDINATOR}, "channel": {"id": channel}, "message_ts": question["ts"],
        "message": {"type": "message", "user": EXPORTER, "ts": question["ts"], "text": question["text"]},
        "response_url": slack_double.response_url("nobot")})
    [opened] = slack_double.wait_for("views.open", trigger_id="trig-nobot")
    view = slack_double.wait_for("views.update", view_id=opened.response["view"]["id"])[0].args["view"]
    with slack_double.absent(channel):
        slack.interaction(_submission(view, question["text"], "衛生証明書が必要です。", [OPTION_POST]))
        [dm] = slack_double.wait_for("chat.postMessage", channel=COORDINATOR)
    assert dm.args["text"].startswith(texts.SLACK_DRAFT_NOT_IN_CHANNEL)


# --- L5: feedback ---

def test_repeated_clicks_keep_one_rating_and_a_thumbs_down_asks_why(rig, slack_double):
    with rig() as slack:
        first, _ = slack.mention("CFEED1", EXPORTER, OYSTER_HK)
        [answer] = wait_answer(slack_double, "CFEED1", first["ts"])
        payload = {"type": "block_actions", "user": {"id": EXPORTER}, "channel": {"id": "CFEED1"},
                   "container": {"type": "message", "message_ts": answer.response["ts"], "channel_id": "CFEED1"},
                   "message": {"type": "message", "ts": answer.response["ts"], "thread_ts": first["ts"],
                               "text": answer.args["text"]},
                   "response_url": slack_double.response_url("fb-x")}
        for i in range(3):
            slack.interaction({**payload, "trigger_id": f"trig-up-{i}", "actions": [feedback_click(answer.args, "up")]})
        slack_double.wait_for("chat.postEphemeral", channel="CFEED1", text=texts.SLACK_FEEDBACK_THANKS)
        down = slack.interaction({**payload, "trigger_id": "trig-down-1",
                                  "actions": [feedback_click(answer.args, "down")]})
        assert down.status_code == 200
        [modal] = slack_double.calls_to("views.open", trigger_id="trig-down-1")  # opened inside the ack
        view = {**modal.args["view"], "id": modal.response["view"]["id"]}
        assert view["callback_id"] == REASON_VIEW_CALLBACK_ID
        sent = slack.interaction({"type": "view_submission", "user": {"id": EXPORTER}, "view": {**view, "state": {
            "values": {REASON_BLOCK: {REASON_INPUT: {"type": "plain_text_input", "value": "情報が古い"}}}}}})
        assert sent.status_code == 200
        settings_db = slack.parts.feedback.path
    rows = FeedbackStore(settings_db).entries(answer_id=f"slack:CFEED1:{answer.response['ts']}")
    # one rating per answer and person: the later 👎 with its reason replaces the three 👍 clicks
    assert [(r.rating, r.comment) for r in rows] == [("down", "情報が古い")]


# --- item 4: the assistant container ---

def test_an_assistant_thread_gets_suggested_prompts(slack, slack_double):
    slack.event({"type": "assistant_thread_started", "event_ts": "7.0",
                 "assistant_thread": {"user_id": EXPORTER, "channel_id": "D0ASSIST1", "thread_ts": "7.0",
                                      "context": {}}})
    [call] = slack_double.wait_for("assistant.threads.setSuggestedPrompts", channel_id="D0ASSIST1")
    assert call.response["ok"] is True
    assert call.args["title"] == texts.SLACK_ASSISTANT_PROMPTS_TITLE
    assert 1 <= len(call.args["prompts"]) <= 4


# --- L3: a restart inside Slack's retry window ---

def test_a_retry_after_a_restart_is_not_answered_twice(rig, slack_double):
    message = slack_double.add_user_message("CRESTART1", f"<@{BOT_USER_ID}> {OYSTER_HK}", EXPORTER)
    event = {"type": "app_mention", "channel": "CRESTART1", "user": EXPORTER, "text": message["text"],
             "ts": message["ts"], "event_ts": message["ts"]}
    with rig() as before:
        before.event(event, event_id="EvRESTART1")
        wait_answer(slack_double, "CRESTART1", message["ts"])
    with rig() as after:  # a new process on the same state file
        retry = after.event(event, event_id="EvRESTART1", headers={"X-Slack-Retry-Num": "1"})
        assert retry.headers.get("x-slack-no-retry") == "1"
        settle(after, slack_double, "D0SETTLE5")
    assert len(slack_double.calls_to("chat.postMessage", channel="CRESTART1")) == 1


# --- item 4: streaming when the answer arrives in pieces ---

def test_an_answer_in_pieces_is_streamed_and_stays_a_conversation_turn(rig, slack_double, slack_services,
                                                                      monkeypatch):
    from bot.slack import answering
    from tests.bot.slack.conftest import StreamingChain

    monkeypatch.setattr(answering, "STREAM_FLUSH_CHARS", 10)
    channel = "CSTREAM1"
    with rig(chain=StreamingChain(slack_services.chain)) as slack:
        first, _ = slack.mention(channel, EXPORTER, STRAWBERRY_TAIWAN)
        [stop] = slack_double.wait_for("chat.stopStream", channel=channel)
        [start] = slack_double.calls_to("chat.startStream", channel=channel)
        assert start.args["thread_ts"] == first["ts"]
        assert (start.args["recipient_user_id"], start.args["recipient_team_id"]) == (EXPORTER, "T0TEST")
        assert stop.response["ok"] and stop.args["metadata"]["event_type"] == "export_assistant_answer"
        streamed = stop.response["message"]["text"]
        assert streamed == slack_services.chain.ask(STRAWBERRY_TAIWAN, [], "public").text
        assert any(b["type"] == "context_actions" for b in stop.args["blocks"])  # feedback under the stream
        # the streamed answer is a turn like any other: a follow-up carries its slots
        slack.message(channel, EXPORTER, "じゃあ香港は？", channel_type="channel", thread_ts=first["ts"])
        slack_double.wait_until(lambda: len(slack_double.calls_to("chat.stopStream", channel=channel)) == 2,
                                "the streamed follow-up")
    follow = slack_double.calls_to("chat.stopStream", channel=channel)[1]
    assert follow.args["metadata"]["event_payload"]["country"] == "香港"


def test_a_rejected_model_stream_ends_with_the_notice_and_the_checked_answer(rig, slack_double, slack_services,
                                                                            monkeypatch):
    from bot import texts
    from bot.slack import answering
    from tests.bot.slack.conftest import StreamingChain

    monkeypatch.setattr(answering, "STREAM_FLUSH_CHARS", 10)
    channel = "CSTREAM3"
    garbage = "はい、できます。はい、できます。はい、できます。"
    with rig(chain=StreamingChain(slack_services.chain, rejected_text=garbage)) as slack:
        slack.mention(channel, EXPORTER, STRAWBERRY_TAIWAN)
        [stop] = slack_double.wait_for("chat.stopStream", channel=channel)
    shown = stop.response["message"]["text"]
    checked = slack_services.chain.ask(STRAWBERRY_TAIWAN, [], "public").text
    assert shown.index(texts.LLM_REPLACED_NOTICE) > shown.index(garbage)
    assert shown.endswith(checked)


def test_where_streaming_is_refused_the_answer_is_one_post(rig, slack_double, slack_services, monkeypatch):
    from bot.slack import answering
    from tests.bot.slack.conftest import StreamingChain

    monkeypatch.setattr(answering, "STREAM_FLUSH_CHARS", 10)
    with rig(chain=StreamingChain(slack_services.chain)) as slack, \
            slack_double.failing_method("chat.startStream", "not_allowed_token_type"):
        first, _ = slack.mention("CSTREAM2", EXPORTER, STRAWBERRY_TAIWAN)
        [answer] = wait_answer(slack_double, "CSTREAM2", first["ts"])
    assert answer.args["metadata"]["event_type"] == "export_assistant_answer"
    assert "strawberry-taiwan" in json.dumps(answer.args["blocks"], ensure_ascii=False)
    assert slack_double.calls_to("chat.appendStream", channel="CSTREAM2") == []
