"""Who the bot answers in a thread: the rule itself, and the answered-threads record surviving a restart."""
from __future__ import annotations

from bot.slack.followups import AnsweredThreads, Skip, ThreadState, follow_up_skip, is_acknowledgement
from bot.slack.state import StateDB

OPEN = ThreadState(asker="UASK", status="open")


def decide(text: str, user: str = "UASK", state: ThreadState | None = OPEN, tag_only: bool = False):
    return follow_up_skip(state, user, text, bot_user_id="UBOT", tag_only=tag_only)


def test_the_askers_follow_up_is_answered():
    assert decide("じゃあ香港は？") is None
    assert decide("<@UBOT> 台湾の場合はどうですか") is None  # the bot itself is not "another person"


def test_thanks_and_addressed_messages_and_other_people_are_not():
    assert decide("ありがとうございました！助かりました。") is Skip.ACKNOWLEDGEMENT
    assert decide("了解です 👍") is Skip.ACKNOWLEDGEMENT
    assert decide("<@UCOORD1> よろしくお願いします。") is Skip.ADDRESSED
    assert decide("担当の佐藤です。明日こちらからお電話いたします。", user="UCOORD1") is Skip.OTHER_PERSON
    assert decide("じゃあ香港は？", state=ThreadState(asker="UASK", status="human")) is Skip.HUMAN
    assert decide("じゃあ香港は？", state=None) is Skip.NOT_OURS
    assert decide("じゃあ香港は？", tag_only=True) is Skip.TAG_ONLY


def test_a_question_that_starts_with_thanks_is_still_a_question():
    assert not is_acknowledgement("ありがとうございます。では香港の場合は？")
    assert not is_acknowledgement("ありがとうございます。続けて伺いますが、輸出先の登録にはどのくらいの期間がかかるのでしょうか")
    assert not is_acknowledgement("")


def test_answered_threads_survive_a_restart_and_a_mention_reopens(tmp_path):
    path = tmp_path / "state.sqlite3"
    AnsweredThreads(StateDB(path)).answered("C1", "1.0", "UASK")
    after_restart = AnsweredThreads(StateDB(path))
    assert after_restart.get("C1", "1.0") == OPEN
    after_restart.human_stepped_in("C1", "1.0")
    assert after_restart.get("C1", "1.0").status == "human"
    after_restart.answered("C1", "1.0", "UOTHER")  # someone mentions the bot again
    assert after_restart.get("C1", "1.0") == ThreadState(asker="UOTHER", status="open")
    assert after_restart.get("C1", "2.0") is None
