"""Pure text normalization: NFKC, rejoining PDF-wrapped lines, dropping page furniture."""
from __future__ import annotations

import re
import unicodedata

from ingest.text.sentences import ends_sentence

# Circled numbers (①…⑳) mark sub-headings in Japanese government documents; plain NFKC would
# turn them into "1", "2"… and the section path 「② 現状と課題」 would be lost. Keep them.
_KEEP_CHARS = re.compile(r"([\u2460-\u2473])")


# The start of a line that opens a new structural unit: headings, bullets, boxes, notes, figures.
# A wrapped line never continues onto such a line.
STRUCTURAL_START = re.compile(
    r"""^(?:
        [○〇◯●◎■□◆◇・※→➢▶►\-*\#]       # bullets, notes, Markdown
      | [\u2460-\u2473]                    # ①…⑳
      | 第\s*\d+\s*[章節部編]               # 第4章
      | \(\s*\d{1,2}\s*\)                  # (3)
      | \d{1,2}\s+[^\d\s年月日代%]          # 「1 改定の趣旨」, footnotes
      | \d{1,2}[.．]\s                     # 1. Markdown-like numbering
      | [《【<\[〔]                        # 《取組例》 【MIYAGI STYLE】 <目標1>
      | [図表]\s*[\d●]                      # figure / table captions
    )""",
    re.VERBOSE,
)

# A line that starts with a marker is a heading or bullet; it continues on the next line only
# when it ran to the right margin (the strategy wraps at 40 full-width characters = width 80).
MARKED_WRAP_WIDTH = 66
# A plain line continues when it is reasonably long (table cells and boxes wrap narrower)…
PLAIN_WRAP_WIDTH = 50
# …or when it visibly stops mid-phrase.
_OPEN_END = re.compile(r"[、,，「『(（・/]$")

# Page furniture: whole lines that are layout, not content.
_FURNITURE_LINES = [
    re.compile(r"^[-‐−–—―ー]\s*\d{1,3}\s*[-‐−–—―ー]$"),  # page numbers 「- 15 -」
    re.compile(r"^[図表]\s*[\d●][^。]*$"),  # figure/table placeholders 「図● …」「図1 …の推移」
    re.compile(r"^最終案で(?:掲載予定)?$"),  # "to be inserted in the final draft"
]
# Draft markers that sit inside otherwise useful lines; the marker goes, the line stays.
_DRAFT_MARKERS = re.compile(r"\s*今後の予算編成の状況によって加筆・修正の可能性あり\s*")


def nfkc(text: str) -> str:
    """Unicode NFKC (full-width digits/letters → half-width), keeping circled numbers ①…⑳."""
    parts = _KEEP_CHARS.split(text)
    return "".join(p if _KEEP_CHARS.fullmatch(p) else unicodedata.normalize("NFKC", p) for p in parts)


def display_width(text: str) -> int:
    """Width in half-width cells: CJK and ambiguous-width marks (○ ※) count 2."""
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" else 1 for c in text)


def squash(text: str) -> str:
    """Text with all whitespace removed: what 'no content lost' is measured on."""
    return re.sub(r"\s+", "", text)


def is_furniture(line: str) -> bool:
    """True for a line that is page layout (page number, figure placeholder, draft note)."""
    stripped = nfkc(line).strip()
    if not stripped:
        return False
    if any(p.match(stripped) for p in _FURNITURE_LINES):
        return True
    return _DRAFT_MARKERS.sub("", stripped) == "" and _DRAFT_MARKERS.search(stripped) is not None


def _page_line_key(line: str) -> str:
    key = squash(nfkc(line))
    # a page number ("- 3 -", "3 / 12", "Page 3") differs on every page: mask its digits; longer
    # lines keep them, so body lines that differ only in a figure are never taken for furniture
    if len(re.sub(r"\d+", "", key)) <= 6:
        return re.sub(r"\d+", "#", key)
    return key


