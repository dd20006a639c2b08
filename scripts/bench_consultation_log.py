"""What logging adds to one answer: times ConsultationLog.record + link on real chain answers (on the answering
thread: the row is queued for the log's writer thread), prints percentiles.

    python scripts/bench_consultation_log.py --index /tmp/c18-index --questions 60 --rows 3000
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from bot.consultation_log import ConsultationLog, Origin
from bot.services import build_services
from bot.settings import Settings

DEV = Path(__file__).resolve().parent.parent / "evals" / "datasets" / "dev.jsonl"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--rows", type=int, default=3000)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-log-"))
    services = build_services(Settings(_env_file=None, index_dir=args.index, feedback_db=scratch / "unused.sqlite3",
                                       curated_answers_path=scratch / "curated.jsonl"))
    questions = [json.loads(line)["question"] for line in DEV.read_text(encoding="utf-8").splitlines()
                 if line.strip()][: args.questions]
    answers = [(q, services.chain.ask(q)) for q in questions]
    chain_ms = [a.latency_ms for _, a in answers]
    log = ConsultationLog(scratch / "feedback.sqlite3")
    origins = [Origin("web"), Origin("widget"), Origin("slack_channel", "UEXPORT1")]
    added: list[float] = []
    for i in range(args.rows):
        question, answer = answers[i % len(answers)]
        started = time.perf_counter()
        recorded = log.record(question, answer, "public", origins[i % len(origins)])
        log.link(recorded, f"answer-{i}")
        added.append((time.perf_counter() - started) * 1000)
    log.flush()  # the writer thread catches up; what an answer pays is only the queueing timed above
    print(f"load average {os.getloadavg()[0]:.1f}; {len(answers)} real answers, {len(log)} rows written")
    print(f"chain answer   p50 {percentile(chain_ms, .5):7.2f} ms  p95 {percentile(chain_ms, .95):7.2f} ms")
    print(f"log+link added p50 {percentile(added, .5):7.3f} ms  p95 {percentile(added, .95):7.3f} ms  "
          f"p99 {percentile(added, .99):7.3f} ms  max {max(added):7.2f} ms")


if __name__ == "__main__":
    main()
