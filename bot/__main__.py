"""Command line: `python -m bot ask|serve|slack|digest`."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot import texts
from bot.settings import Settings, SettingsError, load_settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "index", None):
        overrides["index_dir"] = Path(args.index)
    return load_settings(**overrides)


def _index_problem(settings: Settings, allow_missing: bool = False) -> str | None:
    """Why the index cannot be used (names the file and the rebuild command), or None when it checks out.

    allow_missing: an index not built yet is no problem (a server started before the first ingest waits for it,
    /api/ready says not ready); damaged files always are.
    """
    from ingest import IndexNotFoundError, IndexOpenError
    from ingest import check_index

    try:
        check_index(settings.index_dir, settings.index_config())
    except IndexNotFoundError as error:
        if not allow_missing:
            return str(error)
        print(f"注意 / note: {error}", file=sys.stderr)
    except (IndexOpenError, ValueError) as error:
        return str(error)
    return None


def _print_index_error(message: str) -> None:
    print(f"エラー / error: {message}", file=sys.stderr)


def cmd_ask(args: argparse.Namespace) -> int:
    from bot.consultation_log import Origin
    from bot.errors import AssistantError
    from bot.services import build_services
    from ingest import IndexOpenError

    settings = _settings(args)
    problem = _index_problem(settings)
    if problem:
        _print_index_error(problem)
        return 2
    services = build_services(settings)
    try:
        services.live_index.current()  # opens everything (Chroma too) before asking, so damage is named here
    except IndexOpenError as exc:
        _print_index_error(str(exc))
        return 2
    try:
        answer = services.consult(args.question, [], args.audience, Origin("cli")).answer
    except AssistantError as exc:
        print(exc.message_ja, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"answer": answer.text, **answer.model_dump()}, ensure_ascii=False, indent=2))
        return 0
    print(answer.text)
    if answer.citations:
        print(f"\n{texts.CLI_SOURCES}")
        for c in answer.citations:
            print(f"  [{c.number}] {c.title} — {c.section}（{c.as_of or texts.CLI_AS_OF_UNKNOWN}） {c.url}")
    if answer.disclaimer:
        print(f"\n{answer.disclaimer}")
    print(f"\n({answer.mode}, {answer.latency_ms:.0f} ms)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.web.app import create_app

    settings = _settings(args)
    problem = _index_problem(settings, allow_missing=True)
    if problem:
        _print_index_error(problem)
        return 2
    # the rate limit decides itself how far to trust X-Forwarded-For (trusted_proxy_hops); uvicorn must not
    # rewrite the client address before it does
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info",
                proxy_headers=settings.trusted_proxy_hops > 0)
    return 0


def cmd_slack(args: argparse.Namespace) -> int:
    from bot.services import build_services

    settings = _settings(args)
    if not args.socket:
        print(texts.CLI_SLACK_HTTP_HINT, file=sys.stderr)
        return 2
    if not (settings.slack_bot_token and settings.slack_app_token):
        print(texts.CLI_SLACK_TOKENS_MISSING, file=sys.stderr)
        return 2
    from bot.slack.socket import run_socket_mode

    run_socket_mode(build_services(settings))
    return 0


def cmd_settings_doc(args: argparse.Namespace) -> int:
    """Prints the settings table, writes it into a docs page, or checks that the page holds the current one."""
    from bot import settings_doc

    if args.check:
        if settings_doc.check(Path(args.check)):
            return 0
        print(f"{args.check} の設定一覧が古くなっています。`python -m bot settings-doc --write {args.check}` で更新してください。 / "
              f"{args.check}: the settings table is stale; run `python -m bot settings-doc --write {args.check}`.",
              file=sys.stderr)
        return 1
    if args.write:
        settings_doc.write(Path(args.write))
        return 0
    print(settings_doc.settings_table())
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    from bot.digest import DigestNotConfigured, build_digest, send_digest

    settings = _settings(args)
    if args.dry_run:
        print(build_digest(settings).as_text())
        return 0
    try:
        ts = send_digest(settings)
    except DigestNotConfigured as exc:
        print(f"エラー / error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # Slack refused (bad token, unknown channel): say so, never a traceback
        from bot.web.console_texts import DIGEST_FAILED

        print(f"{DIGEST_FAILED}: {exc}", file=sys.stderr)
        return 1
    from bot.web.console_texts import DIGEST_SENT

    print(f"{DIGEST_SENT}: {settings.slack_digest_channel} ts={ts}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="輸出支援アシスタント")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="質問に答える")
    ask.add_argument("question")
    ask.add_argument("--index", help="index directory (default: settings / var/index)")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--audience", choices=["public", "internal"], default="public")
    ask.set_defaults(func=cmd_ask)
    serve = sub.add_parser("serve", help="serve the web API, widget and /demo")
    serve.add_argument("--index")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=cmd_serve)
    slack = sub.add_parser("slack", help="run the Slack bot in Socket Mode")
    slack.add_argument("--index")
    slack.add_argument("--socket", action="store_true")
    slack.set_defaults(func=cmd_slack)
    doc = sub.add_parser("settings-doc", help="the settings table of docs/configuration.md, from Settings")
    mode = doc.add_mutually_exclusive_group()
    mode.add_argument("--check", metavar="PAGE", help="exit 1 when PAGE's table is not the current one")
    mode.add_argument("--write", metavar="PAGE", help="replace the table in PAGE")
    doc.set_defaults(func=cmd_settings_doc)
    digest = sub.add_parser("digest", help="post the weekly digest to EXPORT_BOT_SLACK_DIGEST_CHANNEL")
    digest.add_argument("--dry-run", action="store_true", help="print the digest instead of posting it")
    digest.set_defaults(func=cmd_digest)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as error:  # a typo in the environment or .env stops here, before anything loads
        print(f"エラー / error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
