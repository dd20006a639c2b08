"""Where a Japanese (or English) sentence ends: the one rule the chunker, the answerer, the SSE cutter and the bench share."""
from __future__ import annotations

import re

# Sentence-final punctuation. The full-width period ． is listed because normalize sees raw lines
# before NFKC; after NFKC it is "." and, like every ASCII ".", never ends a sentence (100.7%, 1.2兆円).
SENTENCE_ENDS = "。．！？!?"
# Closing brackets that belong to the sentence they follow: 「…躍進！」 ends after the 」.
CLOSERS = "」』)）]］】〉》"
_OPENERS = {"「": "」", "『": "』", "（": "）", "(": ")"}
# Where an over-long text may be cut when no sentence ends inside the limit.
SOFT_BREAKS = "、，,;；:："

_ENDS = re.compile(rf"[{SENTENCE_ENDS}][{re.escape(CLOSERS)}]*\d{{0,2}}$")


def _boundaries(line: str) -> list[int]:
    """Offsets just after each sentence end of one line, ignoring ends inside 「」『』（）.

    A quotation's own 。 does not end the sentence around it: 担当者は「輸出できます。」と答えた。 is one
    sentence. When a bracket is never closed on the line the quote rule is dropped, so one stray 「
    cannot glue a whole paragraph into one unit.
    """
    for bracket_aware in (True, False):
        cuts: list[int] = []
        stack: list[str] = []
        i, n = 0, len(line)
        while i < n:
            ch = line[i]
            if bracket_aware and ch in _OPENERS:
                stack.append(_OPENERS[ch])
            elif bracket_aware and stack and ch == stack[-1]:
                stack.pop()
            elif ch in SENTENCE_ENDS and not stack:
                j = i + 1
                while j < n and line[j] in SENTENCE_ENDS:
                    j += 1
                while j < n and line[j] in CLOSERS:
                    j += 1
                cuts.append(j)
                i = j
                continue
            i += 1
        if not bracket_aware or not stack:
            return cuts
    return []  # unreachable: the second pass always returns


def sentence_pieces(text: str) -> list[str]:
    """The text cut after every sentence end and every line break; joined, the pieces give back the text exactly."""
    pieces: list[str] = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        start = 0
        for cut in _boundaries(body):
            pieces.append(body[start:cut])
            start = cut
        pieces.append(line[start:])
    return [p for p in pieces if p]


def split_sentences(text: str) -> list[str]:
    """Sentences and line units (bullets, table rows, headings) of a text, stripped, without empties."""
    return [p.strip() for p in sentence_pieces(text) if p.strip()]


def ends_sentence(line: str) -> bool:
    """Whether a line's last visible character closes a sentence (a closing bracket and a stray footnote number may follow)."""
    return bool(_ENDS.search(line.rstrip()))


def cut_at_boundaries(text: str, limit: int, breaks: str = SOFT_BREAKS) -> list[str]:
    """Cut text into pieces of at most `limit` characters, after a soft break when one sits past a third of the window, else hard."""
    if limit < 1:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max((i + 1 for i, ch in enumerate(window) if ch in breaks), default=0)
        if cut == 0 or cut < limit // 3:  # no useful break: hard cut
            cut = limit
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        pieces.append(rest)
    return pieces
