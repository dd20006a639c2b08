"""Ask detection: answer types from the data file, two asks, list questions."""
from __future__ import annotations

from bot.asks import detect_asks, types_in


def test_two_figures_are_two_asks():
    asks = detect_asks("2024年の輸出量と金額は？")
    assert {"amount"} <= set(asks.types) and asks.several


def test_a_single_plain_ask_is_one():
    asks = detect_asks("仙台牛の品種は？")
    assert not asks.several and not asks.wants_list and asks.count == 1


def test_list_and_english_cues():
    assert detect_asks("関わってる会社を全部教えて").wants_list
    assert detect_asks("How many buyers came, and from which countries?").several


def test_units_carry_types_by_their_units_of_measure():
    assert types_in("輸出金額は約4,800万円、30.2トンでした。") >= {"amount", "weight"}
    assert "date" in types_in("2023年12月に締結")
    assert not types_in("県は支援します。")


def test_a_purpose_is_asked_and_carried_by_grammar():
    assert "purpose" in detect_asks("データベースを作った目的は？").types
    assert "purpose" in detect_asks("And what is that meant to achieve?").types
    assert "purpose" not in detect_asks("データベースはいつ作った？").types
    assert "purpose" in types_in("商談につなげるため、商品情報を共有します。")
    assert "purpose" not in types_in("2024年にデータベースを作りました。")
