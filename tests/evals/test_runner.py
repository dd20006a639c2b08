"""The runner records what the chain decided on, not a recomputation of it."""
from evals.runner import chain_answer_fn


def test_result_rows_carry_the_chains_own_features_and_outcome(eval_services):
    item = {"id": "x-1", "kind": "fact", "question": "2031年の海外販路開拓相談は何件でしたか？", "answer_facts": []}
    row = chain_answer_fn(eval_services.chain)(item)
    answer = eval_services.chain.ask(item["question"])
    assert row["features"] == answer.features and "p_answerable" in row["features"]
    assert row["outcome"] == answer.outcome
