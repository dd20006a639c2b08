"""Product/country detection from the shared vocabulary: longest match, katakana and Latin boundaries."""
from __future__ import annotations

from pathlib import Path

from ingest.text.tagging import canonical_names, find_countries, find_products, load_vocabulary


def test_vocabulary_loads_canonical_names_in_file_order():
    vocabulary = load_vocabulary()
    assert list(vocabulary.products)[:6] == ["水産物", "米", "牛肉", "いちご", "日本酒", "さつまいも"]
    assert "香港" in vocabulary.countries
    assert "仙台牛" in vocabulary.products["牛肉"]


def test_surface_forms_map_to_canonical_names():
    assert find_products("仙台牛と清酒、それにホタテを売り込む") == ("水産物", "牛肉", "日本酒")
    assert find_products("サツマイモの焼き芋") == ("さつまいも",)
    assert find_countries("香港と台湾、シンガポールへ") == ("香港", "台湾", "シンガポール")


def test_longest_match_first_beigoku_is_america_not_rice():
    assert find_countries("米国向けの輸出") == ("アメリカ",)
    assert find_products("米国向けの輸出") == ()
    assert find_countries("北米市場") == ("アメリカ",)
    assert find_products("北米市場") == ()
    assert find_products("県産米を米国へ") == ("米",)


def test_compound_words_that_contain_rice_are_not_rice():
    assert find_products("欧米で人気") == ()
    assert set(find_countries("欧米で人気")) == {"EU", "アメリカ"}
    assert find_products("中南米への展開") == ()


def test_all_farm_forest_and_fishery_products_are_not_seafood():
    assert find_products("2022年の全国の農林水産物・食品の輸出額") == ()
    assert find_products("農林水産物と水産物の輸出額") == ("水産物",)


def test_tai_does_not_match_inside_other_katakana_words():
    assert find_countries("出荷のタイミングとタイプを決める") == ()
    assert find_countries("タイの小売店") == ("タイ",)
    assert find_countries("タイ・ベトナム") == ("タイ", "ベトナム")
    assert find_countries("バンコク(タイ)") == ("タイ",)


def test_latin_forms_are_case_insensitive_with_word_boundaries():
    assert find_products("Export of BEEF and Sake") == ("牛肉", "日本酒")
    assert find_products("fishery products to the EU") == ("水産物",)
    assert find_products("selfish reasons") == ()
    assert find_countries("shipping to the usa and Hong Kong") == ("香港", "アメリカ")
    assert find_countries("THAIFEX に出展") == ("タイ",)


def test_a_two_capital_form_matches_in_capitals_only():
    assert find_countries("Can I export sake to the US?") == ("アメリカ",)
    assert find_countries("Could you tell us about rice?") == ()
    assert find_countries("EU rules, then the eu") == ("EU",)


def test_full_width_text_is_normalized_before_matching():
    assert find_countries("ＵＳＡ向け") == ("アメリカ",)
    assert find_products("ＳＡＫＥ") == ("日本酒",)


def test_canonical_names_accept_forms_and_keep_unknown_values():
    assert canonical_names(["カキ", "仙台牛", "牛肉"], "products") == ("水産物", "牛肉")
    assert canonical_names(["Singapore", "香港"], "countries") == ("香港", "シンガポール")
    assert canonical_names(["ドリアン"], "products") == ("ドリアン",)


def test_a_different_vocabulary_file_can_be_used(tmp_path: Path):
    path = tmp_path / "vocabulary.yaml"
    path.write_text("products:\n  茶: [緑茶, matcha]\ncountries:\n  英国: [イギリス, UK]\n", encoding="utf-8")
    assert find_products("抹茶ではなく matcha と緑茶", path) == ("茶",)
    assert find_countries("UK とイギリス", path) == ("英国",)
