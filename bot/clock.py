"""Injected time. Every time rule reads `clock.now()`; tests move a FakeClock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol

UTC = timezone.utc


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("FakeClock needs timezone-aware instants")
        self._now = instant.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now = self._now + delta


class OffsetClock:
    """Real time shifted by an offset that only grows: the console's clock without --clock.

    It follows the wall clock, and `/advance` jumps it forward so a newcomer can
    play a week of questions in a minute.
    """

    def __init__(self, base: Clock | None = None) -> None:
        self._base = base or SystemClock()
        self._offset = timedelta()

    def now(self) -> datetime:
        return self._base.now() + self._offset

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("OffsetClock needs timezone-aware instants")
        self._offset = max(self._offset, instant - self._base.now())

    def advance(self, delta: timedelta) -> None:
        self._offset += delta


def parse_instant(text: str) -> datetime:
    """Parse an ISO-8601 instant; a value without an offset is taken as UTC."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(
            f"'{text}' is not an ISO-8601 time; use e.g. 2026-11-23T08:00:00Z"
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
