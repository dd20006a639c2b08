"""Render a source document as a standalone HTML page with one anchor per section (pure functions)."""
from __future__ import annotations

from html import escape
from urllib.parse import urlparse

from bot import texts
from bot.web.security import csp_hash
from ingest import DocumentMeta, Section, visible

PAGE_CSS = """
:root { color-scheme: light; }
body { font-family: "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif; margin: 0;
  color: #1a1a1a; background: #fff; line-height: 1.8; }
main { max-width: 46rem; margin: 0 auto; padding: 1.5rem 1rem 4rem; }
h1 { font-size: 1.5rem; line-height: 1.4; margin: 0 0 .75rem; }
h2, h3, h4, h5, h6 { line-height: 1.4; margin: 2rem 0 .5rem; scroll-margin-top: 1rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #0b5394; padding-bottom: .25rem; }
h3 { font-size: 1.1rem; } h4, h5, h6 { font-size: 1rem; }
.meta { background: #f3f6fa; border: 1px solid #c9d6e5; border-radius: .5rem; padding: .75rem 1rem; margin: 0 0 1rem; }
.meta dt { font-weight: bold; float: left; clear: left; margin-right: .75rem; }
.meta dd { margin: 0 0 .25rem; }
.note { color: #444; font-size: .9rem; }
.internal { background: #fff1e0; border: 2px solid #a04a00; color: #6b3100; padding: .5rem 1rem;
  border-radius: .5rem; font-weight: bold; }
nav ol { padding-left: 1.25rem; }
a { color: #0b4f8a; }
section:target { background: #fffbe0; outline: 3px solid #e0b400; outline-offset: .5rem; border-radius: .25rem; }
.body { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0 0 1rem; }
"""
PAGE_CSP = (
    f"default-src 'none'; style-src {csp_hash(PAGE_CSS)}; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def render_source_page(meta: DocumentMeta, sections: list[Section]) -> str:
    """The document's title, its metadata (as-of date, citation text, original link) and every section."""
    rows = []
    if meta.as_of:
        rows.append((texts.SOURCE_PAGE_AS_OF, escape(meta.as_of)))
    if meta.source:
        rows.append((texts.SOURCE_PAGE_ORIGIN, escape(meta.source)))
    if meta.publisher:
        rows.append((texts.SOURCE_PAGE_PUBLISHER, escape(meta.publisher)))
    if meta.source_url and _is_web_url(meta.source_url):
        url = escape(meta.source_url, quote=True)
        rows.append((texts.SOURCE_PAGE_LINK, f'<a href="{url}" rel="noopener noreferrer" target="_blank">{url}</a>'))
    meta_html = "".join(f"<dt>{escape(label)}</dt><dd>{value}</dd>" for label, value in rows)
    badge = f'<p class="internal">{escape(texts.SOURCE_PAGE_INTERNAL)}</p>' if not visible(meta.audience, "public") else ""
    toc = "".join(
        f'<li><a href="#{escape(s.anchor, quote=True)}">{escape(s.path[-1] if s.path else meta.title)}</a></li>'
        for s in sections
        if s.path
    )
    toc_html = f'<nav aria-label="{texts.SOURCE_PAGE_CONTENTS}"><h2>{texts.SOURCE_PAGE_CONTENTS}</h2><ol>{toc}</ol></nav>' if toc else ""
    body = "".join(_section_html(section) for section in sections)
    return (
        '<!doctype html><html lang="ja"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(meta.title)}</title><style>{PAGE_CSS}</style></head><body><main>"
        f"<h1>{escape(meta.title)}</h1>{badge}"
        f'<dl class="meta">{meta_html}</dl><p class="note">{escape(texts.SOURCE_PAGE_NOTE)}</p>'
        f"{toc_html}{body}</main></body></html>"
    )


def render_message_page(title: str, message: str) -> str:
    """A plain page for 404s and the like, in the same style."""
    return (
        '<!doctype html><html lang="ja"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{PAGE_CSS}</style></head><body><main>"
        f"<h1>{escape(title)}</h1><p>{escape(message)}</p></main></body></html>"
    )


def _section_html(section: Section) -> str:
    level = min(6, len(section.path) + 1)
    heading = escape(section.path[-1]) if section.path else ""
    heading_html = f"<h{level}>{heading}</h{level}>" if heading else ""
    text = section.text.strip()
    text_html = f'<div class="body">{escape(text)}</div>' if text else ""
    return f'<section id="{escape(section.anchor, quote=True)}">{heading_html}{text_html}</section>'


def _is_web_url(url: str) -> bool:
    # a javascript: or data: link in a metadata field must never become a clickable link
    return urlparse(url).scheme in ("http", "https")
