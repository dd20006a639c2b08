"""What a question pins its ask to, and whether the top chunks hold it (bot/ask_support.py), on the real small index."""
from __future__ import annotations

import functools

import pytest

from bot import texts
from bot.answer_extractive import Evidence
from bot.ask_support import asked, missing
from bot.query import analyze
from bot.retriever import ScoredChunk
from ingest import answer_units


def _unit(hit: ScoredChunk, text: str) -> Evidence:
    """A picked unit with the given text, from the given hit."""
    return Evidence(text=text, hit=hit, position=0, score=1.0)


def _labels(question: str) -> list[str]:
    return [p.label for p in asked(analyze(question)).pins]


@pytest.mark.parametrize("question, labels", [
    ("令和5年の輸出額は？", ["2023年"]),
    ("2024年の7月から12月までの輸出量は？", ["2024年", "7月", "12月"]),
    ("ブラジルに宮城の食品を輸出した実績はある？", ["ブラジル"]),
    ("宮城のメロンって海外に出してる？", ["メロン"]),
    ("What new sweet potato products does Miyagi want to sell abroad?", ["さつまいも"]),  # not also 「potato」
    ("もちろんパンフレットはありますか", []),  # a short name only as a whole word: no もち, no パン
    ("お茶を海外に出したい", ["茶"]),
    ("世界の人口が110億人になるのはいつ頃？", ["110億人"]),
    ("台湾で売ってる仙台いちご、１パックいくら？", ["いちご", "台湾", "1パック"]),
])
def test_what_a_question_pins_its_ask_to(question, labels):
    assert _labels(question) == labels


def test_a_rule_question_keeps_its_destination_but_not_a_food_class():
    # a rule speaks of foods by class (すべての食品): a named food is the status lead's business, a country is not
    assert _labels("メロンをブラジルに輸出できる？") == ["ブラジル"]


def _hits(services, *doc_ids: str) -> list[ScoredChunk]:
    reader = services.live_index.current()
    chunks = [c for doc_id in doc_ids for c in reader.chunks.values() if c.doc_id == doc_id]
    assert chunks, doc_ids
    return [ScoredChunk(chunk, 1.0 / (rank + 1)) for rank, chunk in enumerate(chunks)]


def test_a_near_miss_names_what_the_top_chunks_lack(small_services):
    oyster = _hits(small_services, "oyster-hongkong")
    assert missing(analyze("香港がカキの輸入を止めたのは2023年から？"), oyster, []) == ()
    assert missing(analyze("香港がカキの輸入を止めたのは2021年から？"), oyster, []) == ("2021年",)
    assert missing(analyze("ブラジルはカキの輸入を止めている？"), oyster, []) == ("ブラジル",)
    contact = _hits(small_services, "contact-export-consultation")
    assert missing(analyze("相談窓口の電話番号を教えて"), contact, []) == ("連絡先",)  # 「電話で受け付けます」 is no number
    assert missing(analyze("相談窓口は何時から？"), contact, []) == ()


def test_one_ask_needs_one_unit_that_holds_it_all_and_two_asks_need_each_somewhere(small_services):
    hits = _hits(small_services, "oyster-hongkong", "sake-case")
    # the year and the destination sit in the oyster unit, the count asked is in no unit with them
    assert missing(analyze("2023年に香港で酒蔵の取扱店は何店増えた？"), hits, []) != ()
    # asked as two things (それぞれ), each pin only has to be somewhere
    assert missing(analyze("香港の規制が始まった年と、アメリカの酒蔵の事例、それぞれ教えて"), hits, []) == ()


def test_the_asked_year_in_a_unit_about_something_else_is_a_near_miss(small_services):
    hits = _hits(small_services, "oyster-hongkong", "sake-case")
    # 2023 is only in the oyster unit; what the question asks about (the brewery's shops) is in the sake unit
    question = analyze("西海岸の取扱店は2023年にどうなった？")
    assert missing(question, hits, [])[:1] == ("2023年",)
    # the answerer's own first pick holding the year is trusted: it judged what the question is about
    oyster = next(h for h in hits if h.chunk.doc_id == "oyster-hongkong")
    first = Evidence(text=answer_units(oyster.chunk.text)[0].text, hit=oyster, position=0, score=1.0)
    assert "2023" in first.text and missing(question, hits, [first]) == ()
    # without a year or figure pinned there is nothing to be a neighbour of
    assert missing(analyze("西海岸の取扱店はどうなった？"), hits, []) == ()


