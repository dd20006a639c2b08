"""Reports of an evaluation run: a rich terminal table, a JSON summary and a self-contained HTML page."""
from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

METRICS = [
    ("hit@1", "hit@1", True),
    ("hit@5", "hit@5", True),
    ("mrr", "MRR", True),
    ("fact_recall", "fact recall", True),
    ("all_facts", "all facts", True),
    ("citation_correct", "citation correct", True),
    ("abstention_precision", "abstain precision", True),
    ("abstention_recall", "abstain recall", True),
    ("false_abstention", "false abstention", False),
    ("abstain_or_partial_recall", "abstain-or-partial recall", True),
    ("partial_share_answerable", "partial on answerable", False),
    ("clarify_recall", "clarify recall", True),
    ("switch_as_asked", "topic switch as asked", True),
    ("followup_resolved", "follow-up resolved", True),
    ("median_answer_chars", "median answer chars", False),
    ("latency_p50_ms", "p50 ms", False),
    ("latency_p95_ms", "p95 ms", False),
    ("llm_served", "LLM served", True),
    ("llm_rejected", "LLM rejected → extractive", False),
]


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}" if value <= 1.0 else f"{value:.1f}"
    return str(value)


def side_by_side_table(summaries: dict[str, dict[str, Any]], title: str) -> Table:
    table = Table(title=title)
    table.add_column("metric")
    for name in summaries:
        table.add_column(name, justify="right")
    for key, label, _higher in METRICS:
        table.add_row(label, *[_fmt(s.get(key)) for s in summaries.values()])
    return table


def by_kind_table(by_kind: dict[str, dict[str, Any]], title: str) -> Table:
    keys = ["items", "hit@5", "all_facts", "fact_recall", "abstention_recall", "false_abstention", "clarify_recall"]
    table = Table(title=title)
    table.add_column("kind")
    for key in keys:
        table.add_column(key, justify="right")
    for kind, summary in by_kind.items():
        table.add_row(kind, *[_fmt(summary.get(k)) for k in keys])
    return table


def margins(summaries: dict[str, dict[str, Any]], main: str) -> dict[str, dict[str, float]]:
    """By how much the main configuration beats each baseline (positive = better), per accuracy metric."""
    out: dict[str, dict[str, float]] = {}
    ours = summaries[main]
    for name, theirs in summaries.items():
        if name == main:
            continue
        diff = {}
        for key, _label, higher in METRICS[:10]:
            a, b = ours.get(key), theirs.get(key)
            if isinstance(a, (int, float)) and isinstance(b, (int, float)):
                diff[key] = round((a - b) if higher else (b - a), 4)
        out[name] = diff
    return out


def print_report(console: Console, dataset: str, summaries: dict, by_kind: dict, main: str) -> None:
    console.print(side_by_side_table(summaries, f"{dataset}: configurations side by side"))
    console.print(by_kind_table(by_kind[main], f"{dataset}: {main} by kind"))
    for name, diff in margins(summaries, main).items():
        wins = sum(1 for v in diff.values() if v > 0)
        console.print(f"{main} vs {name}: better on {wins}/{len(diff)} accuracy figures  {diff}")


