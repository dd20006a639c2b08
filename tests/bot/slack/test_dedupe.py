"""Event ids seen once; repeats (Slack retries) are recognised, old ids expire, memory stays bounded."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bot.slack.dedupe import SeenEvents


def test_repeat_is_recognised():
    seen = SeenEvents()
    assert seen.first_time("Ev1") is True
    assert seen.first_time("Ev1") is False
    assert seen.first_time("Ev2") is True


def test_concurrent_offers_of_one_id_admit_exactly_one():
    seen = SeenEvents()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: seen.first_time("EvSame"), range(200)))
    assert results.count(True) == 1


def test_bounded_and_expiring():
    seen = SeenEvents(max_size=3)
    for i in range(5):
        assert seen.first_time(f"Ev{i}")
    assert seen.first_time("Ev0") is True  # evicted by size, so admitted again
    expired = SeenEvents(ttl_seconds=0.0)
    assert expired.first_time("EvX") and expired.first_time("EvX")