def test_an_asked_rank_or_amount_in_a_unit_about_something_else_is_a_near_miss(small_services):
    sake = _hits(small_services, "sake-case")[0]
    unit = functools.partial(_unit, sake)
    volume = unit("宮城県の日本酒の製成数量は5,996klです。")
    other_rank = unit("宮城県の日本酒は酒蔵の数が第2位です。")
    question = analyze("宮城の日本酒の製成数量は全国で何位？")
    # the only rank is of something else than the volume the question asks about
    assert missing(question, [], [volume, other_rank]) == ("順位",)
    assert missing(question, [], [volume, unit("宮城県の日本酒の製成数量は第5位です。")]) == ()
    # the answerer's first pick carrying the asked rank is trusted, as with a year
    assert missing(question, [], [other_rank, volume]) == ()


def test_a_count_is_answered_in_the_asked_counter_and_not_by_the_question_s_own_figure(small_services):
    oyster = _hits(small_services, "oyster-hongkong")[0]
    unit = Evidence(text="2024年、5か国から15社のバイヤーを招きました。", hit=oyster, position=0, score=1.0)
    assert missing(analyze("2024年に招いたバイヤーは何社？"), [], [unit]) == ()
    assert missing(analyze("2024年に招いたバイヤーは何か国から？"), [], [unit]) == ()
    # 「5か国」 is a count, but not of people
    assert missing(analyze("2024年に招いたバイヤーは何人？"), [], [unit]) == ("件数",)
    # a breakdown of the figure the question names: the unit's 15社 is the question's own, not an answer
    assert missing(analyze("2024年に招いたバイヤー15社のうち、商社は何社？"), [], [unit]) == ("件数",)
    # every counter a count is asked in is a counter of the question's own figure too: 23名 is given, not an answer
    guests = Evidence(text="2023年度に、輸入事業者やソムリエなど23名を招きました。", hit=oyster, position=0, score=1.0)
    assert missing(analyze("招いた23名のうち、ソムリエは何人？"), [], [guests]) == ("件数",)


def test_a_prefecture_s_figure_is_not_the_nation_s(small_services):
    oyster = _hits(small_services, "oyster-hongkong")[0]
    unit = functools.partial(_unit, oyster)
    national = unit("国全体の米の輸出額は94億円でした。")
    prefectural = unit("県産米の輸出額は2億円でした。")
    assert _labels("宮城県の米の輸出額はいくら？") == ["米", "宮城県"]
    assert missing(analyze("宮城県の米の輸出額はいくら？"), [], [national]) == ("宮城県", "金額")
    assert missing(analyze("宮城県の米の輸出額はいくら？"), [], [prefectural]) == ()
    # asked of the nation, or without a figure to be whose, there is no scope to hold
    assert missing(analyze("国全体の米の輸出額はいくら？"), [], [national]) == ()
    assert missing(analyze("韓国の米の輸入額はいくら？"), [], [unit("韓国の米の輸入額は3億円でした。")]) == ()
    assert _labels("宮城県の米はどこで作られている？") == ["米"]
    # a prefecture's name only as a name, Latin words only whole: no 大分 in 「大分増えた」, no Mie in 「premier」
    assert [p.kind for p in asked(analyze("輸出額は大分増えた？いくら？")).pins] == []
    assert [p.kind for p in asked(analyze("山口さんの会社の売上はいくら？")).pins] == []
    assert [p.kind for p in asked(analyze("What is the premier brand's export value?")).pins] == []
    assert _labels("Miyagi's international export value?") == ["Miyagi"]
    assert missing(analyze("宮城県の米の輸出額はいくら？"), [], [unit("台湾政府が示した米の輸入額は3億円でした。")]) == ()


def test_a_malformed_scope_file_is_an_error_naming_it(tmp_path):
    from bot.ask_support import scope_patterns

    bad = tmp_path / "scope.yaml"
    for text in ("", "national: 国全体\nprefectural: [県内]\nprefectures: [宮城]\n", "- 国全体\n"):
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match="scope.yaml"):
            scope_patterns.__wrapped__(bad)


