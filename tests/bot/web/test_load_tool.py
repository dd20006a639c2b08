"""`python -m evals load` against a real server on loopback: ordinary clients answered, every hostile input refused."""
from __future__ import annotations

from evals.load import hostile_requests, run_load
from tests.bot.web.conftest import start_server


def test_hostile_inputs_differ_every_time_and_cover_each_kind():
    make = hostile_requests(1, ["カキは香港に輸出できますか"])
    bodies = [make(n) for n in range(8)]
    assert len({body for body, _ in bodies}) == 8  # no cache can absorb them
    assert [kind for _, kind in bodies[:4]] == ["nfkc_bomb", "longest_legal", "surrogate", "oversized"]


def test_hostile_mode_reports_ordinary_clients_apart_and_the_attackers_are_refused(make_app):
    server = start_server(make_app(trusted_proxy_hops=1, rate_limit_per_minute=1000))
    try:
        result = run_load(server.url, ["カキは香港に輸出できますか"], clients=3, seconds=2,
                          hostile_share=0.34, hostile_rate=600)
    finally:
        server.stop()
    assert result["hostile_clients"] == 1 and result["hostile_requests"] > 0
    assert result["requests"] > 0 and result["errors"] == 0  # the ordinary clients are all answered
    assert result["hostile_statuses"].get("nfkc_bomb:400", 0) >= 1  # the attacker's first request is refused


def test_each_hostile_input_gets_its_status(live_server):
    import httpx

    make = hostile_requests(2, ["カキは香港に輸出できますか"])
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        statuses = {kind: http.post("/api/ask", content=body, headers={"content-type": "application/json"}).status_code
                    for body, kind in (make(n) for n in range(4))}
    # the most work a legal question may ask for is still answered; everything else is refused unread or unworked
    assert statuses == {"nfkc_bomb": 400, "longest_legal": 200, "surrogate": 400, "oversized": 413}
