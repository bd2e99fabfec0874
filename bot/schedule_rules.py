"""Time rules for schedules: parsing what people type, and computing post and reveal instants.

Every instant leaves this module as an aware UTC datetime. Local wall-clock
times are turned into instants with `fold=0`, which gives the two rules users
rely on around daylight-saving changes:

* a local time that does not exist that day (clocks spring forward over it)
  fires at the equivalent instant after the gap (02:30 in a 02:00->03:00 gap
  fires at 03:30 new time);
* a local time that happens twice (clocks fall back) fires once, at its first
  occurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, available_timezones

from bot.errors import InvalidInput

UTC = timezone.utc
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_ALIASES = {
    "monday": "mon", "tuesday": "tue", "tues": "tue", "wednesday": "wed",
    "thursday": "thu", "thur": "thu", "thurs": "thu", "friday": "fri",
    "saturday": "sat", "sunday": "sun",
}
MAX_REVEAL_DELAY = timedelta(days=7)


# ---------------------------------------------------------------- parsing

def parse_post_time(text: str) -> time:
    """'09:00' or '9:05' -> time(9, 0). Rejects 25:00, 9am, 12:60."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not match:
        raise InvalidInput(f"time '{text}' is not HH:MM (24-hour), e.g. time=09:00")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise InvalidInput(f"time '{text}' is not a valid time of day; use 00:00 to 23:59")
    return time(hour, minute)


def format_time(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def parse_zone(name: str) -> ZoneInfo:
    """An IANA zone such as Europe/Berlin. 'UTC' is accepted; abbreviations like CET are not."""
    cleaned = name.strip()
    if cleaned not in known_zones():
        hint = _zone_hint(cleaned)
        raise InvalidInput(
            f"unknown time zone '{name}'; use an IANA name such as Europe/Berlin"
            + (f" (did you mean {hint}?)" if hint else "")
        )
    return ZoneInfo(cleaned)


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    """Region/City zone names plus UTC; legacy abbreviations (CET, EST) and aliases are left out."""
    return frozenset(
        z for z in available_timezones() if ("/" in z and not z.startswith(("Etc/", "SystemV/", "posix", "right"))) or z == "UTC"
    )


def _zone_hint(name: str) -> str | None:
    lowered = name.lower()
    matches = sorted(z for z in known_zones() if z.lower() == lowered)
    if matches:
        return matches[0]
    tail = lowered.rsplit("/", 1)[-1].replace(" ", "_")
    if len(tail) < 3:
        return None
    partial = sorted(z for z in known_zones() if z.lower().endswith("/" + tail))
    return partial[0] if partial else None


def parse_days(spec: str) -> frozenset[int]:
    """'daily', 'weekdays', 'weekends', 'mon-fri', 'mon,wed,fri', 'fri-mon' -> weekday numbers (Mon=0)."""
    text = spec.strip().lower()
    if text in ("daily", "everyday", "every-day", "all"):
        return frozenset(range(7))
    if text in ("weekdays", "workdays"):
        return frozenset(range(5))
    if text in ("weekends", "weekend"):
        return frozenset({5, 6})
    days: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise InvalidInput(f"days '{spec}' has an empty entry; use e.g. days=mon,wed,fri")
        if "-" in part:
            start_text, _, end_text = part.partition("-")
            start, end = _day_index(start_text, spec), _day_index(end_text, spec)
            index = start
            while True:
                days.add(index)
                if index == end:
                    break
                index = (index + 1) % 7
        else:
            days.add(_day_index(part, spec))
    return frozenset(days)


def _day_index(word: str, spec: str) -> int:
    key = word.strip().lower()
    key = _DAY_ALIASES.get(key, key)
    if key not in WEEKDAYS:
        raise InvalidInput(
            f"days '{spec}': '{word}' is not a week day; use daily, mon-fri, or a list like mon,wed,fri"
        )
    return WEEKDAYS.index(key)


def format_days(days: frozenset[int] | set[int]) -> str:
    """Canonical text for a set of week days, the form stored in the database."""
    ordered = sorted(days)
    if len(ordered) == 7:
        return "daily"
    if ordered == [0, 1, 2, 3, 4]:
        return "mon-fri"
    if ordered == [5, 6]:
        return "sat,sun"
    return ",".join(WEEKDAYS[d] for d in ordered)


_DURATION_PART = re.compile(r"(\d+)\s*(d|h|m|s)")


def parse_duration(text: str, *, what: str = "duration") -> timedelta:
    """'90m', '8h', '1h30m', '3d' -> timedelta. Zero and negative values are rejected."""
    raw = text.strip().lower()
    if raw.startswith("-"):
        raise InvalidInput(f"{what} '{text}' is negative; use a positive duration like 8h or 90m")
    pos, total = 0, timedelta()
    units = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1), "s": timedelta(seconds=1)}
    compact = raw.replace(" ", "")
    while pos < len(compact):
        match = _DURATION_PART.match(compact, pos)
        if not match:
            raise InvalidInput(f"{what} '{text}' is not a duration; use e.g. 90m, 8h, 1h30m or 3d")
        total += int(match.group(1)) * units[match.group(2)]
        pos = match.end()
    if not compact:
        raise InvalidInput(f"{what} is empty; use e.g. 90m, 8h or 3d")
    if total <= timedelta():
        raise InvalidInput(f"{what} '{text}' must be longer than zero")
    return total


