"""Answer units: sentences, list items with their lead, table rows with their header."""
from __future__ import annotations

from ingest.text.units import answer_units, unit_text

TEXT = "県は次の品目を定めました。\n○ 牛肉\n○ 日本酒\n| 国 | 状況 |\n|---|---|\n| 香港 | 停止 |\n最後の文です。"


def test_items_point_at_their_lead_and_rows_at_their_header():
    units = answer_units(TEXT)
    texts = [u.text for u in units]
    assert texts == ["県は次の品目を定めました。", "○ 牛肉", "○ 日本酒", "国、状況", "香港、停止", "最後の文です。"]
    assert [u.lead for u in units] == [None, 0, 0, None, 3, None]
    assert [u.is_item for u in units] == [False, True, True, False, False, False]


def test_a_dependent_unit_is_embedded_with_its_lead():
    units = answer_units(TEXT)
    assert unit_text(units[4], units) == "国、状況\n香港、停止"
    assert unit_text(units[0], units) == "県は次の品目を定めました。"
