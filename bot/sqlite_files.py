"""Opening the assistant's own SQLite files (feedback, consultation log, Slack state) the one way they share."""
from __future__ import annotations

import sqlite3
from pathlib import Path


def open_sqlite(path: Path | str, *schemas: str) -> sqlite3.Connection:
    """An autocommit connection usable from any thread, with the schemas applied.

    WAL lets a second process (the Slack socket-mode bot beside the web server) write while another does; a busy
    writer makes the other wait up to 5 s instead of failing. `:memory:` (tests) has neither a folder nor WAL.
    """
    in_memory = str(path) == ":memory:"
    if not in_memory:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    if not in_memory:
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=5000")
    for schema in schemas:
        db.executescript(schema)
    return db
