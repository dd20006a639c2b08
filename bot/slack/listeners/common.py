"""Small pieces every listener module uses: the plain ack and reading a button's JSON value."""
from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack


def just_ack(ack: Ack) -> None:
    ack()


def button_value(action: dict[str, Any]) -> dict[str, Any]:
    try:
        value = json.loads(action.get("value") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def button_question(action: dict[str, Any]) -> str:
    return str(button_value(action).get("q", ""))
