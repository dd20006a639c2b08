"""The Slack channel: a slack-bolt app (HTTP at /slack/events or Socket Mode) that asks the shared chain."""
