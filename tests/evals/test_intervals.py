"""Bootstrap intervals: seeded, bracketing the point estimate, grouped by id prefix, kind and English."""
from __future__ import annotations

import statistics

from evals.intervals import bootstrap, table


def test_a_constant_sample_has_a_zero_width_interval():
    assert bootstrap([1.0] * 20, statistics.fmean) == (1.0, 1.0, 1.0)


def test_the_interval_brackets_the_mean_and_is_reproducible():
    values = [0.0, 1.0] * 25
    point, low, high = bootstrap(values, statistics.fmean)
    assert low < point < high and bootstrap(values, statistics.fmean) == (point, low, high)


def test_groups_split_old_and_batch_ids_and_english():
    items = {
        "test-001": {"id": "test-001", "kind": "fact", "question": "輸出額は？", "answer_facts": ["9億円"]},
        "b12-001": {"id": "b12-001", "kind": "fact", "question": "How much?", "answer_facts": ["9億円"]},
    }
    rows = [{"id": "test-001", "answer": "9億円です", "latency_ms": 5.0},
            {"id": "b12-001", "answer": "不明", "latency_ms": 7.0}]
    by_group = {line["group"]: line for line in table(items, rows)}
    assert by_group["ids test-"]["all_facts"][0] == 1.0
    assert by_group["ids b12-"]["all_facts"][0] == 0.0
    assert by_group["English"]["n"] == 1 and by_group["all"]["n"] == 2