def test_the_chain_answers_a_near_miss_partially_and_says_what_is_missing(small_services):
    answer = small_services.chain.ask("ブラジルは宮城県産のカキの輸入を止めていますか？")
    # never Hong Kong's ban as if it were Brazil's: the related rule, under a lead that names the missing country
    assert answer.outcome == "partial" and answer.features["pins_unmet"] == 1
    assert answer.text.startswith(texts.partial_lead("ブラジル")) and "香港" in answer.text


@pytest.mark.parametrize("question, kind", [
    ("国際ビジネス推進コーディネーターの担当者の名前を教えて", "person"),
    ("その会社の社長って誰？", "person"),
    ("記事に出てくる企業の名前は？", "organisation"),
    ("宮城県の輸出総額のうち、米はどのくらいの割合？", "rate"),
    ("ホタテの収穫量は全国何位？", "rank"),
    ("協議会の住所はどこ？", "contact"),
    ("What was the export value of beef in 2023?", "amount"),
    ("How much are the strawberry exports worth?", "amount"),
    ("Where can I learn about export rules?", None),  # no 「earn」 in learn, no 「fee」 in coffee
    ("Is coffee from Miyagi sold abroad?", None),
])
def test_the_value_a_question_asks_for(question, kind):
    assert asked(analyze(question)).kind == kind


def test_a_person_or_company_asked_for_must_be_named_in_the_units(small_services):
    sake = _hits(small_services, "sake-case")
    assert missing(analyze("アメリカで取扱店を増やした酒蔵の社長の名前は？"), sake, []) == ("お名前",)
    assert missing(analyze("アメリカで取扱店を増やした酒蔵の会社名は？"), sake, []) == ("企業名",)


@pytest.mark.parametrize("question, kind", [
    ("さつまいもの作付面積、2024年産だと何haになった？", "quantity"),
    ("仙台牛は何トン輸出された？", "quantity"),
    ("How many tonnes of rice went to Hong Kong?", "quantity"),
    ("How many companies export?", "count"),
])
def test_a_weight_area_or_volume_asked_for_is_a_quantity(question, kind):
    assert asked(analyze(question)).kind == kind


def test_an_item_that_names_its_own_year_is_not_dated_by_its_lead():
    from ingest import Chunk

    text = ("協議会の計画は、令和6年度の事業に採択され、次に取り組みます。\n○ さつまいもの作付面積は約56ha(2023年産)です。\n"
            "○ 輸出向けの面積を広げます。")
    chunk = Chunk(chunk_id="c1", doc_id="d", text=text, section_path=("現状",), anchor="a", ordinal=0,
                  title="さつまいも", as_of="2024-08", audience="public", kind="strategy")
    hits = [ScoredChunk(chunk, 1.0, 0.9)]
    # the 56ha is a 2023 figure: the lead's 令和6年度 (2024) does not make it the 2024 area asked for
    assert missing(analyze("さつまいもの作付面積、2024年産だと何haになった？"), hits, []) == ("2024年", "数量")
    assert missing(analyze("さつまいもの作付面積、2023年産だと何haだった？"), hits, []) == ()
    # an item without a year of its own still takes its lead's
    assert missing(analyze("2024年度の事業で輸出向けの面積はどうする？"), hits, []) == ()


@pytest.mark.parametrize("question, kind", [
    ("How many headquarters are there?", "count"),  # 「head」 only as a whole word
    ("How many kg of beef went abroad?", "quantity"),
    ("何百トン出荷された？", "quantity"),
    ("何キロメートル離れてる？", None),  # キロ as a distance is no weight
])
def test_the_quantity_type_reads_units_as_words(question, kind):
    assert asked(analyze(question)).kind == kind


@pytest.mark.parametrize("text, carries", [("1億トン", True), ("720ml", True), ("1.8L", True), ("8,920kl", True),
                                           ("HACCPに対応", False), ("2 teams", False)])
def test_a_quantity_is_a_number_with_its_unit(text, carries):
    from bot.query import carries_type

    assert carries_type("quantity", analyze(text).normalized) is carries
