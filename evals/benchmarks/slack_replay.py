"""Replay the Slack review's scenarios against the Web API double and print what the bot posted.

    EXPORT_BOT_EMBED_CACHE=/work/cache/ingest-embeddings.sqlite PYTHONPATH=. python -m evals.benchmarks.slack_replay

Scenarios: thread chatter, escalation, 429s, a busy pool, a mention by another bot, a long enquiry, a DM
follow-up typed at top level. Each line is one Web API call that changed what people see."""
from __future__ import annotations

import json
import time

from evals.benchmarks.slack_rig import Bot, running_bot
from tests.bot.slack.conftest import COORDINATOR, EXPORTER, PUBLIC_CHANNEL
from tests.bot.slack.slack_double import BOT_USER_ID

SHOWN = ("chat.postMessage", "chat.postEphemeral", "chat.stopStream", "views.open", "views.update",
         "assistant.threads.setStatus")


def show(bot: Bot, since: int, title: str) -> int:
    bot.parts.pool.wait_idle(timeout=120)
    time.sleep(0.3)  # Bolt's own lazy steps (thanks, consult) finish within this
    print(f"\n## {title}")
    calls = bot.double.calls[since:]
    for call in calls:
        if call.method not in SHOWN:
            continue
        args = call.args
        where = args.get("channel") or args.get("channel_id") or args.get("trigger_id") or args.get("view_id") or ""
        if call.method.startswith("views."):
            view = args.get("view") or {}
            texts = [b.get("text", {}).get("text", "") for b in view.get("blocks", []) if b.get("type") == "section"]
            label = ", ".join(b.get("block_id", b["type"]) for b in view.get("blocks", []))
            what = (texts[0] if texts else label)[:70]
        elif call.method == "assistant.threads.setStatus":
            what = f"status {args.get('status')!r}"
        else:
            what = (args.get("text") or "").replace("\n", " ")[:70]
        ok = "ok" if (call.response or {}).get("ok") else f"error {(call.response or {}).get('error')}"
        print(f"  {call.method:28} {where:12} {ok:18} {what}")
    return len(bot.double.calls)


def main() -> int:
    with running_bot(delay=0.0, slack_answer_workers=2) as bot:
        slack, double = bot.sender, bot.double
        mark = len(double.calls)

        first, _ = slack.mention(PUBLIC_CHANNEL, EXPORTER, "台湾へいちごを送るとき、残留農薬基準はどうすればいい？")
        thread = first["ts"]
        mark = show(bot, mark, "mention at top level → answer in the thread")
        slack.message(PUBLIC_CHANNEL, EXPORTER, "ありがとうございました！助かりました。", channel_type="channel", thread_ts=thread)
        slack.message(PUBLIC_CHANNEL, EXPORTER, f"<@{COORDINATOR}> よろしくお願いします。", channel_type="channel",
                      thread_ts=thread)
        mark = show(bot, mark, "thread chatter: thanks, and a message to the coordinator (nothing expected)")
        slack.message(PUBLIC_CHANNEL, EXPORTER, "じゃあ香港は？", channel_type="channel", thread_ts=thread)
        mark = show(bot, mark, "the asker's real follow-up (answered)")
        slack.message(PUBLIC_CHANNEL, COORDINATOR, "担当の佐藤です。明日こちらからお電話いたします。", channel_type="channel",
                      thread_ts=thread)
        slack.message(PUBLIC_CHANNEL, EXPORTER, "台湾の場合はどうですか", channel_type="channel", thread_ts=thread)
        mark = show(bot, mark, "escalation: the coordinator steps in, the asker replies (nothing expected)")
        slack.mention(PUBLIC_CHANNEL, EXPORTER, "台湾の場合はどうですか", thread_ts=thread)
        mark = show(bot, mark, "the asker mentions the bot again (answered)")

        with double.rate_limiting("chat.postMessage", times=2, retry_after=1):
            slack.mention("CLIMIT01", EXPORTER, "香港向けにカキを出荷できますか？")
            mark = show(bot, mark, "chat.postMessage answers 429 twice (Retry-After: 1) → retried, answer arrives")

        message = double.add_user_message("CBOTS001", f"<@{BOT_USER_ID}> 香港向けにカキを出荷できますか？", "UOTHERBOT")
        slack.event({"type": "app_mention", "channel": "CBOTS001", "user": "UOTHERBOT", "bot_id": "BOTHER01",
                     "text": message["text"], "ts": message["ts"], "event_ts": message["ts"]})
        mark = show(bot, mark, "app_mention by another bot (nothing expected)")

        enquiry = ("いつもお世話になっております。県内で食品を製造している会社です。牛肉を輸出するにはどんな手続きが必要でしょうか。"
                   + "弊社の製品と体制について補足いたします。" * 30)
        long_message = double.add_user_message(PUBLIC_CHANNEL, enquiry, EXPORTER)
        slack.interaction({"type": "message_action", "callback_id": "draft_reply", "trigger_id": "trig-long",
                           "user": {"id": COORDINATOR}, "channel": {"id": PUBLIC_CHANNEL},
                           "message_ts": long_message["ts"],
                           "message": {"type": "message", "user": EXPORTER, "ts": long_message["ts"], "text": enquiry},
                           "response_url": double.response_url("long")})
        mark = show(bot, mark, f"「返信案を作成」 on a {len(enquiry)}-character enquiry → editable draft")

        dm, _ = slack.message("D0REPLAY1", EXPORTER, "台湾へいちごを送るとき、残留農薬基準はどうすればいい？", channel_type="im")
        mark = show(bot, mark, "DM question")
        slack.message("D0REPLAY1", EXPORTER, "じゃあ香港は？", channel_type="im")
        bot.parts.pool.wait_idle(timeout=60)
        last = [c for c in double.calls_to("chat.postMessage", channel="D0REPLAY1") if c.args.get("metadata")][-1]
        mark = show(bot, mark, "DM follow-up typed at top level (keeps いちご, switches to 香港)")
        print("  slots of that answer:", json.dumps(
            {k: v for k, v in last.args["metadata"]["event_payload"].items() if k in ("product", "country")},
            ensure_ascii=False))

    with running_bot(delay=5.0, slack_answer_workers=1) as bot:
        slack, double = bot.sender, bot.double
        bot.parts.pool._slots = __import__("threading").BoundedSemaphore(2)  # one answering, one waiting
        mark = len(double.calls)
        for i in range(3):
            slack.message(f"D0BUSY{i}", EXPORTER, "香港向けにカキを出荷できますか？", channel_type="im")
        time.sleep(0.5)
        up = {"type": "feedback_buttons", "action_id": "answer_feedback", "block_id": "answer_feedback",
              "value": json.dumps({"r": "up", "q": "質問"}), "action_ts": "1.1"}
        start = time.perf_counter()
        response = slack.interaction({
            "type": "block_actions", "user": {"id": EXPORTER}, "channel": {"id": "CFB00001"},
            "container": {"type": "message", "message_ts": "5.5", "channel_id": "CFB00001"},
            "message": {"type": "message", "ts": "5.5", "thread_ts": "5.0", "text": "回答"},
            "response_url": double.response_url("busy"), "trigger_id": "trig-busy", "actions": [up]})
        print(f"\n(👍 acked with HTTP {response.status_code} in {(time.perf_counter() - start) * 1000:.0f} ms "
              f"while the only worker was busy)")
        show(bot, mark, "busy pool (1 worker, 1 waiting, 5 s answers): 3 DMs and a 👍")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