def format_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0m"


@dataclass(frozen=True)
class RevealRule:
    """Either a delay after the post (`delay`) or a local time of day (`at`)."""

    delay: timedelta | None = None
    at: time | None = None

    def __str__(self) -> str:
        return format_time(self.at) if self.at is not None else format_duration(self.delay or timedelta())

    def reveal_after(self, posted_at: datetime, zone: ZoneInfo) -> datetime:
        """When a question posted at `posted_at` is revealed.

        A delay counts from the moment of posting. A time of day means that
        time on the post's local day, or the next day when it has already
        passed (posting at 18:00 with reveal=17:00 reveals at 17:00 next day).
        """
        if self.delay is not None:
            return posted_at + self.delay
        assert self.at is not None
        local_day = posted_at.astimezone(zone).date()
        candidate = local_instant(local_day, self.at, zone)
        while candidate <= posted_at:
            local_day += timedelta(days=1)
            candidate = local_instant(local_day, self.at, zone)
        return candidate


def parse_reveal(text: str) -> RevealRule:
    """'8h' / '90m' (delay after posting) or '17:00' (local time of day)."""
    raw = text.strip()
    if ":" in raw:
        return RevealRule(at=parse_post_time(raw))
    delay = parse_duration(raw, what="reveal")
    if delay > MAX_REVEAL_DELAY:
        raise InvalidInput(f"reveal '{text}' is longer than 7 days; choose a shorter delay")
    return RevealRule(delay=delay)


def reveal_from_storage(kind: str, value: str) -> RevealRule:
    if kind == "at":
        return RevealRule(at=parse_post_time(value))
    return RevealRule(delay=timedelta(minutes=int(value)))


def reveal_to_storage(rule: RevealRule) -> tuple[str, str]:
    if rule.at is not None:
        return "at", format_time(rule.at)
    assert rule.delay is not None
    return "delay", str(int(rule.delay.total_seconds() // 60))


# ---------------------------------------------------------------- instants

def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of local wall time `at` on `day` in `zone` (gap -> after it, overlap -> first)."""
    wall = datetime(day.year, day.month, day.day, at.hour, at.minute, tzinfo=zone, fold=0)
    instant = wall.astimezone(UTC)
    # Round-trip check: inside a gap fold=0 uses the offset before the change,
    # which already lands after the gap; for overlaps fold=0 is the first one.
    return instant


@dataclass(frozen=True)
class PostingRule:
    """The parts of a schedule that decide when posts happen."""

    at: time
    zone: ZoneInfo
    days: frozenset[int]

    def occurrence_on(self, day: date) -> datetime | None:
        if day.weekday() not in self.days:
            return None
        return local_instant(day, self.at, self.zone)

    def next_after(self, instant: datetime) -> datetime:
        """The first post instant strictly after `instant`."""
        if not self.days:
            raise InvalidInput("a schedule needs at least one week day")
        day = instant.astimezone(self.zone).date() - timedelta(days=1)
        for _ in range(16):
            occurrence = self.occurrence_on(day)
            if occurrence is not None and occurrence > instant:
                return occurrence
            day += timedelta(days=1)
        raise AssertionError("no occurrence within two weeks")  # pragma: no cover

    def occurrences_from(self, start_day: date, count: int) -> list[datetime]:
        """The next `count` post instants from the start of local date `start_day`."""
        start = local_instant(start_day, time(0, 0), self.zone)
        found: list[datetime] = []
        cursor = start - timedelta(microseconds=1)
        while len(found) < count:
            cursor = self.next_after(cursor)
            found.append(cursor)
        return found

    def local_day_of(self, occurrence: datetime) -> date:
        """The local date a post instant was scheduled for (its slot in the series).

        Usually the instant's own local date; when a spring-forward gap pushed
        a late-evening time past midnight it is the day before.
        """
        day = occurrence.astimezone(self.zone).date()
        for candidate in (day, day - timedelta(days=1)):
            if self.occurrence_on(candidate) == occurrence:
                return candidate
        return day