def drop_running_lines(pages: list[str], edge_lines: int = 2) -> list[str]:
    """Remove running headers/footers: lines at a page's top or bottom that recur on most pages.

    A line counts when it appears (digits masked) among the first or last `edge_lines` non-empty
    lines of at least 3 pages and of at least half of them; body text never repeats like that.
    """
    if len(pages) < 3:
        return list(pages)
    edges: list[set[str]] = []
    for page in pages:
        content = [line for line in page.split("\n") if line.strip()]
        edges.append({_page_line_key(line) for line in content[:edge_lines] + content[-edge_lines:]})
    counts: dict[str, int] = {}
    for keys in edges:
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
    running = {key for key, n in counts.items() if key and n >= 3 and n * 2 >= len(pages)}
    if not running:
        return list(pages)
    cleaned = []
    for page in pages:
        lines = page.split("\n")
        content_idx = [i for i, line in enumerate(lines) if line.strip()]
        edge_idx = set(content_idx[:edge_lines] + content_idx[-edge_lines:])
        cleaned.append("\n".join(
            line for i, line in enumerate(lines) if not (i in edge_idx and _page_line_key(line) in running)
        ))
    return cleaned


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _is_double_spaced(lines: list[str]) -> bool:
    """PDF extractions often put an empty line after every line; then blanks say nothing."""
    content = [i for i, line in enumerate(lines) if line.strip()]
    if len(content) < 2:
        return False
    followed_by_blank = sum(1 for i in content if i + 1 < len(lines) and not lines[i + 1].strip())
    return followed_by_blank >= 0.6 * len(content)


def _inside_quote(line: str) -> bool:
    """True when a 「 or 『 opened on the line is still open: 「…躍進！」 continues after the ！."""
    return line.count("「") > line.count("」") or line.count("『") > line.count("』")


def continues_on_next_line(line: str, next_line: str, raw_width: int | None = None) -> bool:
    """Whether `line` was wrapped mid-sentence and `next_line` is its continuation."""
    current, following = line.strip(), next_line.strip()
    if not current or not following:
        return False
    if STRUCTURAL_START.match(following):
        return False
    if ends_sentence(current) and not _inside_quote(current):
        return False
    width = display_width(current) if raw_width is None else raw_width
    if STRUCTURAL_START.match(current):
        # Headings are short lines without 。: they must not swallow their first body line.
        return width >= MARKED_WRAP_WIDTH
    return width >= PLAIN_WRAP_WIDTH or bool(_OPEN_END.search(current))


def _join(left: str, right: str) -> str:
    # Latin words wrapped at a line end need their space back; Japanese (and numbers wrapped
    # mid-figure, 「202」+「4年」) need nothing.
    if left and right and left[-1].isascii() and left[-1].isalpha() and right[0].isascii() and right[0].isalpha():
        return f"{left} {right}"
    return left + right


def _normalize_once(text: str) -> str:
    raw_lines = _lines(text)
    double_spaced = _is_double_spaced(raw_lines)
    # (normalized text, width of the raw line) — widths are measured before NFKC because the
    # PDF wrapped on the full-width glyphs.
    entries: list[tuple[str, int] | None] = []
    for raw in raw_lines:
        line = nfkc(raw).rstrip()
        if is_furniture(line):
            continue
        width = display_width(raw.strip())
        if _DRAFT_MARKERS.search(line):
            line = _DRAFT_MARKERS.sub("", line).rstrip()
            width = display_width(line.strip())  # what is left is a short label
        if not line.strip():
            if not double_spaced:
                entries.append(None)  # a paragraph break
            continue
        entries.append((line, width))

    out: list[str] = []
    current: str | None = None
    current_width = 0
    for entry in entries:
        if entry is None:
            if current is not None:
                out.append(current)
                current = None
            if out and out[-1] != "":
                out.append("")
            continue
        line, width = entry
        if current is not None and continues_on_next_line(current, line, current_width):
            current = _join(current.rstrip(), line.strip())
            # judged on the whole logical line, as a second pass would see it (idempotence)
            current_width += width
            continue
        if current is not None:
            out.append(current)
        current, current_width = line, width
    if current is not None:
        out.append(current)
    while out and out[-1] == "":
        out.pop()
    return nfkc("\n".join(out))


def normalize_extracted_text(text: str) -> str:
    """Normalize text extracted from a PDF (or a plain-text dump of one).

    NFKC, rejoin lines wrapped mid-sentence, drop page furniture and runs of blank lines; every
    other character is kept. Applied until it no longer changes anything, so it is idempotent.
    """
    result = _normalize_once(text)
    # A round that changes anything removes whitespace or whole lines, so this terminates; in
    # practice the second round already changes nothing.
    while (again := _normalize_once(result)) != result:
        result = again
    return result


def normalize_markup_text(text: str) -> str:
    """Normalize text from Markdown/HTML/DOCX: NFKC, trailing spaces off, blank runs collapsed.

    Lines are not rejoined: in these formats a line break is the author's.
    """
    lines = [nfkc(line).rstrip() for line in _lines(text)]
    out: list[str] = []
    for line in lines:
        if not line.strip():
            if out and out[-1] != "":
                out.append("")
            continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)
