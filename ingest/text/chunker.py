"""Sentence-aware chunking of one section's text, with stable chunk ids."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ingest.text.sentences import cut_at_boundaries, split_sentences


@dataclass(frozen=True)
class ChunkPiece:
    """One chunk of a section, before document metadata is attached."""

    text: str
    ordinal_in_section: int
    overlap_chars: int = 0  # leading characters repeated from the previous chunk (declared overlap)


__all__ = ["ChunkPiece", "chunk_id", "chunk_text", "split_sentences"]


def chunk_text(text: str, chunk_chars: int = 400, overlap_sentences: int = 0) -> list[ChunkPiece]:
    """Pack the sentences of one section into chunks of at most chunk_chars characters.

    Sentences are never split unless one alone is longer than chunk_chars. Units from separate
    lines are joined with a newline. With overlap_sentences > 0 each chunk starts with the last
    sentences of the previous one (declared in ChunkPiece.overlap_chars).
    """
    if chunk_chars < 1:
        raise ValueError("chunk_chars must be positive")
    units: list[tuple[str, bool]] = []  # (sentence, starts a new line)
    for line in text.split("\n"):
        first = True
        for sentence in split_sentences(line):
            for piece in cut_at_boundaries(sentence, chunk_chars):
                units.append((piece, first))
                first = False

    def render(group: list[tuple[str, bool]]) -> str:
        out = ""
        for i, (sentence, new_line) in enumerate(group):
            out += ("\n" if new_line and i else "") + sentence
        return out

    pieces: list[ChunkPiece] = []
    current: list[tuple[str, bool]] = []
    carried = 0  # how many units at the start of current are overlap
    for unit in units:
        candidate = render([*current, unit])
        if current and len(candidate) > chunk_chars and len(current) > carried:
            pieces.append(_piece(current, carried, len(pieces), render))
            tail = current[len(current) - overlap_sentences:] if overlap_sentences else []
            # overlap must leave room for new text, else it would repeat forever
            while tail and len(render([*tail, unit])) > chunk_chars:
                tail = tail[1:]
            current, carried = list(tail), len(tail)
        current.append(unit)
    if current and len(current) > carried:
        pieces.append(_piece(current, carried, len(pieces), render))
    return pieces


def _piece(group, carried: int, ordinal: int, render) -> ChunkPiece:
    text = render(group)
    overlap = len(render(group[:carried])) if carried else 0
    return ChunkPiece(text=text, ordinal_in_section=ordinal, overlap_chars=overlap)


def chunk_id(doc_id: str, anchor: str, ordinal_in_section: int, text: str) -> str:
    """Stable id: same document, section, position and text → same id on any machine."""
    digest = hashlib.sha1(f"{anchor}|{ordinal_in_section}|{text}".encode("utf-8")).hexdigest()[:12]
    return f"{doc_id}-{digest}"
