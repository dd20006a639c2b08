"""Which documents a Slack request may see: internal only for coordinators, in DMs or internal channels."""
from __future__ import annotations

from bot.models import Audience
from bot.settings import Settings


def is_direct_message(channel_id: str | None, channel_type: str | None = None) -> bool:
    # DM channel ids start with "D"; events also say channel_type "im"
    return channel_type == "im" or bool(channel_id and channel_id.startswith("D"))


def is_coordinator(user_id: str | None, settings: Settings) -> bool:
    return bool(user_id) and user_id in settings.slack_coordinator_user_ids


def audience_for(user_id: str | None, channel_id: str | None, settings: Settings,
                 channel_type: str | None = None) -> Audience:
    """Both conditions are required: a coordinator in a public channel still gets public documents only,
    because everyone in that channel reads the answer."""
    private_place = is_direct_message(channel_id, channel_type) or (channel_id in settings.slack_internal_channel_ids)
    return "internal" if private_place and is_coordinator(user_id, settings) else "public"
