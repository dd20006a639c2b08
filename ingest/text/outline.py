"""CLI: `python -m ingest.text.outline PATH...` shows what the text half makes of files, without an index.

Per document: id, title, metadata, and each section path with its anchor and chunk count. Use it to
check a new document's structure before ingesting it. Exit status 1 when any file fails to load.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from ingest.config import IndexConfig, SettingsError, load_index_settings
from ingest.errors import IngestError
from ingest.models import SECTION_SEPARATOR
from ingest.text.pipeline import chunk_document, discover_files, load_document


def outline_lines(paths: list[Path], config: IndexConfig, show_sections: bool = True) -> tuple[list[str], int]:
    """Printable lines describing each file, and the number of files that failed."""
    lines: list[str] = []
    failures = 0
    for given in paths:
        root = given if given.is_dir() else None
        for path in discover_files([given]):
            try:
                document = load_document(path, root=root)
            except IngestError as error:
                failures += 1
                lines.append(f"✗ {error.path}: {error}")
                continue
            sections, chunks = chunk_document(document, config)
            meta = document.meta
            lines.append(
                f"■ {meta.doc_id}  「{meta.title}」 kind={meta.kind} audience={meta.audience} "
                f"as_of={meta.as_of or '-'}  sections={len(sections)} chunks={len(chunks)}"
            )
            if show_sections:
                per_anchor: dict[str, int] = {}
                for chunk in chunks:
                    per_anchor[chunk.anchor] = per_anchor.get(chunk.anchor, 0) + 1
                for section in sections:
                    label = SECTION_SEPARATOR.join(section.path) or "(前文)"
                    lines.append(f"  {section.anchor:<14} {per_anchor.get(section.anchor, 0):>2}  {label}")
    return lines, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest.text.outline", description="文書の構造（セクションとチャンク数）を表示します")
    parser.add_argument("paths", nargs="+", type=Path, help="files or directories (directories recurse)")
    parser.add_argument("--chunk-chars", type=int, default=None, help="chunk size in characters")
    parser.add_argument("--summary", action="store_true", help="one line per document, no sections")
    args = parser.parse_args(argv)
    try:
        config = load_index_settings().index_config()
    except SettingsError as error:
        print(f"エラー / error: {error}", file=sys.stderr)
        return 2
    if args.chunk_chars:
        config = replace(config, chunk_chars=args.chunk_chars)
    lines, failures = outline_lines(args.paths, config, show_sections=not args.summary)
    print("\n".join(lines))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
