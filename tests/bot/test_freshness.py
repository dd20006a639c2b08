"""The outdated-information line of regulation answers: the age rule itself and the chain that shows it."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot import texts
from bot.freshness import as_of_date, is_outdated, months_old, regulation_disclaimer
from bot.settings import Settings

REGULATION_QUESTION = "台湾へいちごを送るときは何を確かめますか？"  # cites strawberry-taiwan (as_of 2025-04)


def test_as_of_reads_months_and_days_and_rejects_the_rest():
    assert as_of_date("2024-08") == date(2024, 8, 1)
    assert as_of_date("2024-08-15") == date(2024, 8, 15)
    assert as_of_date(None) is None and as_of_date("不明") is None and as_of_date("2024-13") is None


def test_months_old_counts_whole_months():
    assert months_old(date(2024, 8, 1), date(2025, 8, 1)) == 12
    assert months_old(date(2024, 8, 15), date(2025, 8, 14)) == 11
    assert months_old(date(2024, 8, 1), date(2025, 7, 31)) == 11


def test_outdated_from_the_configured_age_on():
    today = date(2025, 8, 1)
    assert is_outdated("2024-08", 12, today)
    assert not is_outdated("2024-09", 12, today)
    assert not is_outdated("2024-08", 13, today)
    assert is_outdated(None, 12, today), "an undated source cannot be shown to be current"


def test_fresh_sources_get_the_plain_disclaimer():
    assert regulation_disclaimer("2025-06", 12, today=date(2025, 8, 1)) == texts.DISCLAIMER_REGULATION


def test_old_sources_get_a_line_with_the_date_and_where_to_check():
    disclaimer = regulation_disclaimer("2024-08", 12, today=date(2026, 12, 2))
    first, notice = disclaimer.split("\n")
    assert first == texts.DISCLAIMER_REGULATION
    assert "2024-08時点" in notice and "1年以上前" in notice
    for where in ("農林水産省", "植物防疫所", "ジェトロ"):
        assert where in notice
    assert "18か月以上前" in regulation_disclaimer("2024-08", 18, today=date(2026, 12, 2))


def test_setting_defaults_to_twelve_months_and_reads_the_environment(monkeypatch: pytest.MonkeyPatch):
    assert Settings(_env_file=None).source_max_age_months == 12
    monkeypatch.setenv("EXPORT_BOT_SOURCE_MAX_AGE_MONTHS", "6")
    assert Settings(_env_file=None).source_max_age_months == 6
    monkeypatch.setenv("EXPORT_BOT_SOURCE_MAX_AGE_MONTHS", "-1")
    with pytest.raises(ValueError):
        Settings(_env_file=None)


def _chain(small_index_dir: Path, tmp_path: Path, months: int):
    from bot.services import build_services

    settings = Settings(_env_file=None, index_dir=small_index_dir, curated_answers_path=tmp_path / "curated.jsonl",
                        source_max_age_months=months)
    return build_services(settings).chain


def test_chain_warns_when_the_newest_cited_source_is_older_than_the_setting(small_index_dir: Path, tmp_path: Path):
    answer = _chain(small_index_dir, tmp_path, 12).ask(REGULATION_QUESTION)
    assert answer.as_of == "2025-04" and answer.citations
    assert date.today() >= date(2026, 4, 1), "the test relies on the small corpus' 2025-04 being a year old"
    assert answer.disclaimer.startswith(texts.DISCLAIMER_REGULATION)
    assert "2025-04時点" in answer.disclaimer and "植物防疫所" in answer.disclaimer.split("\n")[1]


def test_chain_stays_quiet_when_the_sources_are_within_the_setting(small_index_dir: Path, tmp_path: Path):
    answer = _chain(small_index_dir, tmp_path, 1200).ask(REGULATION_QUESTION)
    assert answer.as_of == "2025-04"
    assert answer.disclaimer == texts.DISCLAIMER_REGULATION
