from bot.followup import (conversation_context, earlier_nouns, is_elliptical, is_follow_up, previous_exchange,
                          resolve_followup, stands_alone)
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


def test_without_slots_an_earlier_follow_up_is_itself_resolved_first():
    # a thread read back without the assistant's slots: 「いつまでに？」 was about strawberries to Taiwan, so
    # 「じゃあ香港は？」 asks that of Hong Kong and keeps the product, not 「いつまでに？」 alone
    conversation = [
        Turn(role="user", text="いちごを台湾に出すには何が必要？"),
        Turn(role="assistant", text="残留農薬基準の確認が必要です。"),
        Turn(role="user", text="いつまでに？"),
        Turn(role="assistant", text="出荷前です。"),
    ]
    question, slots = resolve_followup("じゃあ香港は？", conversation)
    assert "いちご" in question and "香港" in question and "台湾" not in question
    assert slots == {"product": "いちご", "country": "香港"}


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


_STRAWBERRY = [
    Turn(role="user", text="いちごを台湾に輸出するには何が必要？"),
    Turn(role="assistant", text="…", slots={"question": "いちごを台湾に輸出するには何が必要?", "product": "いちご", "country": "台湾"}),
]


def test_a_short_question_with_its_own_topic_is_answered_as_asked():
    # the widget always sends its conversation id: a new topic must not inherit the strawberry slots
    for question in ("宮城県の輸出戦略の基本方針は？", "グローバル産地ってなに？", "越境ECで買う人は何を重視するの？",
                     "2022年度版の戦略の基幹品目はいくつ？"):
        assert stands_alone(question), question
        assert resolve_followup(question, _STRAWBERRY) == (question.replace("？", "?"), {})


def test_elliptical_questions_without_a_topic_lean_on_the_conversation():
    for question in ("金額は？", "じゃあ香港は？", "前の計画の目標は？", "宣言したのはいつ？", "それっていつまでの数字？",
                     "And what about Hong Kong?", "通年だと？"):
        assert not stands_alone(question), question


def test_a_year_follow_up_asks_the_same_question_for_that_year():
    conversation = [Turn(role="user", text="輸出に取り組む県内企業の増加、2023年の実績は？"), Turn(role="assistant", text="10件です。")]
    question, _slots = resolve_followup("じゃあ2022年は？", conversation)
    assert question == "輸出に取り組む県内企業の増加、2022年の実績は?"


def test_a_topic_less_follow_up_carries_the_earlier_topic():
    conversation = [Turn(role="user", text="海外販路開拓相談って2022年は何件？"), Turn(role="assistant", text="294件です。")]
    question, _slots = resolve_followup("前の計画の目標は？", conversation)
    assert question.startswith("前の計画の目標は?") and "販路" in question and "相談" in question


def test_a_product_and_what_is_asked_about_it_stand_alone_unless_they_point_back():
    # 「日本酒の輸出先は？」 after a sweet-potato question is a new question, not the old one with sake swapped in
    assert stands_alone("日本酒の輸出先は？")
    question, slots = resolve_followup("日本酒の輸出先は？", _STRAWBERRY)
    assert question == "日本酒の輸出先は?" and slots == {}
    for pointing_back in ("じゃあ日本酒の輸出先は？", "その日本酒の輸出先は？", "日本酒は？"):
        assert not stands_alone(pointing_back), pointing_back


def test_a_swap_replaces_the_destination_in_the_words_the_earlier_question_used():
    conversation = [
        Turn(role="user", text="Can Miyagi seafood be exported to South Korea?"),
        Turn(role="assistant", text="No.", slots={"question": "Can Miyagi seafood be exported to South Korea?",
                                                  "product": "水産物", "country": "韓国"}),
    ]
    question, slots = resolve_followup("What about Hong Kong?", conversation)
    assert question == "Can Miyagi seafood be exported to Hong Kong?"
    assert slots == {"product": "水産物", "country": "香港"}


def test_a_year_named_relative_to_the_conversation_is_resolved():
    conversation = [Turn(role="user", text="輸出商品の数は？"), Turn(role="assistant", text="2023年は296商品でした。")]
    assert resolve_followup("その前の年は？", conversation)[0] == "2022年の輸出商品の数は?"
    assert resolve_followup("じゃあ翌年は？", conversation)[0] == "2024年の輸出商品の数は?"
    asked_for_2023 = [Turn(role="user", text="2023年の輸出商品の数は？"), Turn(role="assistant", text="296商品です。")]
    assert resolve_followup("前の年は？", asked_for_2023)[0] == "2022年の輸出商品の数は?"
    for comparing in ("前年比は？", "前の年と比べると？", "前の年より増えてる？"):  # the change, not the year before
        assert "2022年" not in resolve_followup(comparing, asked_for_2023)[0], comparing


def test_a_food_outside_the_vocabulary_and_what_is_asked_about_it_stand_alone():
    # 鯛 is one character (no topic noun) and no product of the vocabulary, but a food all the same
    assert stands_alone("鯛の輸出の売りは？") and stands_alone("納豆の輸出先は？")
    assert not stands_alone("じゃあ鯛は？")
    conversation = [Turn(role="user", text="仙台牛の輸出量って2023年度どのくらい？"), Turn(role="assistant", text="約46トンです。")]
    question, slots = resolve_followup("鯛の輸出の売りは？", conversation)
    assert question == "鯛の輸出の売りは?" and slots == {}


