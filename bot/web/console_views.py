"""The console's HTML pages as pure functions of typed data (no template engine, every value escaped)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape
from urllib.parse import urlencode

from bot.consultation_log import Consultation
from bot.consultation_report import QueueGroup, Summary
from bot.curated import CuratedAnswer
from bot.web import console_charts as charts
from bot.web import console_texts as t

WINDOW_CHOICES = (7, 30, 90, 365)
# outcomes and ratings keep their meaning in colour: answered green, partial amber, withheld red, asked back purple
OUTCOME_COLOURS = ("#38761d", "#b45f06", "#cc0000", "#674ea7")
RATING_COLOURS = ("#38761d", "#cc0000")
CONSOLE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


@dataclass(frozen=True)
class SourceChoice:
    doc_id: str
    title: str
    audience: str


@dataclass(frozen=True)
class CuratedFormValues:
    """What the curated-answer form holds: what was typed, so an error never loses it."""

    questions: tuple[str, ...] = ()
    body: str = ""
    sources: tuple[str, ...] = ()
    audience: str = "public"
    review_by: str = ""
    group: str = ""


@dataclass(frozen=True)
class PageFrame:
    csrf: str
    current: str  # which nav entry is this page
    notice: str | None = None
    errors: tuple[str, ...] = field(default_factory=tuple)


_NAV = (
    ("dashboard", "/console", t.NAV_DASHBOARD),
    ("queue", "/console/queue", t.NAV_QUEUE),
    ("curated", "/console/curated", t.NAV_CURATED),
    ("matches", "/console/matches", t.NAV_MATCHES),
)


def page(title: str, body: str, frame: PageFrame | None) -> str:
    nav = ""
    if frame is not None:
        current = ' aria-current="page"'
        links = "".join(
            f'<a href="{href}"{current if key == frame.current else ""}>{escape(label)}</a>'
            for key, href, label in _NAV
        )
        nav = (f'<nav aria-label="{escape(t.TITLE)}">{links}</nav>'
               f'<form method="post" action="/console/logout">{_csrf(frame.csrf)}'
               f'<button type="submit">{escape(t.SIGN_OUT)}</button></form>')
    notice = f'<p class="notice" role="status">{escape(frame.notice)}</p>' if frame and frame.notice else ""
    errors = ""
    if frame and frame.errors:
        items = "".join(f"<li>{escape(e)}</li>" for e in frame.errors)
        errors = f'<div class="errors" role="alert"><p>{escape(t.FORM_ERRORS_LEAD)}</p><ul>{items}</ul></div>'
    return (
        '<!doctype html><html lang="ja"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} — {escape(t.TITLE)}</title>"
        '<link rel="stylesheet" href="/console/console.css"></head><body>'
        f'<a class="skip" href="#main">{escape(t.SKIP_TO_MAIN)}</a>'
        f'<header><span class="brand">{escape(t.TITLE)}</span>{nav}</header>'
        f'<main id="main" tabindex="-1"><h1>{escape(title)}</h1>{notice}{errors}{body}</main></body></html>'
    )


def login_page(csrf: str, error: str | None = None) -> str:
    message = f'<p class="errors" role="alert">{escape(error)}</p>' if error else ""
    body = (
        f"<p>{escape(t.LOGIN_LEAD)}</p>{message}"
        f'<form method="post" action="/console/login">{_csrf(csrf)}'
        f'<label for="token">{escape(t.LOGIN_TOKEN_LABEL)}</label>'
        '<input type="password" id="token" name="token" autocomplete="current-password" required autofocus>'
        f'<button type="submit">{escape(t.LOGIN_SUBMIT)}</button></form>'
    )
    return page(t.LOGIN_TITLE, body, None)


def message_page(title: str, message: str) -> str:
    return page(title, f'<p role="alert">{escape(message)}</p><p><a href="/console">{escape(t.TITLE)}</a></p>', None)


def dashboard_page(frame: PageFrame, summary: Summary, days: int) -> str:
    cards = (
        f'<div class="cards"><div class="card"><div>{escape(t.DASH_TOTAL)}</div><div class="n" id="total">'
        f'{summary.total}</div></div><div class="card"><div>{escape(t.DASH_UNANSWERED)}</div>'
        f'<div class="n"><a href="/console/queue?days={days}">{summary.unanswered}</a></div></div></div>'
    )
    if not summary.total:
        return page(t.NAV_DASHBOARD, _window_form("/console", days) + cards + f"<p>{escape(t.DASH_NO_DATA)}</p>", frame)
    day_items = [(d.strftime("%m/%d"), n) for d, n in summary.per_day]
    channel_items = [(t.CHANNEL_NAMES[c], n) for c, n in summary.per_channel]
    outcome_items = [(t.OUTCOME_NAMES[o], n) for o, n in summary.outcomes]
    rating_items = [(t.RATING_NAMES[r], n) for r, n in summary.ratings]
    topic_items = [(t.topic_name(p, c), n) for (p, c), n in summary.topics]
    figures = "".join([
        _figure("chart-per-day", t.DASH_PER_DAY, charts.day_columns("chart-per-day", t.DASH_PER_DAY, day_items),
                day_items),
        _figure("chart-per-channel", t.DASH_PER_CHANNEL,
                charts.horizontal_bars("chart-per-channel", t.DASH_PER_CHANNEL, channel_items), channel_items),
        _figure("chart-outcomes", t.DASH_OUTCOMES, charts.share_bar("chart-outcomes", t.DASH_OUTCOMES, outcome_items,
                                                               colours=OUTCOME_COLOURS),
                outcome_items),
        _figure("chart-ratings", t.DASH_RATINGS,
                charts.horizontal_bars("chart-ratings", t.DASH_RATINGS, rating_items, colours=RATING_COLOURS),
                rating_items),
        _figure("chart-topics", t.DASH_TOPICS, charts.horizontal_bars("chart-topics", t.DASH_TOPICS, topic_items)
                if topic_items else f"<p>{escape(t.DASH_NO_TOPICS)}</p>", topic_items),
    ])
    export = f'<p><a href="/console/log.csv?days={days}" download>{escape(t.NAV_EXPORT)}</a></p>'
    return page(t.NAV_DASHBOARD, _window_form("/console", days) + cards + figures + export, frame)


def queue_page(frame: PageFrame, groups: Sequence[QueueGroup], days: int) -> str:
    parts = [_window_form("/console/queue", days), f"<p>{escape(t.QUEUE_LEAD)}</p>"]
    if not groups:
        parts.append(f"<p>{escape(t.QUEUE_EMPTY)}</p>")
    for i, group in enumerate(groups):
        heading = f"{t.topic_name(group.product, group.country)} — {t.KIND_NAMES[group.kind]}"
        rows = "".join(
            f"<tr><td>{escape(q.question)}</td><td>{q.count}</td><td>{escape(q.last_at[:10])}</td></tr>"
            for q in group.questions
        )
        write = "/console/curated/new?" + urlencode({"group": group.key, "days": days})
        parts.append(
            f'<section class="group {escape(group.kind)}" aria-labelledby="group-{i}">'
            f'<h2 id="group-{i}">{escape(heading)} <span class="badge">{escape(t.queue_count(group.count))}</span></h2>'
            f"<table><thead><tr><th>{escape(t.QUEUE_ASKED)}</th><th>{escape(t.QUEUE_TIMES)}</th>"
            f"<th>{escape(t.QUEUE_LAST)}</th></tr></thead><tbody>{rows}</tbody></table>"
            f'<p><a class="write" href="{escape(write, quote=True)}">{escape(t.QUEUE_WRITE)}</a></p></section>'
        )
    return page(t.NAV_QUEUE, "".join(parts), frame)


def curated_list_page(frame: PageFrame, answers: Sequence[CuratedAnswer], matched: dict[str, int],
                      today: date | None = None) -> str:
    today = today or date.today()
    head = (f'<p>{escape(t.CURATED_LEAD)}</p><p><a href="/console/curated/new">{escape(t.CURATED_NEW)}</a> ・ '
            f'<a href="/console/curated/export.jsonl" download>{escape(t.CURATED_EXPORT)}</a></p>')
    if not answers:
        return page(t.NAV_CURATED, head + f"<p>{escape(t.CURATED_EMPTY)}</p>", frame)
    rows = []
    for a in answers:
        status = t.CURATED_RETIRED if a.retired else t.CURATED_ACTIVE
        retire = "" if a.retired else (
            f'<form method="post" action="/console/curated/{escape(a.curated_id, quote=True)}/retire">'
            f'{_csrf(frame.csrf)}<button type="submit" class="secondary">{escape(t.CURATED_RETIRE)}</button></form>'
        )
        rows.append(
            f"<tr><td>{escape(a.question)}"
            + (f'<div class="muted">{escape(" / ".join(a.variants))}</div>' if a.variants else "")
            + f"</td><td>{escape(t.AUDIENCE_NAMES.get(a.audience, a.audience))}</td><td>{escape(status)}</td>"
            f"<td>{matched.get(a.curated_id, 0)}</td><td>{escape(a.review_by or '')}"
            + (f' <span class="badge overdue">{escape(t.CURATED_OVERDUE)}</span>' if _overdue(a, today) else "")
            + "</td>"
            f"<td>{escape((a.updated_at or a.created_at)[:10])}</td>"
            f'<td><a href="/console/curated/{escape(a.curated_id, quote=True)}">{escape(t.CURATED_EDIT_LINK)}</a>'
            f"{retire}</td></tr>"
        )
    table = (
        f"<table><thead><tr><th>{escape(t.COL_QUESTION)}</th><th>{escape(t.CURATED_AUDIENCE)}</th>"
        f"<th>{escape(t.CURATED_STATUS)}</th><th>{escape(t.CURATED_MATCHED)}</th><th>{escape(t.CURATED_REVIEW_BY)}</th>"
        f"<th>{escape(t.CURATED_UPDATED)}</th><th></th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return page(t.NAV_CURATED, head + table, frame)


def curated_form_page(frame: PageFrame, values: CuratedFormValues, sources: Sequence[SourceChoice],
                      action: str, title: str, group_heading: str | None = None) -> str:
    chosen = set(values.sources)
    boxes = "".join(
        f'<div><input type="checkbox" name="source" id="src-{i}" value="{escape(s.doc_id, quote=True)}"'
        f'{" checked" if s.doc_id in chosen else ""}> <label for="src-{i}">{escape(s.title)}'
        f'{escape(t.CURATED_INTERNAL_SOURCE) if s.audience != "public" else ""}'
        f' <span class="muted">{escape(s.doc_id)}</span></label></div>'
        for i, s in enumerate(sources)
    )
    radios = "".join(
        f'<div><input type="radio" name="audience" id="aud-{key}" value="{key}"'
        f'{" checked" if values.audience == key else ""}> <label for="aud-{key}">{escape(name)}</label></div>'
        for key, name in t.AUDIENCE_NAMES.items()
    )
    lead = f"<p>{escape(t.CURATED_FROM_GROUP)}{escape(group_heading)}</p>" if group_heading else ""
    body = (
        f'{lead}<form method="post" action="{escape(action, quote=True)}">{_csrf(frame.csrf)}'
        f'<input type="hidden" name="group" value="{escape(values.group, quote=True)}">'
        f'<label for="questions">{escape(t.CURATED_QUESTIONS)}</label>'
        f'<textarea id="questions" name="questions" rows="5" required>{escape(chr(10).join(values.questions))}</textarea>'
        f'<label for="body">{escape(t.CURATED_BODY)}</label>'
        f'<textarea id="body" name="body" rows="8" required>{escape(values.body)}</textarea>'
        f'<fieldset><legend>{escape(t.CURATED_SOURCES)}</legend><div class="sources">{boxes}</div></fieldset>'
        f'<fieldset><legend>{escape(t.CURATED_AUDIENCE)}</legend>{radios}</fieldset>'
        f'<label for="review_by">{escape(t.CURATED_REVIEW_BY)}</label>'
        f'<input type="date" id="review_by" name="review_by" value="{escape(values.review_by, quote=True)}">'
        f'<button type="submit">{escape(t.CURATED_SAVE)}</button></form>'
    )
    return page(title, body, frame)


def matches_page(frame: PageFrame, rows: Sequence[Consultation], answers: dict[str, CuratedAnswer]) -> str:
    if not rows:
        return page(t.NAV_MATCHES, f"<p>{escape(t.MATCHES_LEAD)}</p><p>{escape(t.MATCHES_EMPTY)}</p>", frame)
    body = "".join(
        f"<tr><td>{escape(r.created_at[:16].replace('T', ' '))}</td>"
        f"<td>{escape(t.CHANNEL_NAMES.get(r.channel, r.channel))}</td><td>{escape(r.question)}</td>"
        f'<td><a href="/console/curated/{escape(r.curated_id or "", quote=True)}">'
        f"{escape(answers[r.curated_id].question if r.curated_id in answers else r.curated_id or '')}</a></td></tr>"
        for r in rows
    )
    table = (f"<table><thead><tr><th>{escape(t.COL_WHEN)}</th><th>{escape(t.COL_CHANNEL)}</th>"
             f"<th>{escape(t.COL_QUESTION)}</th><th>{escape(t.COL_CURATED)}</th></tr></thead><tbody>{body}</tbody></table>")
    return page(t.NAV_MATCHES, f"<p>{escape(t.MATCHES_LEAD)}</p>{table}", frame)


def _overdue(answer: CuratedAnswer, today: date) -> bool:
    """An active answer whose review-by date has passed: a coordinator should check it is still right."""
    try:
        return not answer.retired and answer.review_by is not None and date.fromisoformat(answer.review_by) < today
    except ValueError:
        return False


def group_heading(group: QueueGroup) -> str:
    return f"{t.topic_name(group.product, group.country)} — {t.KIND_NAMES[group.kind]}"


def _figure(chart_id: str, caption: str, svg: str, items: Sequence[tuple[str, int]]) -> str:
    total = sum(n for _, n in items) or 1
    rows = "".join(f"<tr><td>{escape(label)}</td><td>{n}</td><td>{round(100 * n / total)}%</td></tr>"
                   for label, n in items)
    return (
        f'<figure aria-labelledby="{chart_id}-caption"><figcaption id="{chart_id}-caption">{escape(caption)}</figcaption>'
        f"{svg}<details><summary>{escape(t.DASH_TABLE)}</summary><table><thead><tr><th>{escape(t.COL_ITEM)}</th>"
        f"<th>{escape(t.COL_COUNT)}</th><th>{escape(t.COL_SHARE)}</th></tr></thead><tbody>{rows}</tbody></table>"
        "</details></figure>"
    )


def _window_form(action: str, days: int) -> str:
    options = "".join(f'<option value="{d}"{" selected" if d == days else ""}>{escape(t.window_option(d))}</option>'
                      for d in WINDOW_CHOICES)
    return (f'<form class="window" method="get" action="{action}"><label for="days">{escape(t.WINDOW_LABEL)}</label>'
            f'<select id="days" name="days">{options}</select>'
            f'<button type="submit" class="secondary">{escape(t.WINDOW_SUBMIT)}</button></form>')


def _csrf(token: str) -> str:
    return f'<input type="hidden" name="csrf" value="{escape(token, quote=True)}">'
