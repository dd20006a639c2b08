"""Per-channel settings: safe defaults, a channel's own keys over the default, typos refused at start."""
from __future__ import annotations

import pytest

from bot.settings import Settings
from bot.slack.audience import audience_for, draft_audience
from bot.slack.channels import ChannelConfig, ChannelConfigError, ChannelSettings


def test_without_a_file_every_channel_gets_the_safe_defaults():
    config = ChannelConfig.load(None)
    assert config.for_channel("CANY") == ChannelSettings(tag_only=False, respond_to_bots=False, ephemeral=False,
                                                         audience=None)


def test_a_channel_overrides_only_what_it_sets(tmp_path):
    path = tmp_path / "channels.yaml"
    path.write_text("default:\n  tag_only: true\nchannels:\n  CBOTS:\n    respond_to_bots: true\n"
                    "  COPEN:\n    tag_only: false\n    audience: public\n", encoding="utf-8")
    config = ChannelConfig.load(path)
    assert config.for_channel("CBOTS") == ChannelSettings(tag_only=True, respond_to_bots=True)
    assert config.for_channel("COPEN") == ChannelSettings(tag_only=False, audience="public")
    assert config.for_channel("COTHER").tag_only is True


@pytest.mark.parametrize("text", ["channels:\n  C1:\n    tag_onyl: true\n", "default:\n  audience: everyone\n",
                                  "default: [\n"])
def test_a_typo_is_an_error_that_names_the_file(tmp_path, text):
    path = tmp_path / "channels.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ChannelConfigError, match="channels.yaml"):
        ChannelConfig.load(path)


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(ChannelConfigError, match="チャンネル設定"):
        ChannelConfig.load(tmp_path / "absent.yaml")


def test_the_channel_audience_decides_where_it_is_set():
    settings = Settings(_env_file=None, slack_coordinator_user_ids=["UCOORD"], slack_internal_channel_ids=["CINT"])
    assert audience_for("UCOORD", "CINT", settings) == "internal"
    assert audience_for("UCOORD", "CINT", settings, channel_audience="public") == "public"
    assert audience_for("UCOORD", "CTEAM", settings, channel_audience="internal") == "internal"
    assert audience_for("UEXP", "CTEAM", settings, channel_audience="internal") == "public"


def test_drafts_for_a_dm_use_public_documents():
    # M7: the draft is written to be sent to the exporter, so a coordinator↔exporter DM is not private
    settings = Settings(_env_file=None, slack_coordinator_user_ids=["UCOORD"], slack_internal_channel_ids=["CINT"])
    assert audience_for("UCOORD", "D0DM", settings) == "internal"  # the coordinator's own answer in a DM
    assert draft_audience("UCOORD", "D0DM", settings) == "public"
    assert draft_audience("UCOORD", "CINT", settings) == "internal"
    assert draft_audience("UEXP", "CINT", settings) == "public"


def test_the_documented_example_file_loads(repo_root):
    config = ChannelConfig.load(repo_root / "slack" / "channels.example.yaml")
    assert config.for_channel("C0COORDS").audience == "internal"
    assert config.for_channel("C0UNLISTED") == ChannelSettings()
