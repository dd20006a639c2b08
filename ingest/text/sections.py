"""Split a normalized document into titled sections (Japanese government layout or Markdown)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.models import Section
from ingest.text.normalize import MARKED_WRAP_WIDTH, display_width
from ingest.text.sentences import ends_sentence

# Levels of the Japanese government layout, outermost first.
CHAPTER, NUMBERED, PAREN, CIRCLED, BOX, ITEM = 1, 2, 3, 4, 5, 6

_CHAPTER = re.compile(r"^第\s*(\d{1,2})\s*章\s*(.*)$")
_NUMBERED = re.compile(r"^(\d{1,2})\s+(\S.{0,29})$")
_PAREN = re.compile(r"^\(\s*(\d{1,2})\s*\)\s*(\S.{0,39})$")
_CIRCLED = re.compile(r"^([\u2460-\u2473])\s*(\S.{0,29})$")
_BOX = re.compile(r"^(?:《[^》]{1,20}》|【[^】]{1,30}】|<[^<>]{1,12}>)(?:\s*\S.{0,40})?$")
_ITEM = re.compile(r"^[○〇◯]\s*(\S.*)$")
_MARKDOWN = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^(```|~~~)")


@dataclass(frozen=True)
class Heading:
    """A heading line found in the text."""

    line_no: int
    level: int
    title: str
    kind: str  # chapter | numbered | paren | circled | box | item | markdown | plain
    number: int | None = None


def _clean_title(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _is_short_title(rest: str) -> bool:
    return "。" not in rest


def _japanese_headings(lines: list[str]) -> list[Heading]:
    """Headings of a Japanese government document, checked for plausible numbering.

    Numbers must run in sequence (1, 2, 3 within a chapter; (1), (2) within a numbered part;
    ①, ② within a (N) part) so that footnotes such as 「3 実質GDP伸び率」 are not headings.
    """
    headings: list[Heading] = []
    last_numbered = last_paren = last_circled = 0
    for no, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        if m := _CHAPTER.match(line):
            if not _is_short_title(m.group(2)):
                continue
            n = int(m.group(1))
            headings.append(Heading(no, CHAPTER, _clean_title(f"第{n}章 {m.group(2)}"), "chapter", n))
            last_numbered = last_paren = last_circled = 0
        elif (m := _NUMBERED.match(line)) and _is_short_title(m.group(2)) and int(m.group(1)) == last_numbered + 1:
            n = int(m.group(1))
            headings.append(Heading(no, NUMBERED, _clean_title(f"{n} {m.group(2)}"), "numbered", n))
            last_numbered, last_paren, last_circled = n, 0, 0
        elif (m := _PAREN.match(line)) and _is_short_title(m.group(2)) and int(m.group(1)) == last_paren + 1:
            n = int(m.group(1))
            headings.append(Heading(no, PAREN, _clean_title(f"({n}) {m.group(2)}"), "paren", n))
            last_paren, last_circled = n, 0
        elif (m := _CIRCLED.match(line)) and _is_short_title(m.group(2)):
            n = ord(m.group(1)) - 0x2460 + 1
            if n != last_circled + 1:
                continue
            headings.append(Heading(no, CIRCLED, _clean_title(f"{m.group(1)} {m.group(2)}"), "circled", n))
            last_circled = n
        elif _BOX.match(line) and "。" not in line:
            headings.append(Heading(no, BOX, _clean_title(line), "box"))
        elif (m := _ITEM.match(line)) and _is_item_title(line, lines, no):
            headings.append(Heading(no, ITEM, _clean_title(f"{line[0]} {m.group(1)}"), "item"))
    return headings


def _is_item_title(line: str, lines: list[str], no: int) -> bool:
    """A short ○ line without 。 that is followed by body text titles a case example.

    Long ○ lines are bullets (sentences) and stay in the body.
    """
    if "。" in line or display_width(line) >= MARKED_WRAP_WIDTH:
        return False
    for following in lines[no + 1:]:
        following = following.strip()
        if following:
            return not _ITEM.match(following) and not _CHAPTER.match(following)
    return False


_PLAIN_NUMBERED = re.compile(r"^(\d{1,2})[.．]\s*(\S.{0,39})$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
# a heading never ends a sentence, nor stops mid-phrase at a comma or colon
_OPEN_PHRASE_ENDS = ("、", ",", ":", "：")


def _plain_headings(lines: list[str]) -> list[Heading]:
    """Headings of an article without any markers (a blog post saved as text).

    A heading is a short Japanese line that does not end a sentence and is followed by body
    text; 「1. …」 lines of the same shape are sub-headings.
    """
    headings: list[Heading] = []
    content = [(no, line.strip()) for no, line in enumerate(lines) if line.strip()]
    for (no, line), (_, following) in zip(content, content[1:]):
        if len(line) > 40 or ends_sentence(line) or line.endswith(_OPEN_PHRASE_ENDS) or not _CJK.search(line):
            continue
        if not (len(following) > 40 or following.endswith("。")):
            continue
        if m := _PLAIN_NUMBERED.match(line):
            headings.append(Heading(no, 3, _clean_title(f"{m.group(1)}. {m.group(2)}"), "plain", int(m.group(1))))
        else:
            headings.append(Heading(no, 2, _clean_title(line), "plain"))
    return headings


def _markdown_headings(lines: list[str]) -> list[Heading]:
    headings: list[Heading] = []
    in_fence = False
    for no, line in enumerate(lines):
        if _FENCE.match(line.strip()):
            in_fence = not in_fence
            continue
        if not in_fence and (m := _MARKDOWN.match(line.strip())):
            headings.append(Heading(no, len(m.group(1)), _clean_title(m.group(2)), "markdown"))
    return headings


def detect_headings(text: str, style: str = "auto") -> list[Heading]:
    """Headings in reading order.

    style: "auto" (Markdown when # headings exist, else the Japanese government layout, else plain
    article headings), "markdown", "japanese" or "plain".
    """
    lines = text.split("\n")
    if style == "auto":
        markdown = _markdown_headings(lines)
        if markdown:
            return markdown
        japanese = _japanese_headings(lines)
        # Without numbered structure the document is an article: fall back to short plain lines.
        if any(h.kind in ("chapter", "numbered", "paren", "circled") for h in japanese):
            return japanese
        return _plain_headings(lines) or japanese
    if style == "markdown":
        return _markdown_headings(lines)
    if style == "plain":
        return _plain_headings(lines)
    return _japanese_headings(lines)


def _lone_introductions(headings: list[Heading]) -> set[int]:
    """Numbered headings that are the only one of their chapter (「1 輸出基幹品目の設定」).

    Such a heading introduces the chapter; the (N) parts after it belong to the chapter itself,
    so that the path reads 「第4章 輸出基幹品目 > (3) 牛肉」.
    """
    lone: set[int] = set()
    chapter_numbered: list[Heading] = []
    for heading in [*headings, Heading(-1, CHAPTER, "", "chapter")]:
        if heading.kind == "chapter":
            if len(chapter_numbered) == 1:
                lone.add(chapter_numbered[0].line_no)
            chapter_numbered = []
        elif heading.kind == "numbered":
            chapter_numbered.append(heading)
    return lone


def detect_sections(text: str, style: str = "auto") -> list[Section]:
    """Sections in reading order, each with its heading path, a stable anchor and its own body.

    Text before the first heading becomes a section with an empty path (anchor "s-0"). A section's
    text excludes its heading line and its sub-sections; sections without body are kept so the
    outline is complete.
    """
    lines = text.split("\n")
    headings = detect_headings(text, style)
    lone = _lone_introductions(headings)

    sections: list[Section] = []
    preamble_end = headings[0].line_no if headings else len(lines)
    preamble = _body(lines, 0, preamble_end)
    if preamble:
        sections.append(Section(path=(), anchor="s-0", text=preamble))

    # stack entries: (level, title, sibling index, heading)
    stack: list[tuple[int, str, int, Heading]] = []
    child_counts: dict[tuple[int, ...], int] = {}
    for i, heading in enumerate(headings):
        while stack and (
            stack[-1][0] >= heading.level
            or (heading.kind == "paren" and stack[-1][3].line_no in lone)
        ):
            stack.pop()
        parent_key = tuple(entry[2] for entry in stack)
        child_counts[parent_key] = child_counts.get(parent_key, 0) + 1
        stack.append((heading.level, heading.title, child_counts[parent_key], heading))
        end = headings[i + 1].line_no if i + 1 < len(headings) else len(lines)
        sections.append(
            Section(
                path=tuple(entry[1] for entry in stack),
                anchor="s-" + "-".join(str(entry[2]) for entry in stack),
                text=_body(lines, heading.line_no + 1, end),
            )
        )
    return sections


def _body(lines: list[str], start: int, end: int) -> str:
    return "\n".join(lines[start:end]).strip("\n").strip()