def _bars_svg(values: dict[str, float | None], title: str, width: int = 560) -> str:
    rows = [(k, v) for k, v in values.items() if v is not None]
    height = 28 * len(rows) + 40
    top = max([v for _, v in rows] + [1.0])
    parts = [f'<svg role="img" aria-label="{html.escape(title)}" width="{width}" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg"><text x="4" y="18" font-size="14" font-weight="bold">'
             f'{html.escape(title)}</text>']
    for i, (label, value) in enumerate(rows):
        y = 30 + i * 28
        bar = int((width - 230) * (value / top))
        parts.append(f'<text x="4" y="{y + 15}" font-size="12">{html.escape(label)}</text>'
                     f'<rect x="170" y="{y}" width="{bar}" height="20" fill="#2b6cb0"/>'
                     f'<text x="{175 + bar}" y="{y + 15}" font-size="12">{value:.3f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _latency_svg(latencies: list[float], title: str, width: int = 560) -> str:
    if not latencies:
        return ""
    buckets = [5, 10, 20, 50, 100, 200, 500, 1000, float("inf")]
    counts = [0] * len(buckets)
    for value in latencies:
        for i, edge in enumerate(buckets):
            if value <= edge:
                counts[i] += 1
                break
    labels = [f"≤{int(b)}ms" if b != float("inf") else ">1s" for b in buckets]
    return _bars_svg({l: c / len(latencies) for l, c in zip(labels, counts)}, title, width)


def write_html(path: Path, dataset: str, summaries: dict, by_kind: dict, main: str,
               main_scores: list[dict], main_rows: list[dict], items: dict[str, dict]) -> None:
    charts = []
    for key in ("hit@5", "all_facts", "abstention_recall"):
        charts.append(_bars_svg({name: s.get(key) for name, s in summaries.items()}, f"{key} by configuration"))
    charts.append(_bars_svg({kind: s.get("all_facts") for kind, s in by_kind[main].items()}, f"all facts by kind ({main})"))
    charts.append(_latency_svg([s["latency_ms"] for s in main_scores], f"latency distribution ({main})"))
    rows_by_id = {r["id"]: r for r in main_rows}
    failures = []
    for score in main_scores:
        failed = (
            (score["answerable"] and (score["abstained"] or score["all_facts"] is False))
            or (score["kind"] == "unanswerable" and not score["abstained"])
            or (score["expects_clarify"] and not score["clarified"])
        )
        if not failed:
            continue
        row, item = rows_by_id[score["id"]], items[score["id"]]
        retrieved = "".join(f"<li><pre>{html.escape(t[:400])}</pre></li>" for t in row.get("retrieved", [])[:5])
        failures.append(
            f"<section class='fail'><h3>{html.escape(score['id'])} ({html.escape(score['kind'])})</h3>"
            f"<p><b>質問:</b> {html.escape(item['question'])}</p>"
            f"<p><b>期待する事実:</b> {html.escape(', '.join(item.get('answer_facts', [])) or '（回答不能であるべき）')}"
            f" — 欠落: {html.escape(', '.join(score['missing_facts']))}</p>"
            f"<p><b>出典:</b> {html.escape(item.get('source', ''))}</p>"
            f"<p><b>回答</b> (abstained={score['abstained']}):</p><pre>{html.escape(row.get('answer', ''))}</pre>"
            f"<details><summary>検索された上位5チャンク</summary><ol>{retrieved}</ol></details></section>"
        )
    table_head = "".join(f"<th>{html.escape(n)}</th>" for n in summaries)
    table_rows = "".join(
        f"<tr><td>{label}</td>" + "".join(f"<td>{_fmt(s.get(key))}</td>" for s in summaries.values()) + "</tr>"
        for key, label, _ in METRICS
    )
    page = f"""<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>評価レポート {html.escape(dataset)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#1a202c}}table{{border-collapse:collapse}}
td,th{{border:1px solid #cbd5e0;padding:4px 8px;text-align:right}}td:first-child{{text-align:left}}
pre{{white-space:pre-wrap;background:#f7fafc;padding:6px}}.fail{{border-top:1px solid #e2e8f0;margin-top:1em}}</style></head>
<body><h1>評価レポート: {html.escape(dataset)}</h1><p>main configuration: <b>{html.escape(main)}</b></p>
<table><tr><th>metric</th>{table_head}</tr>{table_rows}</table>
{''.join(charts)}
<h2>失敗した項目 ({len(failures)})</h2>{''.join(failures)}</body></html>"""
    path.write_text(page, encoding="utf-8")


def write_json(path: Path, dataset: str, summaries: dict, by_kind: dict, main: str,
               intervals: dict | None = None) -> None:
    path.write_text(json.dumps({
        "dataset": dataset, "main": main, "summaries": summaries, "by_kind": by_kind,
        "margins": margins(summaries, main), "intervals95": intervals or {},
    }, ensure_ascii=False, indent=2), encoding="utf-8")


def intervals_table(intervals: dict[str, dict[str, dict[str, Any]]], title: str) -> Table:
    """Headline metrics per configuration as value [95% bootstrap interval] (n items)."""
    table = Table(title=title)
    table.add_column("metric")
    for name in intervals:
        table.add_column(name, justify="right")
    keys = next(iter(intervals.values())).keys() if intervals else []
    for key in keys:
        cells = []
        for per_config in intervals.values():
            m = per_config[key]
            ci = m["ci95"]
            cells.append("—" if m["value"] is None else f"{m['value']:.3f} [{ci[0]:.3f}, {ci[1]:.3f}] n={m['n']}")
        table.add_row(key, *cells)
    return table
