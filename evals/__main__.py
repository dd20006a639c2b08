"""Command line: `python -m evals run|load|bench`."""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from rich.console import Console

from bot.models import Audience
from bot.retriever import RetrievalMode

RETRIEVAL_MODES: dict[str, RetrievalMode] = {"lexical": "lexical", "dense": "dense", "hybrid": "hybrid"}

CONFIGS = ("assistant", "extractive", "lexical", "dense", "naive")  # extractive = the assistant without the LLM


def _source_files(services, explicit: list[str] | None) -> list[Path]:
    if explicit:
        from ingest import discover_files

        return discover_files([Path(p) for p in explicit])
    reader = services.live_index.current()
    files = sorted({Path(meta.source_file) for meta in reader.documents.values() if Path(meta.source_file).exists()})
    if not files:
        raise SystemExit("the naive baseline needs the raw files: pass --naive-files PATH... (the folders you ingested)")
    return files


def build_answer_fns(index: Path, configs: list[str], naive_files: list[str] | None, audience: Audience):
    """One answer function per configuration, all over the same index source."""
    from bot.services import build_services
    from bot.settings import Settings
    from evals.runner import chain_answer_fn, chain_variant, without_llm

    curated = Path(tempfile.mkdtemp(prefix="evals-")) / "curated.jsonl"  # evals never see curated answers
    services = build_services(Settings(index_dir=index, curated_answers_path=curated))
    fns = {}
    for name in configs:
        if name == "assistant":
            fns[name] = chain_answer_fn(services.chain, audience)
        elif name == "extractive":
            fns[name] = chain_answer_fn(without_llm(services.chain), audience, with_features=False)
        elif name in RETRIEVAL_MODES:
            fns[name] = chain_answer_fn(chain_variant(services.chain, RETRIEVAL_MODES[name]), audience, with_features=False)
        elif name == "naive":
            from evals.naive import NaiveBaseline, naive_answer_fn
            from ingest import EmbeddingCache

            cache = EmbeddingCache(index / "embeddings.sqlite")
            fns[name] = naive_answer_fn(NaiveBaseline(_source_files(services, naive_files), services.embedder, cache))
        else:
            raise SystemExit(f"unknown config {name!r}; choose from {', '.join(CONFIGS)}")
    return services, fns


def cmd_run(args: argparse.Namespace) -> int:
    from evals import report
    from evals.metrics import headline_with_intervals, score_item, summarize, summarize_by_kind
    from evals.runner import load_dataset, run_items, write_results

    console = Console(stderr=True)
    items = load_dataset(Path(args.dataset))
    configs = [args.config]
    if not args.no_baselines:
        configs += [c for c in (args.baselines or CONFIGS) if c != args.config]
    _services, fns = build_answer_fns(Path(args.index), configs, args.naive_files, args.audience)
    by_id = {item["id"]: item for item in items}
    summaries, by_kind, all_rows, all_scores, intervals = {}, {}, {}, {}, {}
    for name, fn in fns.items():
        rows = run_items(fn, items, label=name, show_progress=not args.quiet)
        scores = [score_item(by_id[r["id"]], r) for r in rows]
        summaries[name], by_kind[name] = summarize(scores), summarize_by_kind(scores)
        all_rows[name], all_scores[name] = rows, scores
        intervals[name] = headline_with_intervals(scores)
    write_results(all_rows[args.config], Path(args.results_out))
    dataset = Path(args.dataset).name
    report.print_report(Console(), dataset, summaries, by_kind, args.config)
    Console().print(report.intervals_table(intervals, f"{dataset}: headline metrics, 95% bootstrap intervals"))
    if args.report_out:
        out = Path(args.report_out)
        out.mkdir(parents=True, exist_ok=True)
        for name, rows in all_rows.items():
            if name != args.config:
                write_results(rows, out / f"results-{name}.jsonl")
        report.write_json(out / "summary.json", dataset, summaries, by_kind, args.config, intervals)
        report.write_html(out / "report.html", dataset, summaries, by_kind, args.config,
                          all_scores[args.config], all_rows[args.config], by_id)
        console.print(f"report: {out / 'report.html'}  summary: {out / 'summary.json'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals", description="evaluation suite of the assistant")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a dataset through the chain and the baselines")
    run.add_argument("--dataset", required=True)
    run.add_argument("--index", required=True)
    run.add_argument("--config", default="assistant", choices=CONFIGS)
    run.add_argument("--results-out", required=True)
    run.add_argument("--report-out")
    run.add_argument("--no-baselines", action="store_true", help="only the chosen configuration")
    run.add_argument("--baselines", nargs="*", choices=CONFIGS,
                     help="which baselines (default: all); in LLM mode, `extractive` is the one to compare with")
    run.add_argument("--naive-files", nargs="*", help="raw files for the naive baseline (default: the index's sources)")
    run.add_argument("--audience", default="public", choices=["public", "internal"])
    run.add_argument("--quiet", action="store_true")
    run.set_defaults(func=cmd_run)
    from evals import calibrate as calibrate_cmd
    from evals import load as load_cmd

    load_cmd.add_parser(sub)
    calibrate_cmd.add_parser(sub)
    try:
        from evals import bench as bench_cmd

        bench_cmd.add_parser(sub)
    except ImportError:
        pass
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