def test_a_noun_picked_up_from_the_last_answer_is_not_a_topic_of_its_own():
    conversation = [
        Turn(role="user", text="アメリカで日本酒を売り込む計画ってある？"),
        Turn(role="assistant", text="サンフランシスコの大きな日本酒イベントに出展する予定です。"),
    ]
    assert "イベント" in earlier_nouns(conversation)
    assert stands_alone("イベントに出る以外には？")  # on its own, イベント is a topic
    question, slots = resolve_followup("イベントに出る以外には？", conversation)
    assert "日本酒" in question and slots["product"] == "日本酒" and slots["country"] == "アメリカ"


def test_pointing_back_at_what_was_said_leans_on_the_conversation_with_a_little_topic_of_its_own():
    assert not stands_alone("それって同じ業界の会社どうしの連携？")
    assert not stands_alone("Is that an annual event?")
    # この points at the document being read, not at the last answer
    assert stands_alone("この輸出戦略の基本方針は？")
    assert stands_alone("同じ業界の会社どうしの連携ってある？")


def test_a_long_thread_without_slots_is_read_in_one_pass():
    conversation = [Turn(role="user", text="いちごを台湾に出すには何が必要？"), Turn(role="assistant", text="…")]
    for _ in range(800):  # deeper than Python's recursion limit: one turn at a time, oldest first
        conversation += [Turn(role="user", text="それは？"), Turn(role="assistant", text="…")]
    question, slots = resolve_followup("じゃあ香港は？", conversation)
    assert "香港" in question and slots == {"product": "いちご", "country": "香港"}


def test_それぞれ_and_そこで_do_not_point_back_and_english_it_is_no_demonstrative():
    assert stands_alone("Is it true that sake exports grew this year?")
    assert stands_alone("日本酒と米それぞれの輸出額の目標は？")


def test_どこの_is_a_question_word_not_a_demonstrative():
    # 「どこの」 holds 「この」: the product and its own predicate stand alone after any earlier topic
    conversation = [Turn(role="user", text="輸出を始めるのにどんな支援がありますか"),
                    Turn(role="assistant", text="県は、協議会やジェトロと組んで、輸出を始める事業者を支援します。[1]")]
    assert not is_follow_up("仙台牛はどこの国に輸出されてる？", conversation)
    assert is_follow_up("この支援は誰が受けられる？", conversation)


def test_only_a_follow_up_is_read_with_the_previous_exchange():
    conversation = [Turn(role="user", text="日本酒の輸出、今どうなってる？"), Turn(role="assistant", text="輸出額は伸びています。"),
                    Turn(role="user", text="さつまいもの輸出目標は？"), Turn(role="assistant", text="2025年に28億円です。")]
    assert previous_exchange(conversation) == "さつまいもの輸出目標は？ 2025年に28億円です。"  # the last exchange only
    assert is_follow_up("実績は？", conversation) and conversation_context("実績は？", conversation)
    assert not is_follow_up("宮城県の輸出戦略の基本方針は？", conversation)
    assert not is_follow_up("実績は？", []) and conversation_context("実績は？", []) == ""
    # a follow-up that swaps in its own product or destination is not searched with the exchange about the old one
    assert is_follow_up("じゃあ日本酒は？", conversation) and conversation_context("じゃあ日本酒は？", conversation) == ""
    assert previous_exchange([]) == ""


def test_the_previous_exchange_leaves_out_the_assistant_s_words_about_itself():
    from bot import texts

    abstained = [Turn(role="user", text="補助金の上限は？"),
                 Turn(role="assistant", text=f"{texts.ABSTAIN}\n{texts.ABSTAIN_POINTER}[1]")]
    assert previous_exchange(abstained) == "補助金の上限は？"  # the desk pointer must not pull the desk note in
    partial = [Turn(role="user", text="2024年の件数は？"),
               Turn(role="assistant", text=f"{texts.partial_lead('2024年の件数')}\n2023年は10件でした。[1]\n"
                                           f"{texts.ABSTAIN_POINTER}[2]")]
    assert previous_exchange(partial) == "2024年の件数は？ 2023年は10件でした。"
    english = [Turn(role="user", text="Can I export sake?"),
               Turn(role="assistant", text=f"{texts.ENGLISH_LEAD}\n{texts.STATUS_LEAD}日本酒は輸出できます。[1]")]
    assert previous_exchange(english) == "Can I export sake? 日本酒は輸出できます。"
    no_rules = [Turn(role="user", text="味噌を輸出したい"),
                Turn(role="assistant", text=texts.SLACK_FALLBACK_PREFIX + texts.no_rules_note("味噌", ["香港", "台湾"]))]
    assert previous_exchange(no_rules) == "味噌を輸出したい"  # a Slack turn's prefix and the no-rules note are ours


def test_a_question_pointing_back_carries_the_figures_the_last_answer_gave():
    conversation = [Turn(role="user", text="タイ向けのいちご、最初は何軒の農家で始めたの？"),
                    Turn(role="assistant", text="2023年1月に、県内の5軒の生産者が始めました。[1]")]
    question, _slots = resolve_followup("それって今は何軒？", conversation)
    assert "5軒" in question and "[1]" not in question
    question, _slots = resolve_followup("今は何軒？", conversation)  # nothing pointed at: no figure carried
    assert "5軒" not in question
