"""Reading the bot's YAML data files (bot/data/): a mapping of names to lists of words, or a clear error naming the
file and the key that is wrong, raised when the file is first read (at start-up), never a KeyError mid-question."""
from __future__ import annotations

from pathlib import Path

import yaml


class DataFileError(ValueError):
    """A data file is unreadable or not shaped as its module expects."""

    def __init__(self, path: Path, reason: str):
        self.path = path
        super().__init__(f"データファイル {path} の形式が正しくありません: {reason} / data file {path} is malformed: {reason}")


def read_word_lists(path: Path, required: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """The file as {key: [word, …]}: every value a list of non-empty words (numbers are read as words), every key in
    `required` present. An empty file is an empty mapping."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise DataFileError(path, f"読めません / unreadable: {error}") from error
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise DataFileError(path, "最上位が「キー: [語, …]」の対応表ではありません / the top level is not a mapping")
    missing = [key for key in required if key not in raw]
    if missing:
        raise DataFileError(path, f"キー {', '.join(missing)} がありません / missing key(s)")
    lists: dict[str, list[str]] = {}
    for key, value in raw.items():
        if value is None:
            value = []
        if not isinstance(value, list) or any(isinstance(w, (dict, list)) or w is None or not str(w).strip()
                                              for w in value):
            raise DataFileError(path, f"{key!r} の値が語のリストではありません / {key!r} is not a list of words")
        lists[str(key)] = [str(w) for w in value]
    return lists
