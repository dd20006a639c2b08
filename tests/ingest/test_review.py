"""review_by in a note's front matter: read one way, validated at ingest, and listed in the ingest summary."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from ingest.models import DocumentMeta
from ingest.text.review import note_date, past_review

NOTE = """---
title: {title}
source: テスト用の資料
as_of: 2024-08
{review}audience: public
kind: regulation
products: []
countries: []
---
# {title}

## 本文

{title}の本文です。確認先で最新の情報を確かめてください。
"""


def meta(doc_id: str, review_by: str | None) -> DocumentMeta:
    return DocumentMeta(doc_id=doc_id, title=doc_id, source_file=f"{doc_id}.md", review_by=review_by)


def test_note_date_reads_month_and_day_dates_only():
    assert note_date("2025-08") == date(2025, 8, 1) and note_date(" 2025-08-20 ") == date(2025, 8, 20)
    assert note_date(None) is None and note_date("来年") is None and note_date("2025-02-30") is None


def test_past_review_lists_due_notes_only():
    metas = [meta("b-due", "2025-08"), meta("a-due-today", "2025-09-01"), meta("future", "2025-10"), meta("none", None)]
    assert past_review(metas, date(2025, 9, 1)) == ["a-due-today", "b-due"]
    assert past_review(metas, date(2025, 7, 31)) == []


def write(folder: Path, stem: str, review: str | None) -> None:
    line = f"review_by: {review}\n" if review is not None else ""
    (folder / f"{stem}.md").write_text(NOTE.format(title=stem, review=line), encoding="utf-8")


def run_ingest(notes: Path, index: Path, embed_cache_path: Path, repo_root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "EXPORT_BOT_EMBED_CACHE": str(embed_cache_path), "COLUMNS": "400", "PYTHONPATH": str(repo_root)}
    return subprocess.run([sys.executable, "-m", "ingest", str(notes), "--index", str(index)], cwd=repo_root, env=env,
                          capture_output=True, text=True, timeout=600)


def test_ingest_summary_lists_the_notes_past_review_by(tmp_path: Path, embed_cache_path: Path, repo_root: Path):
    notes = tmp_path / "notes"
    notes.mkdir()
    write(notes, "rule-overdue", "2025-08")
    write(notes, "rule-current", "2999-01")
    write(notes, "rule-undated", None)
    result = run_ingest(notes, tmp_path / "index", embed_cache_path, repo_root)
    assert result.returncode == 0, result.stdout + result.stderr
    row = next(line for line in result.stdout.splitlines() if "見直し期限切れ" in line)
    assert "1  (rule-overdue)" in row
    assert "rule-current" not in row and "rule-undated" not in row


def test_an_unreadable_review_by_fails_that_note_with_a_japanese_reason(tmp_path: Path, embed_cache_path: Path,
                                                                       repo_root: Path):
    notes = tmp_path / "notes"
    notes.mkdir()
    write(notes, "rule-good", None)
    write(notes, "rule-bad", "来年の春")
    result = run_ingest(notes, tmp_path / "index", embed_cache_path, repo_root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "rule-bad.md" in result.stdout and "review_by の値「来年の春」は日付として読めません" in result.stdout
