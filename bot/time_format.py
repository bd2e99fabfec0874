"""Showing instants to people: local time in the channel's zone with UTC beside it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def local_and_utc(instant: datetime, zone_name: str) -> str:
    """'Mon 23 Nov 09:00 CET (08:00 UTC)'."""
    local = instant.astimezone(ZoneInfo(zone_name))
    utc = instant.astimezone(ZoneInfo("UTC"))
    same_day = local.date() == utc.date()
    utc_text = utc.strftime("%H:%M UTC") if same_day else utc.strftime("%a %d %b %H:%M UTC")
    if zone_name == "UTC":
        return utc.strftime("%a %d %b %H:%M UTC")
    return f"{local.strftime('%a %d %b %H:%M')} {local.tzname()} ({utc_text})"
