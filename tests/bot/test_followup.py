from bot.followup import is_elliptical, resolve_followup
from bot.models import Turn


def test_country_swap_keeps_the_product():
    conversation = [
        Turn(role="user", text="いちごを台湾に輸出するには何が必要？"),
        Turn(role="assistant", text="…", slots={"question": "いちごを台湾に輸出するには何が必要?", "product": "いちご", "country": "台湾"}),
    ]
    question, slots = resolve_followup("じゃあ香港は？", conversation)
    assert "いちご" in question and "香港" in question and "台湾" not in question
    assert slots == {"product": "いちご", "country": "香港"}


def test_followup_without_assistant_slots_reads_the_user_turn():
    conversation = [Turn(role="user", text="仙台牛を台湾に出したい"), Turn(role="assistant", text="…")]
    question, slots = resolve_followup("アメリカは？", conversation)
    assert "仙台牛" in question and "アメリカ" in question
    assert slots["product"] == "牛肉"


def test_pronoun_takes_the_country_of_the_last_answer():
    conversation = [
        Turn(role="user", text="水産物の新しい市場はどこ？"),
        Turn(role="assistant", text="メキシコを新しい有望市場と位置づけています。"),
    ]
    _question, slots = resolve_followup("なんでその国なの？", conversation)
    assert slots["country"] == "メキシコ" and slots["product"] == "水産物"


def test_a_new_full_question_is_not_rewritten():
    conversation = [Turn(role="user", text="いちごを台湾に輸出するには？"), Turn(role="assistant", text="…")]
    question, slots = resolve_followup("日本酒の2023年の輸出額を教えてください、国全体の数字で", conversation)
    assert question.startswith("日本酒") and slots == {}


def test_no_conversation_means_no_carry_over():
    assert resolve_followup("香港は？", []) == ("香港は?", {})
    assert is_elliptical("じゃあ香港は？")
