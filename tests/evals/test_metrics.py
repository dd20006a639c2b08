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


def test_llm_mode_counts_served_and_rejected_answers_apart():
    served = score_item(ITEM, {"answer": "約46トン[1]", "mode": "llm", "retrieved": [], "latency_ms": 1})
    rejected = score_item(ITEM, {"answer": "約46トン[1]", "mode": "fallback", "fallback_reason": "rejected: loop",
                                 "retrieved": [], "latency_ms": 1})
    summary = summarize([served, rejected, rejected])
    assert (summary["llm_served"], summary["llm_rejected"]) == (1, 2)
    assert summary["modes"] == {"llm": 1, "fallback": 2}
    assert rejected["fallback_reason"] == "rejected: loop"


def test_partial_switch_and_follow_up_metrics_and_their_intervals():
    from evals.metrics import headline_with_intervals

    items = [
        {"id": "u1", "kind": "unanswerable", "answer_facts": []},
        {"id": "u2", "kind": "unanswerable", "answer_facts": []},
        {"id": "s1", "kind": "fact", "answer_facts": ["46トン"], "turn_kind": "switch"},
        {"id": "f1", "kind": "followup", "answer_facts": ["126.2%"], "turn_kind": "followup"},
    ]
    results = [
        {"answer": "ご質問の2024年…", "outcome": "partial"},
        {"answer": "…", "abstained": True, "outcome": "abstain"},
        {"answer": "約46トン", "outcome": "answer"},
        {"answer": "ご質問の…", "outcome": "partial"},
    ]
    scores = [score_item(i, r) for i, r in zip(items, results)]
    summary = summarize(scores)
    assert summary["abstain_or_partial_recall"] == 1.0 and summary["abstention_recall"] == 0.5
    assert summary["partial_share_answerable"] == 0.5
    assert summary["switch_as_asked"] == 1.0 and summary["followup_resolved"] == 0.0
    headline = headline_with_intervals(scores)
    assert headline["abstain_or_partial_recall"] == {"value": 1.0, "ci95": (1.0, 1.0), "n": 2}
    low, high = headline["partial_share_answerable"]["ci95"]
    assert 0.0 <= low <= 0.5 <= high <= 1.0
