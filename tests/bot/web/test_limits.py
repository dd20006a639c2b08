"""Rate limit, concurrency cap and client identification: the limiter units and their behaviour on the API."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bot import texts
from bot.web.errors import Busy, Overloaded, RateLimited
from bot.web.limits import ConcurrencyLimiter, SlidingWindowRateLimiter, client_key


class FakeClock:
    def __init__(self):
        self.now = 500.0

    def __call__(self):
        return self.now


def test_sliding_window_allows_the_limit_then_refuses_until_the_oldest_hit_ages_out():
    clock = FakeClock()
    limiter = SlidingWindowRateLimiter(3, 60, clock)
    for step in (0, 10, 10):
        clock.now += step
        limiter.hit("a")
    with pytest.raises(RateLimited) as refused:
        limiter.hit("a")
    assert refused.value.headers["Retry-After"] == "40"  # the first hit leaves the window 40 s from now
    limiter.hit("b")  # other clients are not affected
    clock.now += 40
    limiter.hit("a")
    with pytest.raises(RateLimited):
        limiter.hit("a")


def test_refused_requests_do_not_extend_the_wait():
    clock = FakeClock()
    limiter = SlidingWindowRateLimiter(1, 60, clock)
    limiter.hit("a")
    for _ in range(5):
        clock.now += 10
        with pytest.raises(RateLimited):
            limiter.hit("a")
    clock.now += 10
    limiter.hit("a")


def test_rate_limiter_memory_is_bounded():
    limiter = SlidingWindowRateLimiter(1, 60, FakeClock(), max_clients=100)
    for n in range(1000):
        limiter.hit(f"10.0.{n // 256}.{n % 256}")
    assert len(limiter._hits) == 100


def test_concurrency_limiter_refuses_over_the_cap_and_frees_slots():
    limiter = ConcurrencyLimiter(2, retry_after=7)
    with limiter.slot(), limiter.slot():
        with pytest.raises(Overloaded) as refused:
            limiter.acquire()
        assert refused.value.headers == {"Retry-After": "7"}
    assert limiter.active == 0
    with pytest.raises(ZeroDivisionError):
        with limiter.slot():
            1 / 0
    assert limiter.active == 0


def test_one_client_cannot_take_every_slot():
    limiter = ConcurrencyLimiter(4, per_client=2)
    limiter.acquire("attacker")
    limiter.acquire("attacker")
    with pytest.raises(Busy) as refused:
        limiter.acquire("attacker")
    assert refused.value.status == 429 and refused.value.headers == {"Retry-After": "5"}
    with limiter.slot("visitor"):  # everyone else still gets in
        assert limiter.active == 3
    limiter.release("attacker")
    limiter.acquire("attacker")  # a slot given back can be taken again
    limiter.release("attacker")
    limiter.release("attacker")
    assert limiter.active == 0 and limiter._by_client == {}  # idle clients leave nothing behind


@pytest.mark.parametrize("peer, forwarded, hops, expected", [
    ("10.0.0.1", None, 0, "10.0.0.1"),
    ("10.0.0.1", "1.2.3.4", 0, "10.0.0.1"),  # not behind our proxy: the header is the client's own words
    ("10.0.0.1", "1.2.3.4", 1, "1.2.3.4"),
    ("10.0.0.1", "6.6.6.6, 1.2.3.4", 1, "1.2.3.4"),  # a forged left entry is ignored
    ("10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.9", 2, "1.2.3.4"),
    ("10.0.0.1", " , ", 1, "10.0.0.1"),
    (None, None, 0, "unknown"),
])
def test_client_key(peer, forwarded, hops, expected):
    assert client_key(peer, forwarded, hops) == expected


def test_api_rate_limit_is_429_with_retry_after_in_japanese(make_app):
    with TestClient(make_app(rate_limit_per_minute=3)) as client:
        statuses = [client.post("/api/ask", json={"question": "カキは香港に輸出できますか"}).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        limited = client.post("/api/ask/stream", json={"question": "カキは香港に輸出できますか"})
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.json()["code"] == "rate_limited"
        assert f"{limited.headers['retry-after']}秒ほど待って" in limited.json()["message"]
        assert client.post("/api/feedback", json={"answer_id": "x" * 32, "rating": "up"}).status_code == 429
        # spoofing X-Forwarded-For does not buy a fresh allowance when no proxy is trusted
        assert client.post("/api/ask", json={"question": "香港"}, headers={"X-Forwarded-For": "9.9.9.9"}).status_code == 429
        # pages and health are not rate-limited
        assert client.get("/api/health").status_code == 200
        assert client.get("/sources/oyster-hongkong").status_code == 200


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance(make_app):
    with TestClient(make_app(rate_limit_per_minute=1, trusted_proxy_hops=1)) as client:
        ask = lambda ip: client.post("/api/ask", json={"question": "香港のカキ"}, headers={"X-Forwarded-For": ip}).status_code
        assert ask("1.1.1.1") == 200
        assert ask("1.1.1.1") == 429
        assert ask("2.2.2.2") == 200
        assert ask("2.2.2.2, 1.1.1.1") == 429  # the proxy-appended (rightmost) address is the client


def test_over_the_concurrency_cap_is_503_with_retry_after(make_app):
    app = make_app(max_concurrent_requests=2)
    limiter = app.state.web.concurrency
    with TestClient(app) as client:
        limiter.acquire()
        limiter.acquire()  # two answers in progress
        try:
            for path in ("/api/ask", "/api/ask/stream"):
                response = client.post(path, json={"question": "カキは香港に輸出できますか"})
                assert response.status_code == 503
                assert response.headers["retry-after"] == "5"
                assert response.json() == {"code": "overloaded", "message": "ただいま混み合っています。少し時間をおいて、もう一度お試しください。"}
        finally:
            limiter.release()
        assert client.post("/api/ask", json={"question": "カキは香港に輸出できますか"}).status_code == 200
        with client.stream("POST", "/api/ask/stream", json={"question": "カキは香港に輸出できますか"}) as stream:
            stream.read()
        assert limiter.active == 1  # the requests gave their slots back
        limiter.release()


def test_a_client_with_its_share_in_progress_gets_429_busy_on_both_endpoints(make_app):
    app = make_app(max_concurrent_per_client=1)
    limiter = app.state.web.concurrency
    with TestClient(app) as client:
        limiter.acquire("testclient")  # this client's one answer in progress (TestClient's peer address)
        try:
            for path in ("/api/ask", "/api/ask/stream"):
                response = client.post(path, json={"question": "カキは香港に輸出できますか"})
                assert response.status_code == 429 and response.headers["retry-after"] == "5"
                assert response.json() == {"code": "busy", "message": texts.WEB_BUSY}
        finally:
            limiter.release("testclient")
        assert client.post("/api/ask", json={"question": "カキは香港に輸出できますか"}).status_code == 200
        assert limiter.active == 0


def test_concurrency_cap_holds_under_real_parallel_requests(make_app, web_services, monkeypatch):
    """Many simultaneous requests against a real server with a cap of 1: never two answers at once, the surplus is
    refused with 503, nothing fails otherwise."""
    import concurrent.futures
    import threading
    import time

    import httpx

    from tests.bot.web.conftest import start_server

    answering, peak, lock = 0, 0, threading.Lock()
    real_ask = web_services.chain.ask

    def counting_ask(*args, **kwargs):
        # the real chain, wrapped to count how many answers run at once; the pause makes requests overlap
        nonlocal answering, peak
        with lock:
            answering += 1
            peak = max(peak, answering)
        try:
            time.sleep(0.2)
            return real_ask(*args, **kwargs)
        finally:
            with lock:
                answering -= 1

    monkeypatch.setattr(web_services.chain, "ask", counting_ask)
    server = start_server(make_app(max_concurrent_requests=1, max_concurrent_per_client=100))
    try:
        def ask(_):
            with httpx.Client(base_url=server.url, timeout=60) as http:
                return http.post("/api/ask", json={"question": "カキは香港に輸出できますか"}).status_code

        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            statuses = list(pool.map(ask, range(24)))
        assert set(statuses) == {200, 503}
        assert peak == 1
        assert server.app.state.web.concurrency.active == 0
    finally:
        server.stop()
