"""Ack latency of Slack shortcuts and buttons while every answering worker is busy with a slow answerer.

    EXPORT_BOT_EMBED_CACHE=/work/cache/ingest-embeddings.sqlite PYTHONPATH=. python -m evals.benchmarks.slack_acks

Sends enough DMs to a bot whose chain takes --delay seconds per question to fill the answer pool and its
queue, then times (HTTP round trip, as Slack sees it) the 「返信案を作成」 shortcut (views.open inside the ack),
👍 and 👎 (views.open inside the ack) and 「担当者に相談」. Prints p50/p95/max per kind."""
from __future__ import annotations

from typing import Any
import argparse
import json
import statistics
import time

from evals.benchmarks.slack_rig import running_bot
from tests.bot.slack.conftest import COORDINATOR, EXPORTER, PUBLIC_CHANNEL

QUESTION = "香港向けにカキを出荷できますか？"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=7.0, help="seconds the slow answerer takes per question")
    parser.add_argument("--workers", type=int, default=4, help="EXPORT_BOT_SLACK_ANSWER_WORKERS")
    parser.add_argument("--clicks", type=int, default=40, help="requests per kind")
    args = parser.parse_args(argv)

    with running_bot(delay=args.delay, slack_answer_workers=args.workers) as bot:
        slack, double = bot.sender, bot.double
        chain: Any = bot.services.chain  # the rig's SlowChain, which counts busy workers
        for i in range(args.workers * 2):  # every worker busy and as many queued behind them
            slack.message(f"D0LOAD{i:02d}", EXPORTER, QUESTION, channel_type="im")
        deadline = time.monotonic() + 60
        while chain.busy < args.workers and time.monotonic() < deadline:
            time.sleep(0.05)
        busy_at_start = chain.busy
        question = double.add_user_message(PUBLIC_CHANNEL, "牛肉を輸出するにはどんな手続きが必要？", EXPORTER)
        message = {"type": "message", "ts": "1700000999.000100", "thread_ts": question["ts"], "text": "回答"}
        feedback = {"type": "feedback_buttons", "action_id": "answer_feedback", "block_id": "answer_feedback",
                    "action_ts": "1.1"}

        def shortcut(i: int) -> dict:
            return {"type": "message_action", "callback_id": "draft_reply", "trigger_id": f"trig-s{i}",
                    "user": {"id": COORDINATOR}, "channel": {"id": PUBLIC_CHANNEL}, "message_ts": question["ts"],
                    "message": {"type": "message", "user": EXPORTER, "ts": question["ts"], "text": question["text"]},
                    "response_url": double.response_url(f"s{i}")}

        def click(i: int, action: dict) -> dict:
            return {"type": "block_actions", "user": {"id": EXPORTER}, "channel": {"id": PUBLIC_CHANNEL},
                    "container": {"type": "message", "message_ts": message["ts"], "channel_id": PUBLIC_CHANNEL},
                    "message": message, "response_url": double.response_url(f"c{i}"), "trigger_id": f"trig-c{i}",
                    "actions": [action]}

        kinds = {
            "shortcut 返信案を作成": lambda i: shortcut(i),
            "👍 (feedback_buttons)": lambda i: click(i, {**feedback, "value": json.dumps({"r": "up", "q": "q"})}),
            "👎 (reason modal)": lambda i: click(i, {**feedback, "value": json.dumps({"r": "down", "q": "q"})}),
            "担当者に相談": lambda i: click(i, {"type": "button", "action_id": "consult_coordinator",
                                           "block_id": "answer_actions", "value": "{}", "action_ts": "1.1"}),
        }
        print(f"slow answerer {args.delay:.1f} s, {args.workers} answer workers, {busy_at_start} busy "
              f"+ {args.workers} queued when the clicks start; {args.clicks} requests per kind")
        print(f"{'kind':24} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  statuses")
        for name, payload in kinds.items():
            times, statuses = [], set()
            for i in range(args.clicks):
                start = time.perf_counter()
                response = slack.interaction(payload(i))
                times.append((time.perf_counter() - start) * 1000)
                statuses.add(response.status_code)
            print(f"{name:24} {statistics.median(times):8.1f} {percentile(times, 0.95):8.1f} {max(times):8.1f}  "
                  f"{sorted(statuses)}")
        print(f"answer workers still busy at the end: {chain.busy}")
        bot.parts.pool.wait_idle(timeout=args.delay * 4 + 60)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
