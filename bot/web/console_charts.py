"""Charts for the console as inline SVG strings drawn on the server: nothing to load, so they work offline."""
from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#0b5394", "#e69138", "#6aa84f", "#cc0000", "#674ea7", "#45818e")
_LABEL_W = 190
_BAR_H = 22
_GAP = 8


def horizontal_bars(chart_id: str, title: str, items: Sequence[tuple[str, int]], width: int = 640,
                    colours: Sequence[str] = PALETTE) -> str:
    """One bar per item, labelled with its name and count; the widest bar is the largest count."""
    top = max((v for _, v in items), default=0) or 1
    span = width - _LABEL_W - 60
    height = len(items) * (_BAR_H + _GAP) + _GAP
    rows = []
    for i, (label, value) in enumerate(items):
        y = _GAP + i * (_BAR_H + _GAP)
        w = round(span * value / top) if value else 0
        rows.append(
            f'<g class="bar"><text x="{_LABEL_W - 8}" y="{y + 16}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{_LABEL_W}" y="{y}" width="{w}" height="{_BAR_H}" fill="{colours[i % len(colours)]}">'
            f"<title>{escape(label)}: {value}</title></rect>"
            f'<text x="{_LABEL_W + w + 6}" y="{y + 16}">{value}</text></g>'
        )
    return _svg(chart_id, title, width, height, "".join(rows))


def day_columns(chart_id: str, title: str, days: Sequence[tuple[str, int]], width: int = 640) -> str:
    """A column per day (oldest left); first, middle and last days are labelled below the axis."""
    height, base, left = 200, 170, 36
    top = max((v for _, v in days), default=0) or 1
    n = max(len(days), 1)
    step = (width - left - 8) / n
    parts = [f'<line x1="{left}" y1="{base}" x2="{width - 4}" y2="{base}" stroke="#666"/>',
             f'<text x="{left - 6}" y="{base - 140 + 4}" text-anchor="end">{top}</text>',
             f'<text x="{left - 6}" y="{base + 4}" text-anchor="end">0</text>']
    labelled = {0, n // 2, n - 1}
    for i, (label, value) in enumerate(days):
        h = round(140 * value / top) if value else 0
        x = left + i * step + step * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{base - h}" width="{step * 0.7:.1f}" height="{h}" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
        if i in labelled:
            parts.append(f'<text x="{x + step * 0.35:.1f}" y="{base + 18}" text-anchor="middle">{escape(label)}</text>')
    return _svg(chart_id, title, width, height, "".join(parts))


def share_bar(chart_id: str, title: str, items: Sequence[tuple[str, int]], width: int = 640,
              colours: Sequence[str] = PALETTE) -> str:
    """One bar split by share (outcomes adding up to 100 %), with a legend underneath."""
    total = sum(v for _, v in items) or 1
    parts, x = [], 0.0
    for i, (label, value) in enumerate(items):
        w = (width - 2) * value / total
        if w:
            parts.append(f'<rect x="{x + 1:.1f}" y="4" width="{w:.1f}" height="30" fill="{colours[i % len(colours)]}">'
                         f"<title>{escape(label)}: {value}</title></rect>")
        x += w
    for i, (label, value) in enumerate(items):
        lx = 4 + (i % 2) * (width // 2)
        ly = 56 + (i // 2) * 22
        share = round(100 * value / total)
        parts.append(f'<rect x="{lx}" y="{ly - 12}" width="14" height="14" fill="{colours[i % len(colours)]}"/>'
                     f'<text x="{lx + 20}" y="{ly}">{escape(label)} {value}件（{share}%）</text>')
    height = 56 + ((len(items) + 1) // 2) * 22
    return _svg(chart_id, title, width, height, "".join(parts))


def _svg(chart_id: str, title: str, width: int, height: int, body: str) -> str:
    cid = escape(chart_id, quote=True)
    return (
        f'<svg class="chart" id="{cid}" role="img" aria-labelledby="{cid}-title" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{cid}-title">{escape(title)}</title>{body}</svg>'
    )
