"""Japanese lexical index: SudachiPy normalized-form tokens scored with BM25 (bm25s), saved beside the vectors."""
from __future__ import annotations

import importlib.metadata
import json
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
from sudachipy import Dictionary, SplitMode

from ingest.index.manifest import IndexCorruptError

TOKENIZER_NAME = "sudachipy"
# Mode and bigrams were chosen with scripts/measure_tokenizer.py on evals/datasets/dev.jsonl (BM25 alone):
# mode B + bigrams tied the best recall@5 and came within 0.01 of the best MRR@10; words alone in mode B
# were the weakest at recall@5. Figures in README, The index.
SPLIT_MODE = "B"
# Character bigrams of kanji/kana runs of the text, added beside the words: they catch compounds that
# Sudachi splits differently in a question and in a document. Hiragana stays in the runs: dropping it, or
# taking bigrams of each word's normalized form instead, both measured worse.
CHAR_BIGRAMS = True
# Nouns are cut in mode B whatever the lexical mode: the bot's content nouns (bot/query.py) were chosen on it.
NOUN_SPLIT_MODE = "B"
Noun = tuple[str, str, str, str]  # Sudachi's normalized form, surface, and the second and third POS levels
# Tokens that carry no topic: particles, auxiliaries, punctuation, symbols, whitespace.
_DROPPED_POS = {"助詞", "助動詞", "補助記号", "空白", "記号"}
_IDS_FILE = "chunk_ids.json"
_NOUNS_FILE = "nouns.json"

_local = threading.local()


def sudachi_tokenizer():
    """This thread's SudachiPy tokenizer (core dictionary), for every Sudachi cut of the project: one Dictionary per
    thread, not one per module (each maps the 200 MB system.dic once more, and RSS counts each mapping)."""
    tokenizer = getattr(_local, "tokenizer", None)  # one per thread: tokenizers are not meant to be shared
    if tokenizer is None:
        tokenizer = Dictionary(dict="core").tokenizer()
        _local.tokenizer = tokenizer
    return tokenizer


def tokenizer_info() -> dict[str, str | bool]:
    """Recorded in the manifest: a query must be tokenized the way the index was."""
    return {
        "name": TOKENIZER_NAME,
        "mode": SPLIT_MODE,
        "char_bigrams": CHAR_BIGRAMS,
        "sudachipy": importlib.metadata.version("sudachipy"),
        "dict": f"sudachidict-core {importlib.metadata.version('sudachidict-core')}",
    }


def _is_japanese(char: str) -> bool:
    name = unicodedata.name(char, "")
    return name.startswith(("CJK UNIFIED", "HIRAGANA", "KATAKANA"))


def _char_bigrams(text: str) -> list[str]:
    """Overlapping character pairs of each run of kanji/kana in the text."""
    grams: list[str] = []
    run = ""
    for char in text + " ":
        if _is_japanese(char):
            run += char
            continue
        grams.extend(run[i:i + 2] for i in range(len(run) - 1))
        run = ""
    return grams


def _pieces(text: str, limit: int = 4000) -> list[str]:
    """Sudachi refuses inputs above ~49k bytes: cut long texts after a sentence end or line break."""
    pieces: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("。"), window.rfind("\n"), window.rfind(" "))
        cut = cut + 1 if cut > 0 else limit
        pieces.append(text[:cut])
        text = text[cut:]
    pieces.append(text)
    return pieces


def tokenize(text: str, mode: str = SPLIT_MODE, char_bigrams: bool = CHAR_BIGRAMS) -> list[str]:
    """Content words as Sudachi normalized forms, Latin lowercased; the bot tokenizes questions with this too."""
    return _cut(unicodedata.normalize("NFKC", text), mode, char_bigrams, None)


def _cut(text: str, mode: str, char_bigrams: bool, nouns: list[Noun] | None) -> list[str]:
    """tokenize's tokens of an NFKC text; with `nouns`, its nouns too when they come out of the same cut (one
    piece, the nouns' mode)."""
    tokens: list[str] = []
    for piece in _pieces(text):
        for morpheme in sudachi_tokenizer().tokenize(piece, getattr(SplitMode, mode)):
            pos = morpheme.part_of_speech()
            if nouns is not None and pos[0] == "名詞":
                nouns.append((morpheme.normalized_form(), morpheme.surface(), pos[1], pos[2]))
            if pos[0] in _DROPPED_POS:
                continue
            form = morpheme.normalized_form().strip().lower()
            if form:
                tokens.append(form)
        if char_bigrams:
            tokens.extend(_char_bigrams(piece))
    return tokens


