"""JSON Lines form of chunks and sections as stored in a generation (chunks.jsonl, sections.jsonl)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ingest.models import Chunk, Section

CHUNKS_FILE = "chunks.jsonl"
SECTIONS_FILE = "sections.jsonl"
LEXICAL_DIR = "lexical"


def chunk_to_json(chunk: Chunk) -> dict[str, Any]:
    return asdict(chunk)


def chunk_from_json(data: dict[str, Any]) -> Chunk:
    values = dict(data)
    for key in ("section_path", "products", "countries"):
        values[key] = tuple(values.get(key) or ())
    return Chunk(**values)


def section_to_json(doc_id: str, section: Section) -> dict[str, Any]:
    return {"doc_id": doc_id, **asdict(section)}


def section_from_json(data: dict[str, Any]) -> tuple[str, Section]:
    return data["doc_id"], Section(path=tuple(data["path"]), anchor=data["anchor"], text=data["text"])


def dumps_line(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n"


def chunks_fingerprint(chunks: list[Chunk]) -> str:
    """Changes whenever anything stored for a document's chunks changes, e.g. a new chunker."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(dumps_line(chunk_to_json(chunk)).encode("utf-8"))
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
