"""Bounded load test of a running web endpoint on loopback: `python -m evals load --url ... --clients N --seconds S`."""
from __future__ import annotations

import argparse
import itertools
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

import httpx

DEFAULT_DATASET = Path(__file__).parent / "datasets" / "dev.jsonl"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def run_load(url: str, questions: list[str], clients: int, seconds: float, timeout: float = 10.0) -> dict:
    host = urlparse(url).hostname or ""
    if host not in LOOPBACK and not host.startswith("127."):
        raise SystemExit("load tests only target this machine's loopback addresses")
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    counter = itertools.count()

    def client_loop(client_number: int) -> None:
        # each client looks like a different visitor, so the per-client rate limit measures the server, not us
        headers = {"X-Forwarded-For": f"10.255.{client_number // 250}.{client_number % 250 + 1}"}
        with httpx.Client(base_url=url, timeout=timeout, headers=headers) as http:
            while time.monotonic() < deadline:
                question = questions[next(counter) % len(questions)]
                started = time.perf_counter()
                try:
                    response = http.post("/api/ask", json={"question": question})
                    status = str(response.status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    statuses[status] += 1

    threads = [threading.Thread(target=client_loop, args=(i,), daemon=True) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + timeout + 5)
    wall = time.monotonic() - started
    total = sum(statuses.values())
    return {
        "clients": clients,
        "seconds": round(wall, 1),
        "requests": total,
        "throughput_rps": round(total / wall, 1) if wall else 0.0,
        "p50_ms": round(_percentile(latencies, 0.50), 1),
        "p95_ms": round(_percentile(latencies, 0.95), 1),
        "p99_ms": round(_percentile(latencies, 0.99), 1),
        "errors": total - statuses.get("200", 0),
        "statuses": dict(statuses),
    }


def cmd_load(args: argparse.Namespace) -> int:
    from evals.runner import load_dataset

    questions = [item["question"] for item in load_dataset(Path(args.dataset)) if not item.get("conversation")]
    result = run_load(args.url, questions, args.clients, args.seconds)
    for key, value in result.items():
        print(f"{key:>15}: {value}")
    return 0 if result["errors"] == 0 else 1


def add_parser(sub: argparse._SubParsersAction) -> None:
    load = sub.add_parser("load", help="bounded load test of a running server on loopback")
    load.add_argument("--url", required=True)
    load.add_argument("--clients", type=int, default=20)
    load.add_argument("--seconds", type=float, default=30)
    load.add_argument("--dataset", default=str(DEFAULT_DATASET))
    load.set_defaults(func=cmd_load)
