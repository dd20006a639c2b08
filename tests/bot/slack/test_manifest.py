"""slack/manifest.yaml agrees with the code: command, shortcut, events, endpoint and the scopes they need."""
from __future__ import annotations

from pathlib import Path

import yaml

from bot.settings import Settings
from bot.slack.drafting import SHORTCUT_CALLBACK_ID
from bot.slack.http import EVENTS_PATH


def manifest(repo_root: Path) -> dict:
    return yaml.safe_load((repo_root / "slack" / "manifest.yaml").read_text(encoding="utf-8"))


def test_command_and_shortcut_match_the_code(repo_root):
    m = manifest(repo_root)
    [command] = m["features"]["slash_commands"]
    assert command["command"] == Settings(_env_file=None).slack_slash_command
    [shortcut] = m["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", SHORTCUT_CALLBACK_ID)


def test_every_request_url_is_the_bolt_endpoint(repo_root):
    m = manifest(repo_root)
    urls = [m["features"]["slash_commands"][0]["url"], m["settings"]["event_subscriptions"]["request_url"],
            m["settings"]["interactivity"]["request_url"]]
    assert all(url.endswith(EVENTS_PATH) for url in urls)
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert m["settings"]["socket_mode_enabled"] is False


def test_events_have_their_scopes(repo_root):
    m = manifest(repo_root)
    events = set(m["settings"]["event_subscriptions"]["bot_events"])
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    assert {"app_mention", "message.im", "message.channels"} <= events
    needs = {"app_mention": "app_mentions:read", "message.channels": "channels:history",
             "message.groups": "groups:history", "message.im": "im:history"}
    assert {needs[e] for e in events} <= scopes
    assert {"chat:write", "reactions:write", "commands"} <= scopes
