"""Platform deliveries seen before: a retried webhook or event is recognised by its event id."""

from __future__ import annotations

from datetime import datetime

from bot.db.statements import insert_ignoring_conflict
from bot.db.tables import processed_events
from bot.ports import ChannelRef


async def first_delivery(conn, channel: ChannelRef, event_id: str | None, now: datetime) -> bool:
    """Record `event_id` in this transaction; False if it was already recorded (a retry). No id: always first."""
    if not event_id:
        return True
    fresh = await insert_ignoring_conflict(
        conn,
        processed_events,
        {"platform": channel.platform, "workspace_id": channel.workspace_id, "event_id": event_id, "received_at": now},
        conflict=["platform", "workspace_id", "event_id"],
        returning="event_id",
    )
    return fresh is not None
