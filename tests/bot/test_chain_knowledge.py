"""The chain over the bundled knowledge plus the official strategy: the questions the assistant must handle."""
import pytest

from bot import texts


@pytest.fixture(scope="module")
def ask(knowledge_services):
    return knowledge_services.chain.ask


def test_strategy_period(ask):
    answer = ask("この輸出戦略の期間はいつからいつまで？")
    assert not answer.abstained
    assert "2025年度" in answer.text and "2027" in answer.text


def test_sendai_beef_export_volume_fy2023(ask):
    answer = ask("仙台牛の2023年度の輸出量は？")
    assert "46トン" in answer.text
    assert any("46トン" in c.text for c in answer.citations)


def test_oysters_to_hong_kong_now(ask):
    answer = ask("牡蠣は今、香港に輸出できますか？")
    assert answer.slots["product"] == "水産物" and answer.slots["country"] == "香港"
    first_line = answer.text.splitlines()[0]
    assert first_line.startswith(texts.STATUS_LEAD) and "2023年8月" in first_line
    assert answer.disclaimer.startswith(texts.DISCLAIMER_REGULATION)


def test_what_strawberry_exporters_must_register(ask):
    answer = ask("いちごを輸出する生産者は何を登録する必要がありますか？")
    assert not answer.abstained and answer.clarify is None
    assert "園地" in answer.text and "選果こん包施設" in answer.text


def test_subsidy_cap_the_documents_do_not_give(ask):
    answer = ask("輸出の補助金の上限額はいくらですか？")
    assert answer.outcome in ("abstain", "partial")  # never the national export figures as if they answered it
    assert any(c.doc_id == "contact-export-consultation" for c in answer.citations)


def test_status_question_without_destination_asks_which_country(ask):
    answer = ask("水産物って輸出できますか？")
    assert answer.mode == "clarify" and answer.clarify == texts.CLARIFY_COUNTRY
    assert {"香港", "中国", "韓国"} <= set(answer.clarify_options)


def test_english_question_retrieves_japanese_documents(ask):
    answer = ask("Can I export oysters to Hong Kong now?")
    assert not answer.abstained
    assert "香港" in answer.text and "2023年8月" in answer.text


def test_abbreviation_finds_the_full_name(ask):
    answer = ask("ドンキとの協定はいつ結んだ？")
    assert "2023年12月" in answer.text


def test_a_follow_up_is_retrieved_with_the_exchange_it_follows(knowledge_services):
    """「実績はもう超えてる？」 shares no word with the target sentence; the exchange before it does."""
    from dataclasses import replace

    from bot.followup import previous_exchange, resolve_followup
    from bot.models import Turn
    from bot.query import analyze

    conversation = [Turn(role="user", text="さつまいもの輸出、国はいくらを目標にしてる？"),
                    Turn(role="assistant", text="国は2025年に28億円を目標にしています。")]
    question, carried = resolve_followup("実績はもう超えてる？", conversation)
    retriever = knowledge_services.chain.retriever

    def rank(context: str, weight: float = retriever.settings.context_weight) -> int:
        searcher = retriever.model_copy(update={"settings": replace(retriever.settings, context_weight=weight)})
        hits = searcher.search(analyze(question, carried, context), k=8)
        return next((i for i, h in enumerate(hits, 1) if "29億円" in h.chunk.text), 99)

    with_context = rank(previous_exchange(conversation))
    assert with_context <= 3 and with_context < rank("")
    assert rank(previous_exchange(conversation), weight=0.0) == rank("")  # the setting turns it off
    answer = knowledge_services.chain.ask("実績はもう超えてる？", conversation=conversation)
    assert "29億円" in answer.text