def noun_morphemes(text: str) -> list[Noun]:
    """Every noun Sudachi finds in the text (after NFKC), as it found it: the bot decides which name a topic."""
    mode = getattr(SplitMode, NOUN_SPLIT_MODE)
    return [(m.normalized_form(), m.surface(), pos[1], pos[2])
            for piece in _pieces(unicodedata.normalize("NFKC", text))  # Sudachi refuses a text over ~49 KB
            for m in sudachi_tokenizer().tokenize(piece, mode) if (pos := m.part_of_speech())[0] == "名詞"]


def tokens_and_nouns(text: str) -> tuple[list[str], list[Noun]]:
    """(tokenize(text), noun_morphemes(text)), from one Sudachi pass when both cut the text the same way (what
    the index build does for every chunk: a second pass costs ~35 s per 100k chunks)."""
    text = unicodedata.normalize("NFKC", text)
    if SPLIT_MODE != NOUN_SPLIT_MODE or len(_pieces(text)) > 1:
        return _cut(text, SPLIT_MODE, CHAR_BIGRAMS, None), noun_morphemes(text)
    nouns: list[Noun] = []
    return _cut(text, SPLIT_MODE, CHAR_BIGRAMS, nouns), nouns


class NounTable:
    """The distinct nouns of an index's chunks (nouns.json in the lexical folder), those of public chunks apart
    from those only other chunks have, so an audience's nouns are read without cutting any chunk again."""

    def __init__(self) -> None:
        self.public: set[Noun] = set()
        self.internal: set[Noun] = set()

    def add(self, nouns: list[Noun], public: bool) -> None:
        (self.public if public else self.internal).update(nouns)

    def save(self, directory: Path) -> None:
        table = {"public": sorted(self.public), "internal": sorted(self.internal - self.public)}
        (directory / _NOUNS_FILE).write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")

    @staticmethod
    def read(directory: Path, public_only: bool) -> list[Noun] | None:
        """The nouns of the public chunks (public_only) or of all; None when the folder has no table (an index
        written before it)."""
        path = directory / _NOUNS_FILE
        if not path.is_file():
            return None
        try:
            table = json.loads(path.read_text(encoding="utf-8"))
            rows = table["public"] if public_only else table["public"] + table["internal"]
            return [(str(form), str(surface), str(pos1), str(pos2)) for form, surface, pos1, pos2 in rows]
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:  # JSONDecodeError: ValueError
            raise IndexCorruptError(path, f"読めません / unreadable: {error!r}", directory.parent.parent) from error


@dataclass
class LexicalIndex:
    """BM25 over chunk token lists; row i is chunk_ids[i]."""

    chunk_ids: list[str]
    bm25: bm25s.BM25

    @classmethod
    def build(cls, chunk_ids: list[str], token_lists: list[list[str]]) -> "LexicalIndex":
        bm25 = bm25s.BM25()
        # an empty token list would leave a row without terms; bm25s handles it with its empty token
        bm25.index([tokens or [""] for tokens in token_lists], show_progress=False)
        return cls(list(chunk_ids), bm25)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.bm25.save(str(directory), show_progress=False)
        (directory / _IDS_FILE).write_text(json.dumps(self.chunk_ids, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> "LexicalIndex":
        chunk_ids = json.loads((directory / _IDS_FILE).read_text(encoding="utf-8"))
        bm25 = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0)
        return cls(chunk_ids, bm25)

    def terms(self, mask: np.ndarray | None = None, block: int = 1 << 20) -> frozenset[str]:
        """The terms that occur in at least one row (one where mask is True), read from the postings: the
        vocabulary of those rows' token lists, without tokenizing anything again."""
        indptr = self.bm25.scores["indptr"]
        indices = self.bm25.scores["indices"]
        columns = len(indptr) - 1  # bm25s may add "" to the vocabulary without a column of its own
        if mask is None:
            present = np.diff(indptr) > 0
        else:
            present = np.zeros(columns, dtype=bool)
            # the postings of every term, a block at a time: a mask lookup over all of them at 100k chunks would
            # hold tens of millions of entries at once
            for start in range(0, len(indices), block):
                hits = np.flatnonzero(mask[indices[start:start + block]]) + start
                present[np.searchsorted(indptr, hits, side="right") - 1] = True
        # "" only stands in for a row without tokens: it is no term of any text
        return frozenset(term for term, column in self.bm25.vocab_dict.items()
                         if term and column < columns and present[column])

    def search(self, query_tokens: list[str], k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top k (chunk_id, BM25 score) with score > 0, restricted to rows where mask is True."""
        if not query_tokens or k <= 0 or not self.chunk_ids:
            return []
        scores = np.asarray(self.bm25.get_scores(list(query_tokens)), dtype=np.float32)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(self.chunk_ids[i], float(scores[i])) for i in order if scores[i] > 0]
