"""On-disk layout of an index: numbered generation dirs, the CURRENT pointer, the single-writer lock.

INDEX_DIR/CURRENT names the live generation and is only ever replaced with os.replace, so a reader sees
either the old or the new name, never half of one. A generation dir is complete once its manifest.json
exists; the manifest is written last, after everything else is fsynced.
"""
from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.index.manifest import MANIFEST_FILE, IndexLockedError

CURRENT_FILE = "CURRENT"
LOCK_FILE = ".writer.lock"
_GENERATION = re.compile(r"^gen-(\d{6,})$")


def generation_name(number: int) -> str:
    return f"gen-{number:06d}"


def generation_number(name: str) -> int | None:
    match = _GENERATION.match(name)
    return int(match.group(1)) if match else None


def read_current(index_dir: Path) -> str | None:
    try:
        name = (index_dir / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name if generation_number(name) is not None else None


def generation_dirs(index_dir: Path) -> list[Path]:
    """All gen-* dirs, oldest first."""
    if not index_dir.is_dir():
        return []
    found = [path for path in index_dir.iterdir() if path.is_dir() and generation_number(path.name) is not None]
    return sorted(found, key=lambda path: generation_number(path.name) or 0)


def next_generation(index_dir: Path) -> str:
    numbers = [generation_number(path.name) or 0 for path in generation_dirs(index_dir)]
    return generation_name(max(numbers, default=0) + 1)


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    for directory, _, files in os.walk(root):
        for name in files:
            fsync_path(Path(directory) / name)
        fsync_path(Path(directory))


def write_file_atomically(path: Path, text: str) -> None:
    """Write beside, fsync, rename over, fsync the directory: the file is either old or new after a crash."""
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    fsync_path(path.parent)


def switch_current(index_dir: Path, generation: str) -> None:
    write_file_atomically(index_dir / CURRENT_FILE, generation + "\n")


def remove_stale_generations(index_dir: Path, keep_previous: int = 1) -> list[str]:
    """Delete incomplete generations (a crashed run) and complete ones older than the live one + `keep_previous`.

    The generation just before the live one stays: a server may still be answering from it.
    """
    current = read_current(index_dir)
    current_number = generation_number(current) if current else None
    removed: list[str] = []
    complete_older: list[Path] = []
    for path in generation_dirs(index_dir):
        number = generation_number(path.name) or 0
        if path.name == current:
            continue
        if current_number is None or number > current_number or not (path / MANIFEST_FILE).is_file():
            # never made live: either unfinished or finished but not switched to before a crash
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
        else:
            complete_older.append(path)
    for path in complete_older[: max(0, len(complete_older) - keep_previous)]:
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    (index_dir / (CURRENT_FILE + ".tmp")).unlink(missing_ok=True)
    return removed


@contextmanager
def writer_lock(index_dir: Path) -> Iterator[None]:
    """The single-writer rule: a second ingest on the same index fails at once instead of waiting."""
    index_dir.mkdir(parents=True, exist_ok=True)
    handle = open(index_dir / LOCK_FILE, "a+")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise IndexLockedError(index_dir) from error
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock; the kernel also releases it if we are killed
