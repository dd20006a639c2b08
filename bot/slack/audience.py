"""Which documents a Slack request may see: internal only for coordinators, in DMs or internal channels."""
from __future__ import annotations

from typing import Literal

from bot.models import Audience
from bot.settings import Settings

ChannelAudience = Literal["public", "internal"] | None


def is_direct_message(channel_id: str | None, channel_type: str | None = None) -> bool:
    # DM channel ids start with "D"; events also say channel_type "im"
    return channel_type == "im" or bool(channel_id and channel_id.startswith("D"))


def is_coordinator(user_id: str | None, settings: Settings) -> bool:
    return bool(user_id) and user_id in settings.slack_coordinator_user_ids


def is_internal_channel(channel_id: str | None, settings: Settings, channel_audience: ChannelAudience = None) -> bool:
    """The channels file decides when it names the channel; SLACK_INTERNAL_CHANNEL_IDS otherwise."""
    if channel_audience is not None:
        return channel_audience == "internal"
    return channel_id in settings.slack_internal_channel_ids


def audience_for(user_id: str | None, channel_id: str | None, settings: Settings,
                 channel_type: str | None = None, channel_audience: ChannelAudience = None) -> Audience:
    """Both conditions are required: a coordinator in a public channel still gets public documents only,
    because everyone in that channel reads the answer."""
    private_place = is_direct_message(channel_id, channel_type) or is_internal_channel(
        channel_id, settings, channel_audience)
    return "internal" if private_place and is_coordinator(user_id, settings) else "public"


def draft_audience(user_id: str | None, channel_id: str | None, settings: Settings,
                   channel_audience: ChannelAudience = None) -> Audience:
    """A draft is written to be sent to the person who asked, so a DM does not count as private here
    (a coordinator↔exporter DM would otherwise get internal notes): internal channels only."""
    internal = is_internal_channel(channel_id, settings, channel_audience) and not is_direct_message(channel_id)
    return "internal" if internal and is_coordinator(user_id, settings) else "public"
