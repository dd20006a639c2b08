"""JSON Lines: the one reader of .jsonl files (index files, datasets, results, curated answers) and the stored
form of chunks and sections in a generation (chunks.jsonl, sections.jsonl)."""
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


class JsonlError(ValueError):
    """A .jsonl file that cannot be read, or a line that is not a JSON object; says which file and line."""

    def __init__(self, path: Path, line: int | None, reason: str):
        self.path = Path(path)
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"JSON Lines を読めません: {where}（{reason}） / cannot read JSON Lines {where}: {reason}")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every JSON object of a JSON Lines file, in order; blank lines are skipped, anything else is a JsonlError."""
    records: list[dict[str, Any]] = []
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    raise JsonlError(path, number, str(error)) from error
                if not isinstance(record, dict):
                    raise JsonlError(path, number, "JSON オブジェクトではありません / not a JSON object")
                records.append(record)
    except (OSError, UnicodeDecodeError) as error:
        raise JsonlError(path, None, str(error)) from error
    return records


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
