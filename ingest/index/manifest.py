"""The manifest of one index generation (what built it, what it holds) and the errors of opening an index."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ingest.models import DocumentMeta

FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"


def rebuild_command(index_dir: Path | str) -> str:
    return f"python -m ingest knowledge --index {index_dir} --rebuild"


class IndexOpenError(Exception):
    """Base of index-opening problems; str() gives Japanese then English."""


class IndexNotFoundError(IndexOpenError):
    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        super().__init__(
            f"インデックスがありません: {index_dir}。先に `python -m ingest knowledge --index {index_dir}` を実行してください。 / "
            f"No index at {index_dir}; build it with `python -m ingest knowledge --index {index_dir}`."
        )


class IndexMismatchError(IndexOpenError):
    """The index was built with another embedder (or dimension) than the one asked for."""

    def __init__(self, index_dir: Path, built_with: str, built_dim: int, wanted: str, wanted_dim: int):
        self.built_with, self.wanted = built_with, wanted
        command = rebuild_command(index_dir)
        super().__init__(
            f"インデックス {index_dir} は埋め込みモデル {built_with}（{built_dim}次元）で作成されていますが、"
            f"{wanted}（{wanted_dim}次元）で開こうとしました。設定を合わせるか、`{command}` で作り直してください。 / "
            f"Index {index_dir} was built with embedder {built_with} (dim {built_dim}) but is being opened with "
            f"{wanted} (dim {wanted_dim}); use the same embedder or rebuild it with `{command}`."
        )


class IndexCorruptError(IndexOpenError):
    """A file of the index is missing, truncated or unreadable."""

    def __init__(self, path: Path, reason: str, index_dir: Path | None = None):
        self.path = path
        command = rebuild_command(index_dir if index_dir is not None else path.parent.parent)
        super().__init__(
            f"インデックスのファイルが壊れています: {path}（{reason}）。`{command}` で作り直してください。 / "
            f"Index file {path} is corrupt ({reason}); rebuild with `{command}`."
        )


class IndexLockedError(IndexOpenError):
    def __init__(self, index_dir: Path):
        super().__init__(
            f"別の取り込み処理がこのインデックス（{index_dir}）に書き込み中です。終わってから再実行してください。 / "
            f"Another ingest is writing to {index_dir}; run again when it has finished."
        )


@dataclass(frozen=True)
class DocumentEntry:
    """One document of the generation: its metadata, the hash it was built from, its chunks in order."""

    meta: DocumentMeta
    content_hash: str
    chunk_ids: tuple[str, ...]
    chunks_hash: str = ""  # fingerprint of the stored chunks: a new chunker changes it, the source may not

    @property
    def doc_id(self) -> str:
        return self.meta.doc_id

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self.meta), "content_hash": self.content_hash, "chunk_ids": list(self.chunk_ids),
                "chunks_hash": self.chunks_hash}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "DocumentEntry":
        names = {f.name for f in fields(DocumentMeta)}
        meta = {key: value for key, value in data.items() if key in names}
        for key in ("products", "countries"):
            meta[key] = tuple(meta.get(key) or ())
        return cls(DocumentMeta(**meta), data["content_hash"], tuple(data["chunk_ids"]), data.get("chunks_hash", ""))


@dataclass(frozen=True)
class Manifest:
    generation: str
    created_at: str
    embedder: str
    dim: int
    tokenizer: dict[str, Any]
    chunker: dict[str, Any]
    documents: tuple[DocumentEntry, ...]
    # sha256 of every file the reader loads besides Chroma's own, so truncation is caught at open
    files: dict[str, str] = field(default_factory=dict)
    chunk_count: int = 0
    format_version: int = FORMAT_VERSION
    # where the vectors are: {"mode": "embedded", "collection": ...} or {"mode": "server", "collection": ...}
    store: dict[str, str] = field(default_factory=dict)

    def document(self, doc_id: str) -> DocumentEntry | None:
        return next((entry for entry in self.documents if entry.doc_id == doc_id), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "generation": self.generation,
            "created_at": self.created_at,
            "embedder": {"name": self.embedder, "dim": self.dim},
            "tokenizer": self.tokenizer,
            "chunker": self.chunker,
            "chunk_count": self.chunk_count,
            "files": self.files,
            "store": self.store,
            "documents": [entry.to_json() for entry in self.documents],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Manifest":
        return cls(
            generation=data["generation"],
            created_at=data["created_at"],
            embedder=data["embedder"]["name"],
            dim=int(data["embedder"]["dim"]),
            tokenizer=dict(data["tokenizer"]),
            chunker=dict(data["chunker"]),
            documents=tuple(DocumentEntry.from_json(entry) for entry in data["documents"]),
            files=dict(data.get("files", {})),
            chunk_count=int(data.get("chunk_count", 0)),
            format_version=int(data["format_version"]),
            store=dict(data.get("store") or {}),
        )


def read_manifest(generation_dir: Path) -> Manifest:
    path = generation_dir / MANIFEST_FILE
    index_dir = generation_dir.parent
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise IndexCorruptError(path, "ファイルがありません / missing", index_dir) from error
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise IndexCorruptError(path, f"読めません / unreadable: {error}", index_dir) from error
    try:
        manifest = Manifest.from_json(data)
    except (KeyError, TypeError, ValueError) as error:
        raise IndexCorruptError(path, f"項目が不正です / bad field: {error}", index_dir) from error
    if manifest.format_version != FORMAT_VERSION:
        raise IndexCorruptError(path, f"未対応の形式 {manifest.format_version} / unsupported format", index_dir)
    return manifest
