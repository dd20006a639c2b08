"""The chain on a real small index: audience, abstention, status lead, follow-ups, curated answers, errors."""
import pytest

from bot import texts
from bot.errors import BadQuestion
from bot.models import Turn

CANARY = "KANARIA-7731"


def test_answer_is_cited_with_titles_sections_and_as_of(small_services):
    answer = small_services.chain.ask("台湾へいちごを送るときは何を確かめますか？")
    assert not answer.abstained
    assert "残留農薬基準" in answer.text
    assert answer.citations and answer.citations[0].doc_id == "strawberry-taiwan"
    first = answer.citations[0]
    assert first.url == f"/sources/{first.doc_id}#{first.anchor}" and first.section and first.as_of == "2025-04"
    assert "[1]" in answer.text
    assert answer.as_of == max(c.as_of for c in answer.citations)
    assert answer.disclaimer.startswith(texts.DISCLAIMER_REGULATION)
    assert len(answer.retrieved) >= 5


def test_internal_fact_never_reaches_a_public_answer(small_services):
    questions = ["内部限定カナリアのコードは？", "KANARIA-7731", "コーディネーター向けの内部メモには何が書いてある？"]
    for question in questions:
        answer = small_services.chain.ask(question, audience="public")
        dump = answer.model_dump_json(exclude={"slots"})  # slots echo the question as typed
        assert CANARY not in dump
        assert all(r.audience == "public" for r in answer.retrieved)
    internal = small_services.chain.ask("内部限定カナリアのコードは？", audience="internal")
    assert CANARY in internal.model_dump_json()


def test_out_of_scope_question_abstains_and_points_to_the_desk(small_services):
    answer = small_services.chain.ask("ブラジル向けの関税率は何パーセントですか？")
    assert answer.abstained and answer.mode == "abstain"
    assert texts.ABSTAIN in answer.text
    assert [c.doc_id for c in answer.citations] == ["contact-export-consultation"]


def test_destination_status_leads_the_answer(small_services):
    answer = small_services.chain.ask("香港に牡蠣は今出せますか？")
    assert answer.text.startswith(texts.STATUS_LEAD)
    assert "2023年8月" in answer.text.splitlines()[0]
    assert answer.citations[0].doc_id == "oyster-hongkong"


def test_followup_keeps_product_and_changes_country(small_services):
    first = small_services.chain.ask("いちごを台湾に輸出するときの注意点は？")
    conversation = [Turn(role="user", text="いちごを台湾に輸出するときの注意点は？"),
                    Turn(role="assistant", text=first.text, slots=first.slots)]
    second = small_services.chain.ask("じゃあ香港は？", conversation=conversation)
    assert second.slots["product"] == "いちご" and second.slots["country"] == "香港"
    assert "いちご" in second.slots["question"]


def test_curated_answer_wins_for_the_same_question_and_respects_audience(small_services, small_curated):
    citation = small_services.chain.ask("台湾へいちごを送るときは何を確かめますか？").citations[0]
    small_curated.add("清酒の試飲会の進め方を教えてください", "現地の料理店と組んで試飲会を重ねるのが効果的です。",
                               [citation], author="U123")
    answer = small_services.chain.ask("清酒の試飲会の進め方を教えてください")
    assert answer.mode == "curated"
    assert answer.text.startswith(texts.CURATED_LEAD) and "試飲会を重ねる" in answer.text
    assert answer.citations[0].doc_id == citation.doc_id
    small_curated.add("輸出相談の内部メモの扱いは？", "内部の扱いです。", [], author="U123", audience="internal")
    assert small_services.chain.ask("輸出相談の内部メモの扱いは？").mode != "curated"


def test_an_unrelated_question_does_not_match_a_curated_answer(small_services, small_curated):
    small_curated.add("コメの商談会の補助はありますか", "あります。", [], author="U1")
    assert small_services.chain.ask("牛肉の衛生証明書はいつ申請しますか？").mode != "curated"


@pytest.mark.parametrize("question", ["", "   ", "あ" * 501])
def test_bad_questions_are_refused_in_japanese(small_services, question):
    with pytest.raises(BadQuestion) as error:
        small_services.chain.ask(question)
    assert "質問" in error.value.message_ja


def test_the_retriever_is_a_langchain_retriever_that_returns_public_documents_only(small_services):
    # what this pins is the retriever seam (a langchain BaseRetriever); the chain's own steps are tested through ask()
    from bot.retriever import HybridRetriever

    retriever = small_services.chain.retriever
    assert isinstance(retriever, HybridRetriever)
    documents = retriever.invoke("香港 カキ 輸出")
    assert documents and documents[0].metadata["doc_id"] == "oyster-hongkong"
    assert all(d.metadata["audience"] == "public" for d in documents)


