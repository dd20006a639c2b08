import pytest

from bot.query import analyze, answer_type_missing, content_nouns, glossary_terms, normalize_question


def test_nfkc_and_whitespace():
    assert normalize_question("  ２０２３年　の　輸出額は？ ") == "2023年 の 輸出額は?"


def test_glossary_expands_abbreviations_and_variants():
    terms = glossary_terms("ドンキとの協定はいつ?")
    assert "ドン・キホーテ" in terms and "PPIH" in terms
    assert "カキ" in glossary_terms("牡蠣は香港に出せる?")
    assert "ALPS処理水" in glossary_terms("処理水の影響は?")


def test_longest_glossary_form_wins():
    terms = glossary_terms("is there an import ban?")
    assert terms.count("禁輸措置") == 1


def test_slots_from_japanese_and_english():
    a = analyze("牡蠣は今香港に輸出できますか？")
    assert (a.product, a.country) == ("水産物", "香港")
    e = analyze("Can I export oysters to Hong Kong?")
    assert (e.product, e.country) == ("水産物", "香港")
    assert e.is_english and "禁輸措置" not in e.normalized
    assert "カキ" in e.search_text  # the lexical side gets Japanese words for an English question


def test_us_is_a_country_not_rice():
    a = analyze("米国に日本酒を売るには？")
    assert a.country == "アメリカ"
    assert a.product == "日本酒"


def test_carried_slots_fill_only_missing_ones():
    a = analyze("香港はどうですか？", carried_slots={"product": "いちご", "country": "台湾"})
    assert (a.product, a.country) == ("いちご", "香港")


def test_needs_destination_only_for_status_questions_without_country():
    assert analyze("いちごって輸出できますか？").needs_destination
    assert not analyze("いちごを台湾に輸出できますか？").needs_destination
    assert not analyze("水産物に禁輸をかけている国はどこ？").needs_destination
    assert not analyze("2023年のいちごの輸出額は？").needs_destination


def test_an_english_status_question_asks_yes_or_no():
    assert analyze("Can I export oysters?").needs_destination
    assert analyze("So, are strawberries allowed?").needs_destination
    # a ban mentioned on the way to another ask is no question of whether export is possible
    mention = analyze("Besides getting import bans lifted, what else does the prefecture want for its seafood?")
    assert not mention.asks_status and not mention.needs_destination
    # a yes/no question after a greeting, or asked indirectly, is one too
    assert analyze("Hello, can I export wagyu?").needs_destination
    assert analyze("I want to know if beef is banned").asks_status


def test_content_nouns_skip_question_words():
    nouns = content_nouns("台湾にいちごを輸出するときの関税率は何％？")
    assert "関税率" in nouns and "台湾" in nouns
    assert not any(n.startswith("何") for n in nouns)


@pytest.mark.parametrize(("question", "sentences", "missing"), [
    ("手数料はいくらですか？", ["手数料は1件3,000円です。"], False),
    ("手数料はいくらですか？", ["手数料は窓口で払います。"], True),
    ("関税率は何パーセントですか？", ["関税率は12.5%です。"], False),
    ("関税率は何パーセントですか？", ["関税は3,000円です。"], True),  # a rate question wants a rate, not money
    ("申請先はどこですか？", ["申請は窓口で受け付けます。"], False),  # not an amount question: never missing
])
def test_answer_type_is_missing_only_for_amount_questions_without_an_amount(question, sentences, missing):
    assert answer_type_missing(question, sentences) is missing


def test_the_query_analysis_cuts_with_the_lexical_index_s_sudachi_tokenizer():
    from bot.query import _sudachi
    from ingest import sudachi_tokenizer

    # one Dictionary (one mapping of the 200 MB system.dic) per thread, not one per module
    assert _sudachi() is sudachi_tokenizer()


def test_figures_in_gives_the_numbers_with_a_figure_unit_in_order_and_not_years():
    from bot.query import figures_in

    text = "2023年の輸出額は約15億円で、前年比12%増、46トン、5軒の生産者、第2位。首位はトップの国。"
    assert figures_in(text) == ["15億円", "12%", "46トン", "5軒", "2位"]
    assert figures_in("2024年度から始めました。") == []


def test_a_day_asked_is_not_answered_by_a_year_or_a_month():
    from bot.query import asked_type, asked_type_missing

    assert asked_type("見本市は2024年の何月何日から？") == "day" and asked_type("何日間かかる？") is None
    assert asked_type_missing("開催日は？", ["見本市は2024年5月に開かれました。"]) == "day"
    assert asked_type_missing("開催日は？", ["見本市は2024年5月22日に開かれました。"]) is None
    assert asked_type_missing("開催日は？", ["日本で開かれました。"]) == "day"
