"""The outline CLI, run for real as a subprocess on the fixture documents."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "fixtures" / "docs"
REPO = Path(__file__).resolve().parents[3]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingest.text.outline", *args], cwd=REPO,
                          capture_output=True, text=True, check=False)


def test_outline_lists_sections_with_chunk_counts():
    result = run(str(DOCS / "oyster_note.md"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("■ oyster_note  「生食用カキの輸出メモ」 kind=procedure audience=internal as_of=2025-04-01")
    assert lines[-1].split() == ["s-1-2", "1", "生食用カキの輸出", ">", "物流"]


def test_outline_reports_bad_files_and_exits_1():
    result = run("--summary", str(DOCS))
    assert result.returncode == 1
    out = result.stdout
    assert "✗" in out and "empty.txt: 空のファイルです" in out and "corrupt.pdf: PDFが壊れて" in out
    assert "■ sweetpotato_report  「さつまいも船便輸出の試験報告(架空)」" in out
    assert "  s-" not in out  # --summary: no section lines