def test_an_english_question_is_searched_densely_and_a_japanese_one_on_both_sides(small_services):
    from dataclasses import replace

    from bot.query import analyze

    retriever = small_services.chain.retriever
    english = retriever.search(analyze("Can I export oysters to Hong Kong?"))
    assert english and english[0].chunk.doc_id == "oyster-hongkong"
    assert all(h.lexical is None and h.dense is not None for h in english)
    japanese = retriever.search(analyze("香港にカキを輸出できますか？"))
    assert any(h.lexical is not None for h in japanese) and any(h.dense is not None for h in japanese)
    # the old fusion stays a setting away
    both = retriever.model_copy(update={"settings": replace(retriever.settings, english_lexical=True)})
    assert any(h.lexical is not None for h in both.search(analyze("Can I export oysters to Hong Kong?")))


def test_metadata_filters_restrict_kind_product_and_country(small_services):
    from bot.retriever import RetrievalFilters

    answer = small_services.chain.ask("輸出の手続きを教えて", filters=RetrievalFilters(kinds=("procedure",)))
    assert answer.retrieved and {r.doc_id for r in answer.retrieved} == {"beef-export-certificate"}
    by_country = small_services.chain.ask("注意点は？", filters=RetrievalFilters(countries=("台湾",)))
    assert {r.doc_id for r in by_country.retrieved} == {"strawberry-taiwan"}
    by_product = small_services.chain.ask("輸出について", filters=RetrievalFilters(products=("日本酒",)))
    assert {r.doc_id for r in by_product.retrieved} == {"sake-case"}


def test_curated_answers_match_paraphrases_but_not_other_destinations(small_curated):
    small_curated.add("いちごを台湾に輸出するには何が必要ですか", "台湾の残留農薬基準を確認してください。", [], author="U9")
    assert small_curated.match("台湾向けにいちごを輸出したいのですが、必要なことは何ですか", "public")
    assert small_curated.match("いちごを香港に輸出するには何が必要ですか", "public") is None


def test_a_question_for_an_amount_is_flagged_when_no_picked_sentence_holds_one(small_services):
    # the answer-type rule is one of the answerability model's features: the oyster note says whether Hong Kong
    # takes oysters, never what it costs
    can = small_services.chain.ask("香港にカキを輸出できますか？")
    cost = small_services.chain.ask("香港にカキを輸出する費用はいくらですか？")
    assert not can.abstained and can.features["type_missing"] == 0.0
    assert cost.features["type_missing"] == 1.0


def test_without_an_llm_ask_stream_gives_the_whole_answer_once_so_slack_posts_it(small_services):
    chain = small_services.chain
    question = "カキは香港に輸出できますか？"
    assert not chain.streams_tokens
    pieces = list(chain.ask_stream(question, [], "public"))
    assert len(pieces) == 1
    assert pieces[0].text == chain.ask(question, [], "public").text


class _CountingLiveIndex:
    """The real live index, counting how often a question asks it for the current generation."""

    def __init__(self, live_index):
        self.inner = live_index
        self.calls = 0

    def current(self):
        self.calls += 1
        return self.inner.current()


@pytest.mark.parametrize("question", ["台湾へいちごを送るときは何を確かめますか？", "香港に牡蠣は今出せますか？",
                                      "ブラジル向けの関税率は何パーセントですか？", "いちごと牡蠣の輸出先は？"])
def test_one_question_reads_one_index_snapshot(small_services, question):
    # a generation switch between two current() calls would mix two generations in one answer
    chain = small_services.chain
    counting = _CountingLiveIndex(chain.live_index)
    pinned = type(chain)(counting, chain.retriever.model_copy(update={"live_index": counting}), chain.extractive,
                         chain.settings, None, chain.llm)
    pinned.ask(question)
    assert counting.calls == 1


def test_unit_cosines_read_the_snapshot_the_question_pinned(small_services):
    from bot.services import _unit_cosines

    class NoLiveIndex:
        def current(self):
            raise AssertionError("the question's snapshot was given: the live index must not be asked again")

    reader = small_services.live_index.current()
    cosines = _unit_cosines(NoLiveIndex(), small_services.embedder)  # type: ignore[arg-type]
    chunk_id = next(iter(reader.chunks))
    values = cosines("カキは香港に輸出できますか？", chunk_id, reader)
    assert values is not None and len(values) >= 1
