"""Whether the sources of an answer are old enough to warn about, and the disclaimer that then says so."""
from __future__ import annotations

from datetime import date

from bot import texts
from ingest import note_date as as_of_date


def months_old(as_of: date, today: date) -> int:
    """Whole months from as_of to today (2024-08-01 → 2025-08-01 is 12)."""
    months = (today.year - as_of.year) * 12 + (today.month - as_of.month)
    return months - 1 if today.day < as_of.day else months


def is_outdated(as_of: str | None, max_age_months: int, today: date) -> bool:
    """True when the newest source is older than max_age_months, or its date is unknown (no way to tell)."""
    when = as_of_date(as_of)
    return when is None or months_old(when, today) >= max_age_months


def regulation_disclaimer(as_of: str | None, max_age_months: int, today: date | None = None) -> str:
    """The disclaimer of a regulation or procedure answer; as_of is the newest source the answer cites."""
    today = today or date.today()
    if not is_outdated(as_of, max_age_months, today):
        return texts.DISCLAIMER_REGULATION
    return f"{texts.DISCLAIMER_REGULATION}\n{texts.outdated_notice(as_of, max_age_months)}"
