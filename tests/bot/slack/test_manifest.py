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
    assert {EVENT_SCOPES[e] for e in events} <= scopes
    assert {"chat:write", "reactions:write", "commands"} <= scopes


# Slack's documented scope for each Web API method the bot calls (docs.slack.dev/reference/methods/…);
# None: no scope needed. A method missing here fails the test: look its scope up before calling it.
METHOD_SCOPES: dict[str, str | None] = {
    "chat_postMessage": "chat:write",
    "chat_postEphemeral": "chat:write",
    "chat_startStream": "chat:write",
    "chat_appendStream": "chat:write",
    "chat_stopStream": "chat:write",
    "assistant_threads_setStatus": "chat:write",  # accepted since the 2026-03-05 scope update
    "assistant_threads_setSuggestedPrompts": "assistant:write",
    "reactions_add": "reactions:write",
    "reactions_remove": "reactions:write",
    "views_open": None,
    "views_update": None,
    "auth_test": None,
}
# conversations.* need the history scope of each kind of conversation the bot reads
CONVERSATION_READS = {"conversations_replies", "conversations_history"}
HISTORY_SCOPES = {"channels:history", "groups:history", "im:history", "mpim:history"}
EVENT_SCOPES = {"app_mention": "app_mentions:read", "message.channels": "channels:history",
                "message.groups": "groups:history", "message.im": "im:history", "message.mpim": "mpim:history",
                "assistant_thread_started": "assistant:write", "assistant_thread_context_changed": "assistant:write"}


def called_methods(repo_root: Path) -> set[str]:
    """Every `<something>.<web api method>(...)` call in bot/slack/ (WebClient methods are snake_case
    versions of the API names)."""
    import ast

    known = set(METHOD_SCOPES) | CONVERSATION_READS
    found: set[str] = set()
    for path in (repo_root / "bot" / "slack").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                name = node.func.attr
                if name in known or name.split("_")[0] in ("chat", "conversations", "reactions", "views",
                                                            "assistant", "users", "files", "auth"):
                    found.add(name)
    return found


def test_scopes_are_exactly_what_the_code_calls(repo_root):
    m = manifest(repo_root)
    methods = called_methods(repo_root)
    unknown = methods - set(METHOD_SCOPES) - CONVERSATION_READS
    assert not unknown, f"look up the scope of {unknown} and add it to METHOD_SCOPES"
    events = set(m["settings"]["event_subscriptions"]["bot_events"])
    needed = {METHOD_SCOPES[x] for x in methods if METHOD_SCOPES.get(x)} | {EVENT_SCOPES[e] for e in events}
    if methods & CONVERSATION_READS:
        needed |= HISTORY_SCOPES
    if m["features"].get("slash_commands") or m["features"].get("shortcuts"):
        needed.add("commands")
    assert set(m["oauth_config"]["scopes"]["bot"]) == needed


def test_every_subscribed_event_has_a_listener(repo_root):
    events = set(manifest(repo_root)["settings"]["event_subscriptions"]["bot_events"])
    # message.* events all arrive as "message"; the rest by their own type
    types = {"message" if e.startswith("message.") else e for e in events}
    source = "\n".join(p.read_text(encoding="utf-8") for p in (repo_root / "bot" / "slack" / "listeners").glob("*.py"))
    for event_type in types:
        assert f'app.event("{event_type}")' in source, event_type
