"""The index's file checks, written once: every file the manifest lists is there and intact, and so is the
embedded Chroma database. `check_index` runs them at start-up without loading anything; IndexReader.open runs
the same `verify_files` before it loads a generation.

Commands run the check before they start serving, so a truncated or deleted file is reported by name with the
rebuild command instead of surfacing later as a stack trace or an empty answer.
"""
from __future__ import annotations

from pathlib import Path

from ingest.config import IndexConfig
from ingest.index.generations import read_current
from ingest.index.manifest import IndexCorruptError, IndexNotFoundError, Manifest, read_manifest
from ingest.index.records import file_sha256
from ingest.index.store import CHROMA_DIR, require_known_store

CHROMA_FILE = "chroma.sqlite3"
MISSING = "ファイルがありません / missing"
CHECKSUM_MISMATCH = "内容が記録と一致しません（途中で切れている可能性） / checksum mismatch"


def check_index(index_dir: Path, config: IndexConfig) -> Manifest:
    """The live generation's manifest; IndexOpenError (Japanese / English, names the file) when anything is off.

    In server mode the vectors are on the Chroma server, which may legitimately be down at start-up: that is
    reported by /api/ready, not here.
    """
    index_dir = Path(index_dir)
    require_known_store(config)
    generation = read_current(index_dir)
    if generation is None:
        raise IndexNotFoundError(index_dir)
    generation_dir = index_dir / generation
    manifest = read_manifest(generation_dir)
    verify_files(generation_dir, manifest, index_dir)
    return manifest


def verify_files(generation_dir: Path, manifest: Manifest, index_dir: Path) -> None:
    """IndexCorruptError naming the first listed file that is missing or not what the manifest recorded, or an
    embedded generation's missing or empty Chroma database."""
    for relative, expected in sorted(manifest.files.items()):
        path = generation_dir / relative
        if not path.is_file():
            raise IndexCorruptError(path, MISSING, index_dir)
        if file_sha256(path) != expected:
            raise IndexCorruptError(path, CHECKSUM_MISMATCH, index_dir)
    if manifest.store.get("mode", "embedded") == "embedded":
        chroma_file = generation_dir / CHROMA_DIR / CHROMA_FILE
        if not chroma_file.is_file() or chroma_file.stat().st_size == 0:
            raise IndexCorruptError(chroma_file, MISSING, index_dir)
