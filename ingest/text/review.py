"""Note dates (as_of, review_by) read one way, and which documents are past their review_by date."""
from __future__ import annotations

import re
from datetime import date
from typing import Iterable

from ingest.models import DocumentMeta

_NOTE_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def note_date(value: str | None) -> date | None:
    """「2025-08」 (its first day) or 「2025-08-01」 as a date; None when absent or not such a date."""
    match = _NOTE_DATE.match((value or "").strip())
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3) or 1))
    except ValueError:
        return None


def past_review(metas: Iterable[DocumentMeta], today: date) -> list[str]:
    """Doc ids whose review_by date has come (a month-only date is due from its first day), sorted."""
    return sorted(m.doc_id for m in metas if (due := note_date(m.review_by)) is not None and due <= today)
