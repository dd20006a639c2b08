"""Answer units of a chunk: a sentence, a list item (with its lead sentence) or a table row (with its header row).

The answerer quotes units and ingest embeds them, so both read a chunk through this one function.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.text.sentences import split_sentences

_TABLE_RULE = re.compile(r"^\|?[\s:\-|]+\|?$")
_BARE_MARKER = re.compile(r"[○〇・●■◆\-\s]+")
# Markers of a list item line (bullets, numbering).
LIST_ITEM = re.compile(r"^([○〇◯・●■◆\-*]|\d{1,2}[.)）]|[\u2460-\u2473])")


def _table_row(line: str) -> str:
    """A Markdown table row read as one line of text: cells joined by 、."""
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    return "、".join(c for c in cells if c)


@dataclass(frozen=True)
class Unit:
    """An answer unit of a chunk: a sentence, a list item (with its lead) or a table row (with its header)."""

    text: str
    position: int
    lead: int | None = None  # position of the lead sentence or header row this unit depends on
    is_item: bool = False


def answer_units(text: str) -> list[Unit]:
    """The units of a chunk in order; table rules and bare markers are dropped, rows read as 、-joined cells."""
    units: list[Unit] = []
    header: int | None = None  # header row of the table being read
    lead: int | None = None  # last sentence before a run of list items
    for part in split_sentences(text):
        if len(part) <= 1 or _BARE_MARKER.fullmatch(part):
            continue
        if _TABLE_RULE.match(part):
            continue
        position = len(units)
        if part.startswith("|"):
            if header is None:
                header = position
                units.append(Unit(_table_row(part), position))
            else:
                units.append(Unit(_table_row(part), position, lead=header))
            continue
        header = None
        if LIST_ITEM.match(part):
            units.append(Unit(part, position, lead=lead, is_item=True))
            continue
        lead = position
        units.append(Unit(part, position))
    return units




def unit_text(unit: Unit, units: list[Unit]) -> str:
    """What a unit's vector is made of: the unit, after its lead sentence or header row when it has one."""
    if unit.lead is None:
        return unit.text
    return f"{units[unit.lead].text}\n{unit.text}"
