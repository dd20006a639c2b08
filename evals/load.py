"""Bounded load test of a running web endpoint on loopback: `python -m evals load --url ... --clients N --seconds S`.

With `--hostile-share F`, that share of the clients are attackers: each sends worst-case inputs (NFKC
bombs, the longest legal question never asked before, lone surrogates, oversized bodies) at `--hostile-rate`
requests a minute, the server's default per-client limit. The ordinary clients' latencies are reported on
their own, so a run with and one without attackers show what the attackers cost everyone else.
"""
from __future__ import annotations

import argparse
import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import httpx

DEFAULT_DATASET = Path(__file__).parent / "datasets" / "dev.jsonl"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
LONG_QUESTION_CHARS = 500  # the server's default limit: the most work a legal question can ask for
BODY_CAP_BYTES = 64 * 1024


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def hostile_requests(seed: int, questions: list[str]) -> Callable[[int], tuple[bytes, str]]:
    """The n-th worst-case request body of one attacker, every one different so no cache can help."""

    def make(n: int) -> tuple[bytes, str]:
        tag = f"{seed}-{n}"
        real = questions[(seed * 7919 + n) % len(questions)]
        kind = ("nfkc_bomb", "longest_legal", "surrogate", "oversized")[n % 4]
        if kind == "nfkc_bomb":  # U+FDFA: 1 character in, 18 out of NFKC
            question = "\ufdfa" * (LONG_QUESTION_CHARS - len(tag)) + tag
            return json.dumps({"question": question}).encode(), kind
        if kind == "longest_legal":
            question = (tag + real * (LONG_QUESTION_CHARS // len(real) + 1))[:LONG_QUESTION_CHARS]
            return json.dumps({"question": question}, ensure_ascii=False).encode(), kind
        if kind == "surrogate":
            return json.dumps({"question": "\ud800" + tag + real}).encode(), kind  # ASCII JSON: a \\ud800 escape
        filler = (real * (BODY_CAP_BYTES // len(real) + 2))[: BODY_CAP_BYTES + 100]  # over the cap even if ASCII
        return json.dumps({"question": filler + tag}, ensure_ascii=False).encode(), kind

    return make


def run_load(url: str, questions: list[str], clients: int, seconds: float, timeout: float = 10.0,
             hostile_share: float = 0.0, hostile_rate: float = 20.0) -> dict:
    host = urlparse(url).hostname or ""
    if host not in LOOPBACK and not host.startswith("127."):
        raise SystemExit("load tests only target this machine's loopback addresses")
    hostile_clients = round(clients * hostile_share)
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    hostile_latencies: list[float] = []
    hostile_statuses: Counter[str] = Counter()
    lock = threading.Lock()
    counter = itertools.count()

    def send(http: httpx.Client, content: bytes) -> tuple[str, float]:
        started = time.perf_counter()
        try:
            response = http.post("/api/ask", content=content, headers={"content-type": "application/json"})
            status = str(response.status_code)
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        return status, (time.perf_counter() - started) * 1000

    def client_loop(client_number: int) -> None:
        # each client looks like a different visitor, so the per-client rate limit measures the server, not us
        headers = {"X-Forwarded-For": f"10.255.{client_number // 250}.{client_number % 250 + 1}"}
        hostile = client_number < hostile_clients
        make_hostile = hostile_requests(client_number, questions)
        with httpx.Client(base_url=url, timeout=timeout, headers=headers) as http:
            for n in itertools.count():
                if time.monotonic() >= deadline:
                    return
                if hostile:
                    started = time.monotonic()
                    content, kind = make_hostile(n)
                    status, elapsed = send(http, content)
                    with lock:
                        hostile_latencies.append(elapsed)
                        hostile_statuses[f"{kind}:{status}"] += 1
                    # at the rate limit, never over it: a faster attacker only collects 429s
                    time.sleep(max(0.0, 60.0 / hostile_rate - (time.monotonic() - started)))
                    continue
                question = questions[next(counter) % len(questions)]
                status, elapsed = send(http, json.dumps({"question": question}).encode())
                with lock:
                    latencies.append(elapsed)
                    statuses[status] += 1

    threads = [threading.Thread(target=client_loop, args=(i,), daemon=True) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + timeout + 65)
    wall = time.monotonic() - started
    total = sum(statuses.values())
    result = {
        "clients": clients,
        "hostile_clients": hostile_clients,
        "seconds": round(wall, 1),
        "requests": total,  # the ordinary clients' requests; the figures below are theirs
        "throughput_rps": round(total / wall, 1) if wall else 0.0,
        "p50_ms": round(_percentile(latencies, 0.50), 1),
        "p95_ms": round(_percentile(latencies, 0.95), 1),
        "p99_ms": round(_percentile(latencies, 0.99), 1),
        "errors": total - statuses.get("200", 0),
        "statuses": dict(statuses),
    }
    if hostile_clients:
        result["hostile_requests"] = sum(hostile_statuses.values())
        result["hostile_p95_ms"] = round(_percentile(hostile_latencies, 0.95), 1)
        result["hostile_statuses"] = dict(sorted(hostile_statuses.items()))
    return result


def cmd_load(args: argparse.Namespace) -> int:
    from evals.runner import load_dataset

    questions = [item["question"] for item in load_dataset(Path(args.dataset)) if not item.get("conversation")]
    result = run_load(args.url, questions, args.clients, args.seconds,
                      hostile_share=args.hostile_share, hostile_rate=args.hostile_rate)
    for key, value in result.items():
        print(f"{key:>16}: {value}")
    return 0 if result["errors"] == 0 else 1


def add_parser(sub: argparse._SubParsersAction) -> None:
    load = sub.add_parser("load", help="bounded load test of a running server on loopback")
    load.add_argument("--url", required=True)
    load.add_argument("--clients", type=int, default=20)
    load.add_argument("--seconds", type=float, default=30)
    load.add_argument("--dataset", default=str(DEFAULT_DATASET))
    load.add_argument("--hostile-share", type=float, default=0.0,
                      help="share of the clients that send worst-case inputs at --hostile-rate (e.g. 0.25)")
    load.add_argument("--hostile-rate", type=float, default=20.0, help="requests a minute per hostile client")
    load.set_defaults(func=cmd_load)
