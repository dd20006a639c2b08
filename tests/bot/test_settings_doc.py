"""docs/configuration.md's settings table is generated from Settings, and the check notices when it is stale."""
import subprocess
import sys
from pathlib import Path

from bot import settings_doc
from bot.settings import Settings

PAGE = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_every_setting_has_a_row_with_its_environment_name_and_a_description():
    table = settings_doc.settings_table()
    for name, field in Settings.model_fields.items():
        assert field.description, f"{name} has no description for the docs"
        assert f"EXPORT_BOT_{name.upper()}`" in table
    assert "`extractive` \\| `llm`" in table  # an enumerated setting lists its choices


def test_the_checked_in_page_holds_the_current_table():
    assert settings_doc.check(PAGE), "run: python -m bot settings-doc --write docs/configuration.md"


def test_a_stale_table_fails_the_check_and_write_repairs_it(tmp_path):
    page = tmp_path / "configuration.md"
    page.write_text(PAGE.read_text(encoding="utf-8").replace("| `var/index` |", "| `var/old-index` |"), encoding="utf-8")
    command = [sys.executable, "-m", "bot", "settings-doc", "--check", str(page)]
    stale = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert stale.returncode == 1 and "settings table is stale" in stale.stderr
    settings_doc.write(page)
    assert subprocess.run(command, capture_output=True, text=True, timeout=120).returncode == 0
    assert page.read_text(encoding="utf-8") == PAGE.read_text(encoding="utf-8")
