"""Audience rules: internal documents only for coordinators, and only in DMs or internal channels."""
from __future__ import annotations

from bot.settings import Settings
from bot.slack.audience import audience_for


def settings() -> Settings:
    return Settings(slack_coordinator_user_ids=["UCOORD"], slack_internal_channel_ids=["CINTERNAL"])


def test_public_channel_is_public_even_for_a_coordinator():
    assert audience_for("UCOORD", "CPUBLIC", settings()) == "public"


def test_coordinator_in_dm_or_internal_channel_gets_internal():
    assert audience_for("UCOORD", "D123", settings()) == "internal"
    assert audience_for("UCOORD", "C999", settings(), channel_type="im") == "internal"
    assert audience_for("UCOORD", "CINTERNAL", settings()) == "internal"


def test_others_never_get_internal():
    assert audience_for("UOTHER", "D123", settings()) == "public"
    assert audience_for("UOTHER", "CINTERNAL", settings()) == "public"
    assert audience_for(None, "D123", settings()) == "public"
