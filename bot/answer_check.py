"""Reads an LLM answer before it is served: citations per sentence, grounding, loops, echoes, yes/no vs the rule."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sudachipy import SplitMode

from ingest import find_countries, find_products, split_sentences
from bot.data_files import read_word_lists
from bot.models import CITATION_MARKER
from bot.query import _sudachi  # the per-thread SudachiPy tokenizer the query analysis uses

WORDS_PATH = Path(__file__).parent / "data" / "answer_check_ja.yaml"
_TRAILING_MARKERS = re.compile(r"((?:\s*\[\d+\])+)\s*$")
# a marker written after the sentence's full stop belongs to that sentence: 「…です。[1]」 → 「…です[1]。」
_MARKER_AFTER_STOP = re.compile(r"([。．！？!?])((?:\s*\[\d+\])+)")
_BULLET = re.compile(r"^\s*(?:[-・●○〇*]|\d+[.)．])\s*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# 「[2] 表題 / 節」: the context's header format copied into the answer
_CONTEXT_HEADER = re.compile(r"^\s*\[\d+\]\s*\S.*\s/\s")


@dataclass(frozen=True)
class AnswerCheckSettings:
    max_missing_noun_share: float = 0.34  # a cited sentence may paraphrase: up to a third of its nouns unseen
    repeat_ngram: int = 8  # characters
    max_ngram_repeats: int = 2  # the same 8 characters three times is a loop
    min_echo_chars: int = 8  # a prompt line or question at least this long, found verbatim, is an echo


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""  # why it was rejected (logged, and counted by the evals)


ACCEPTED = Verdict(True)


@dataclass(frozen=True)
class AnswerCheckWords:
    yes_leads: tuple[str, ...]
    no_leads: tuple[str, ...]
    negative_status: tuple[str, ...]
    positive_status: tuple[str, ...]


@lru_cache(maxsize=1)
def answer_check_words(path: Path = WORDS_PATH) -> AnswerCheckWords:
    keys = ("yes_leads", "no_leads", "negative_status", "positive_status")
    raw = read_word_lists(path, required=keys)
    return AnswerCheckWords(*(tuple(raw[k]) for k in keys))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def cited_sentences(text: str) -> list[tuple[str, list[int]]]:
    """Each sentence (or list item) of the answer with the [n] markers that end it; no markers: []."""
    out = []
    for part in split_sentences(_MARKER_AFTER_STOP.sub(r"\2\1", text)):  # the one sentence splitter
        part = _BULLET.sub("", part.strip()).rstrip("。．！？!? ")
        if not part or not CITATION_MARKER.sub("", part).strip(" 、,.:：-"):
            continue  # a bare marker or an empty bullet
        trailing = _TRAILING_MARKERS.search(part)
        numbers = [int(n) for n in CITATION_MARKER.findall(trailing.group(1))] if trailing else []
        out.append((part[: trailing.start()] if trailing else part, numbers))
    return out


def answer_polarity(text: str) -> str | None:
    """'yes' / 'no' when the answer leads with one, else None."""
    words = answer_check_words()
    first = _squash(_BULLET.sub("", text.strip()))[:12]
    if any(first.startswith(w) for w in words.no_leads):
        return "no"
    if any(first.startswith(w) for w in words.yes_leads):
        return "yes"
    return None


def status_polarity(sentence: str) -> str | None:
    words = answer_check_words()
    if any(w in sentence for w in words.negative_status):
        return "no"
    if any(w in sentence for w in words.positive_status):
        return "yes"
    return None


def _loops(text: str, n: int, max_repeats: int) -> bool:
    squashed = CITATION_MARKER.sub("", _squash(text))
    counts: dict[str, int] = {}
    for i in range(len(squashed) - n + 1):
        gram = squashed[i : i + n]
        counts[gram] = counts.get(gram, 0) + 1
        if counts[gram] > max_repeats:
            return True
    return False


def _key_nouns(sentence: str) -> tuple[set[str], set[str]]:
    """(proper nouns, other nouns of two characters or more) of a sentence, as written."""
    names, nouns = set(), set()
    for m in _sudachi().tokenize(unicodedata.normalize("NFKC", sentence), SplitMode.C):
        pos = m.part_of_speech()
        if pos[0] != "名詞" or pos[1] in ("数詞", "代名詞"):
            continue
        surface = m.surface().strip()
        if pos[1] == "固有名詞":
            names.add(surface)
        elif len(surface) >= 2:
            nouns.add(surface)
    return names, nouns


def check_answer(
    text: str,
    chunks: list[str],
    *,
    question: str,
    prompt_lines: list[str],
    finish_reason: str | None = None,
    status_sentence: str | None = None,
    settings: AnswerCheckSettings = AnswerCheckSettings(),
) -> Verdict:
    """`chunks` are the texts the answer's [1]..[n] point at, in order; the first failing rule is the reason."""
    if finish_reason == "length":
        return Verdict(False, "cut at the token cap (finish_reason=length)")
    if not text.strip():
        return Verdict(False, "empty answer")
    lines = [line for line in text.splitlines() if line.strip()]
    if any(_CONTEXT_HEADER.match(line) for line in lines):
        return Verdict(False, "copies the context's [n] title / section headers")
    squashed = _squash(text)
    for line in [*prompt_lines, question]:
        probe = _squash(CITATION_MARKER.sub("", line))
        if len(probe) >= settings.min_echo_chars and probe in squashed:
            return Verdict(False, f"echoes the prompt or the question: {line.strip()[:40]!r}")
    if _loops(text, settings.repeat_ngram, settings.max_ngram_repeats):
        return Verdict(False, "repetition loop")
    sentences = cited_sentences(text)
    if not sentences:
        return Verdict(False, "no sentence")
    chunk_texts = [_squash(c) for c in chunks]
    for sentence, numbers in sentences:
        if not numbers:
            return Verdict(False, f"sentence without a citation: {sentence[:40]!r}")
        if any(n < 1 or n > len(chunks) for n in numbers):
            return Verdict(False, f"citation {numbers} outside the {len(chunks)} retrieved chunks")
        cited = "".join(chunk_texts[n - 1] for n in numbers)
        missing_numbers = [x for x in _NUMBER.findall(unicodedata.normalize("NFKC", sentence)) if x not in cited]
        if missing_numbers:
            return Verdict(False, f"numbers {missing_numbers} not in the cited chunk {numbers}")
        names, nouns = _key_nouns(sentence)
        missing_names = sorted(n for n in names if _squash(n) not in cited)
        if missing_names:
            return Verdict(False, f"names {missing_names} not in the cited chunk {numbers}")
        missing = sorted(n for n in nouns if _squash(n) not in cited)
        if nouns and len(missing) / len(nouns) > settings.max_missing_noun_share:
            return Verdict(False, f"nouns {missing} not in the cited chunk {numbers}")
    if status_sentence:
        said, rule = answer_polarity(text), status_polarity(status_sentence)
        if said and rule and said != rule:
            return Verdict(False, f"answers {said!r} where the rule note's status sentence says {rule!r}")
    return ACCEPTED


def check_condensed(
    text: str,
    question: str,
    carried: dict[str, str | None],
    prompt_lines: list[str],
    *,
    finish_reason: str | None = None,
    max_chars: int = 120,
) -> Verdict:
    """A condensed follow-up is one short question that keeps the slots the rule-based rewrite carries
    (the conversation's product and destination, unless the question named new ones)."""
    if finish_reason == "length":
        return Verdict(False, "cut at the token cap (finish_reason=length)")
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if len(lines) != 1:
        return Verdict(False, f"{len(lines)} lines, not one question")
    condensed = lines[0].strip()
    if len(condensed) > max_chars:
        return Verdict(False, f"{len(condensed)} characters, longer than {max_chars}")
    squashed = _squash(condensed)
    for line in prompt_lines:
        probe = _squash(line)
        if len(probe) >= 8 and probe in squashed:
            return Verdict(False, f"echoes the prompt: {line[:40]!r}")
    if _loops(condensed, 8, 1):
        return Verdict(False, "repetition loop")
    found = {"product": find_products(condensed), "country": find_countries(condensed)}
    lost = [value for slot, value in carried.items() if value and slot in found and value not in found[slot]]
    if lost:
        return Verdict(False, f"drops the conversation's {lost}")
    return ACCEPTED
