"""The chain's policy on a real small index: no side channel, three outcomes, clarify for any product."""
from __future__ import annotations

from dataclasses import replace

import pytest

from bot import texts
from bot.answerability import FEATURES, AnswerabilityModel
from bot.policy import AnswerPolicy


@pytest.mark.parametrize("internal_word, made_up_word", [("カナリア", "ホロメア"), ("割り振り", "振り分け"), ("担当者", "係官")])
def test_a_word_only_an_internal_note_uses_tells_a_public_caller_nothing(small_services, internal_word, made_up_word):
    # issue 13 item 2: a public question must not be answered differently because internal text holds a word
    chain = small_services.chain
    asked = [chain.ask(f"いちごを台湾に送るときの{word}について教えてください", audience="public")
             for word in (internal_word, made_up_word)]
    assert asked[0].outcome == asked[1].outcome
    assert asked[0].features["unknown_word_share"] == asked[1].features["unknown_word_share"] > 0
    internal = chain.ask(f"いちごを台湾に送るときの{internal_word}について教えてください", audience="internal")
    assert internal.features["unknown_word_share"] < asked[0].features["unknown_word_share"]  # internal callers know it


@pytest.mark.parametrize("question, names, words", [
    ("いちごを台湾に送るとき、お客さんのペースはどう？", 0.0, 0.5),  # everyday words the documents never use
    ("メロンを台湾に送るときは何を確かめますか？", 0.5, 0.0),  # a product no document names
    ("香港に牡蠣って今輸出できる？", 0.0, 0.0),  # the vocabulary reads 牡蠣 as the documents' カキ/水産物
])
def test_an_unknown_name_and_an_unknown_everyday_word_are_told_apart(small_services, question, names, words):
    features = small_services.chain.ask(question).features
    assert features["unknown_name_share"] == pytest.approx(names, abs=0.01)
    assert features["unknown_word_share"] == pytest.approx(words, abs=0.01)


def test_a_name_the_documents_never_use_lowers_the_reading_and_an_everyday_word_does_not():
    model = AnswerabilityModel.load()
    base = {"dense": 0.9, "coverage": 1.0, "coverage_expanded": 1.0, "evidence": 0.5, "evidence_coverage": 1.0}
    assert model.probability({**base, "unknown_name_share": 0.3}) < model.threshold < model.probability(base)
    assert model.probability({**base, "unknown_word_share": 0.6}) == model.probability(base)  # reported, not weighed


def test_a_feature_far_outside_the_fit_is_read_at_the_clip():
    from bot.answerability import CLIP

    model = AnswerabilityModel(("dense",), (0.9,), (0.01,), (1.0,), 0.0, 0.5)
    assert model.probability({"dense": 0.9 + 100 * 0.01}) == model.probability({"dense": 0.9 + CLIP * 0.01})


def _forced(chain, threshold: float):
    """The same chain with a model that answers only above `threshold` whatever the features say."""
    model = AnswerabilityModel(FEATURES, (0.0,) * len(FEATURES), (1.0,) * len(FEATURES), (0.0,) * len(FEATURES),
                               0.0, threshold)
    copy = type(chain)(chain.live_index, chain.retriever, chain.extractive, chain.settings, None, chain.llm)
    copy.policy = AnswerPolicy(chain.live_index, chain.extractive, chain.settings.abstention)
    copy.policy.model = model
    return copy


def test_a_missing_year_gets_the_related_facts_under_a_lead_that_names_it(small_services):
    chain = _forced(small_services.chain, threshold=0.9)  # p = 0.5 for every question: never answered outright
    answer = chain.ask("2031年に台湾へいちごを送るときは何を確かめますか？")
    assert answer.outcome == "partial" and not answer.abstained and answer.mode == "partial"
    assert answer.text.startswith(texts.partial_lead("2031年"))
    assert "残留農薬基準" in answer.text  # the related rule the documents do hold
    assert answer.citations[-1].doc_id == "contact-export-consultation" and texts.ABSTAIN_POINTER in answer.text


def test_nothing_nameable_missing_means_abstain_and_a_likely_answer_is_given(small_services):
    low = _forced(small_services.chain, threshold=0.9).ask("台湾へいちごを送るときは何を確かめますか？")
    assert low.outcome == "abstain" and low.abstained and texts.ABSTAIN in low.text
    high = _forced(small_services.chain, threshold=0.1).ask("台湾へいちごを送るときは何を確かめますか？")
    assert high.outcome == "answer" and "残留農薬基準" in high.text


def test_the_fitted_model_ships_with_the_features_the_chain_computes():
    model = AnswerabilityModel.load()
    assert model.features == FEATURES and 0.0 < model.threshold < 1.0
    # a question whose year and answer type the evidence lacks is less answerable than one it covers
    base = {"dense": 0.9, "coverage": 1.0, "coverage_expanded": 1.0, "evidence": 0.5, "evidence_coverage": 1.0}
    assert model.probability({**base, "year_missing": 1.0, "type_missing": 1.0}) < model.probability(base)
    assert model.probability({**base, "unknown_name_share": 0.6}) < model.probability(base)


@pytest.mark.parametrize("question", ["味噌を海外で売りたいんですが、ルールはありますか？", "I want to export miso. What are the rules?"])
def test_a_product_no_rule_note_covers_asks_back_and_points_to_the_authorities(small_services, question):
    answer = small_services.chain.ask(question)
    assert answer.mode == "clarify" and answer.clarify == texts.CLARIFY_COUNTRY
    assert "記載がありません" in answer.text
    for authority in ("農林水産省", "植物防疫所", "ジェトロ"):
        assert authority in answer.text


def test_the_no_rules_note_names_the_product_without_the_owner_s_words(small_services):
    answer = small_services.chain.ask("うちの蔵の干ししいたけを海外で売りたいんですが、規制はありますか？")
    assert answer.mode == "clarify" and "干ししいたけの輸出規制" in answer.text
    assert "うち" not in answer.text


def test_a_policy_without_a_fitted_model_answers_rather_than_guessing_a_threshold(small_services, tmp_path):
    chain = small_services.chain
    settings = replace(chain.settings.abstention, model_path=tmp_path / "absent.json")
    assert AnswerPolicy(chain.live_index, chain.extractive, settings).model is None


@pytest.mark.parametrize("question", ["いちごを輸出したいけど、何が必要？",
                                      "What do I need to sort out before exporting strawberries?"])
def test_a_product_with_rule_notes_for_one_destination_still_asks_which(small_services, question):
    # the strawberry rule note is written for Taiwan only: the question back offers it, and does not answer for Taiwan
    answer = small_services.chain.ask(question)
    assert answer.mode == "clarify" and answer.clarify == texts.CLARIFY_COUNTRY
    assert "台湾" in answer.clarify_options
