"""Filters that keep every query inside one platform + workspace (+ channel)."""

from __future__ import annotations

from sqlalchemy import Table, and_

from bot.ports import ChannelRef


def in_channel(table: Table, channel: ChannelRef):
    return and_(
        table.c.platform == channel.platform,
        table.c.workspace_id == channel.workspace_id,
        table.c.channel_id == channel.channel_id,
    )


def channel_values(channel: ChannelRef) -> dict[str, str]:
    return {"platform": channel.platform, "workspace_id": channel.workspace_id, "channel_id": channel.channel_id}
