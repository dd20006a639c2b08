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
