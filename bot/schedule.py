"""A channel's schedule as the core sees it, built from its database row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.ports import ChannelRef
from bot.schedule_rules import (
    PostingRule,
    RevealRule,
    format_days,
    parse_days,
    parse_post_time,
    reveal_from_storage,
)


# A tick builds a Schedule per due row: stored zones, times and day sets repeat, so parse each once.
@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=4096)
def _post_time(text: str) -> time:
    return parse_post_time(text)


@lru_cache(maxsize=1024)
def _days(spec: str) -> frozenset[int]:
    return parse_days(spec)


@dataclass(frozen=True)
class Schedule:
    id: int
    channel: ChannelRef
    rule: PostingRule
    reveal: RevealRule
    mode: str
    topics: frozenset[str]
    difficulty: tuple[int, int]
    paused: bool
    next_post_at: datetime | None
    disabled_reason: str | None = None
    # The monthly champion announcement (bot/services/champions.py): on/off and when it is next due.
    champion: bool = False
    champion_next_at: datetime | None = None

    @property
    def zone(self) -> ZoneInfo:
        return self.rule.zone

    @property
    def timezone_name(self) -> str:
        return self.rule.zone.key

    @classmethod
    def from_row(cls, row) -> "Schedule":
        return cls(
            id=row.id,
            channel=ChannelRef(row.platform, row.workspace_id, row.channel_id),
            rule=PostingRule(
                at=_post_time(row.post_time),
                zone=_zone(row.timezone),
                days=_days(row.days),
            ),
            reveal=reveal_from_storage(row.reveal_kind, row.reveal_value),
            mode=row.mode,
            topics=frozenset(t for t in row.topics.split(",") if t),
            difficulty=(row.difficulty_min, row.difficulty_max),
            paused=bool(row.paused),
            next_post_at=row.next_post_at,
            disabled_reason=row.disabled_reason,
            champion=bool(getattr(row, "champion", False)),
            champion_next_at=getattr(row, "champion_next_at", None),
        )

    def describe(self) -> str:
        topics = ", ".join(sorted(self.topics)) if self.topics else "all topics"
        low, high = self.difficulty
        difficulty = f"difficulty {low}" if low == high else f"difficulty {low}-{high}"
        reveal = f"reveal at {self.reveal}" if self.reveal.at else f"reveal after {self.reveal}"
        return (
            f"{self.rule.at.strftime('%H:%M')} {self.timezone_name}, {format_days(self.rule.days)}, "
            f"{reveal}, {self.mode} mode, {topics}, {difficulty}"
        )
