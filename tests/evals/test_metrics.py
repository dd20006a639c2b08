from evals.metrics import first_relevant_rank, score_item, squash, summarize

ITEM = {"id": "x", "kind": "fact", "question": "q", "answer_facts": ["約46トン", "126.2%"], "evidence": "仙台牛の輸出数量"}


def test_squash_is_nfkc_without_whitespace():
    assert squash("約４６ トン\n") == "約46トン"


def test_a_chunk_counts_when_it_holds_every_fact():
    retrieved = ["関係のない文。", "仙台牛の輸出数量は約46トン。", "約46トンで前年度比126.2%。"]
    assert first_relevant_rank(retrieved, ITEM) == 3


def test_multi_items_count_when_the_top_chunks_cover_all_facts_together():
    retrieved = ["約46トン。", "関係のない文。", "126.2%。"]
    assert first_relevant_rank(retrieved, {**ITEM, "kind": "multi"}) == 3


def test_a_fact_item_split_over_chunks_is_not_found():
    assert first_relevant_rank(["約46トン。", "126.2%。"], ITEM) is None


def test_scores_of_answers_abstentions_and_citations():
    answer = {"answer": "輸出量は約46トン[1]", "abstained": False, "citations": [{"text": "約46トンでした"}],
              "retrieved": ["約46トンで前年度比126.2%。"] * 5, "latency_ms": 10}
    s = score_item(ITEM, answer)
    assert s["hit1"] and s["fact_recall"] == 0.5 and s["all_facts"] is False and s["citation_ok"] == 1.0
    unanswerable = {"id": "u", "kind": "unanswerable", "question": "q", "answer_facts": []}
    abstained = score_item(unanswerable, {"answer": "…", "abstained": True, "retrieved": [], "latency_ms": 5})
    summary = summarize([s, abstained])
    assert summary["abstention_precision"] == 1.0 and summary["abstention_recall"] == 1.0
    assert summary["false_abstention"] == 0.0
    assert summary["latency_p50_ms"] in (5.0, 10.0)
