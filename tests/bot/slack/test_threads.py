"""A thread read back as conversation turns, with the slots the bot stored in message metadata."""
from __future__ import annotations

from bot.models import Answer
from bot.slack.threads import answer_metadata, strip_mentions, thread_has_answer, turns_from_replies


def test_turns_carry_slots_from_metadata_and_skip_other_bot_posts():
    answer = Answer(text="x", slots={"question": "いちごを台湾に", "product": "いちご", "country": "台湾"})
    messages = [
        {"ts": "1.1", "user": "U1", "text": "<@UBOT> いちごを台湾に"},
        {"ts": "1.2", "user": "UBOT", "bot_id": "B", "text": "回答：…", "metadata": answer_metadata(answer)},
        {"ts": "1.3", "user": "UBOT", "bot_id": "B", "text": "相談依頼"},
        {"ts": "1.4", "user": "U1", "text": "じゃあ香港は？"},
        {"ts": "1.5", "user": "U1", "text": "later"},
    ]
    turns = turns_from_replies(messages, current_ts="1.4")
    assert [t.role for t in turns] == ["user", "assistant"]
    assert turns[0].text == "いちごを台湾に"
    assert turns[1].slots == {"question": "いちごを台湾に", "product": "いちご", "country": "台湾"}
    assert thread_has_answer(messages) and not thread_has_answer(messages[:1])


def test_none_slots_are_left_out_of_metadata():
    meta = answer_metadata(Answer(text="x", slots={"product": None, "country": "香港"}, mode="extractive"))
    assert meta["event_payload"] == {"country": "香港", "mode": "extractive"}


def test_strip_mentions():
    assert strip_mentions("<@U123ABC> 質問です <@U9|name>") == "質問です"


def test_slack_markup_is_decoded_for_the_chain():
    from bot.slack.threads import plain_text

    raw = ("<@UBOT> A&amp;B商事です。&lt;至急&gt; <https://example.co.jp/spec.pdf|規格書> と <https://example.jp> "
           "<#C0EXPORT|輸出相談> <!here> <!subteam^S0COORD1|@coordinators>")
    assert plain_text(raw) == ("A&B商事です。<至急> 規格書（https://example.co.jp/spec.pdf） と https://example.jp "
                               "#輸出相談 @here @coordinators")


def test_a_broadcast_reply_or_a_message_with_a_file_is_a_turn():
    messages = [{"ts": "1.1", "user": "U1", "text": "いちごを台湾に", "subtype": "thread_broadcast"},
                {"ts": "1.2", "user": "U1", "text": "添付の規格で", "subtype": "file_share"},
                {"ts": "1.3", "user": "U1", "text": "参加しました", "subtype": "channel_join"}]
    assert [t.text for t in turns_from_replies(messages, current_ts="9.9")] == ["いちごを台湾に", "添付の規格で"]
