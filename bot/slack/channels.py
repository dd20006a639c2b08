"""Per-channel behaviour of the bot (tag-only, bots, ephemeral answers, audience) from one YAML file.

Unknown keys and values are start-up errors, so a typo cannot silently switch a rule off."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ChannelSettings(BaseModel):
    """How the bot behaves in one channel. The defaults are the safe choice for a channel nobody configured."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # True: only messages that mention the bot are answered, never untagged thread follow-ups
    tag_only: bool = False
    # False: posts by other bots and workflows are ignored, mentions included (no bot-to-bot loops)
    respond_to_bots: bool = False
    # True: answers to mentions are shown to the asker only (chat.postEphemeral), with 「チャンネルに共有」
    ephemeral: bool = False
    # "internal": coordinators get internal documents here, like SLACK_INTERNAL_CHANNEL_IDS;
    # "public": never; None: whatever SLACK_INTERNAL_CHANNEL_IDS says
    audience: Literal["public", "internal"] | None = None


class ChannelsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default: ChannelSettings = Field(default_factory=ChannelSettings)
    channels: dict[str, ChannelSettings] = Field(default_factory=dict)


class ChannelConfigError(ValueError):
    """The channels file cannot be used; the message says where, in Japanese and English."""


class ChannelConfig:
    """Settings for any channel id: its own entry merged over `default`."""

    def __init__(self, parsed: ChannelsFile | None = None):
        self._file = parsed or ChannelsFile()

    @classmethod
    def load(cls, path: Path | None) -> "ChannelConfig":
        if path is None:
            return cls()
        try:
            raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
            return cls(ChannelsFile.model_validate(raw))
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            raise ChannelConfigError(
                f"Slackのチャンネル設定ファイル {path} を読めません / cannot use the Slack channels file {path}: {exc}"
            ) from exc

    def for_channel(self, channel_id: str | None) -> ChannelSettings:
        own = self._file.channels.get(channel_id or "")
        if own is None:
            return self._file.default
        # only the keys the channel sets override the default
        return self._file.default.model_copy(update=own.model_dump(exclude_unset=True))
