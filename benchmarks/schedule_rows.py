"""The schedules of 100,000 channels, as `/qotd setup` writes them, for the scheduler benchmark.

Teams spread over workspaces of different sizes on Discord and Slack, with real
time zones, week days, reveal rules, filters and opt-in champion announcements;
each channel also has its previous question, still open where its reveal has not
come yet. `load_schedules` bulk-inserts them (executemany) in its own process,
so the process under test never holds the rows.

DUE schedules post at DUE_AT; no other schedule posts, and no question is
revealed, between IDLE_AT and QUIET_UNTIL, so a tick then finds exactly those.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from sqlalchemy import func, select, text

from benchmarks.harness import REPO
from bot.db.engine import create_engine
from bot.db.tables import posts, schedules
from bot.ports import ChannelRef
from bot.question_bank import load_bank
from bot.schedule_rules import (
    PostingRule,
    format_days,
    format_time,
    parse_days,
    parse_post_time,
    parse_reveal,
    parse_zone,
    reveal_from_storage,
    reveal_to_storage,
)
from bot.services import champions

UTC = timezone.utc
DUE = 100  # schedules that post at DUE_AT

IDLE_AT = datetime(2026, 11, 23, 13, 2, tzinfo=UTC)  # a Monday; nothing is due at this instant
DUE_AT = datetime(2026, 11, 23, 13, 5, tzinfo=UTC)  # the 100 due schedules post at this instant
TICK_AT = DUE_AT + timedelta(seconds=10)  # ... and the scheduler ticks a little after it
QUIET_UNTIL = DUE_AT + timedelta(hours=1)  # no other schedule posts, and no question reveals, before this
PLATFORMS = ("discord", "slack")

# Where teams are, roughly: (zone, weight).
ZONES = (
    ("America/Los_Angeles", 12), ("America/Denver", 3), ("America/Chicago", 6), ("America/New_York", 15),
    ("America/Sao_Paulo", 4), ("America/St_Johns", 1), ("Europe/London", 10), ("Europe/Berlin", 12),
    ("Europe/Paris", 5), ("Europe/Kyiv", 2), ("Africa/Lagos", 2), ("Asia/Kolkata", 8), ("Asia/Kathmandu", 1),
    ("Asia/Shanghai", 3), ("Asia/Singapore", 4), ("Asia/Tokyo", 5), ("Australia/Sydney", 4), ("UTC", 6),
)
DAY_SPECS = (("mon-fri", 60), ("daily", 12), ("mon,wed,fri", 10), ("tue,thu", 5), ("mon", 5), ("sun-thu", 4), ("fri", 3), ("weekends", 1))
REVEALS = (("8h", 40), ("4h", 15), ("17:00", 15), ("12h", 10), ("24h", 8), ("90m", 5), ("16:30", 7))
TOPIC_CHOICES = ("databases", "caching", "distributed-systems", "system-design", "apis-http", "security", "operations")


def _pick(rng: random.Random, weighted) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


# ---------------------------------------------------------------- the rows /qotd setup writes


def _rule_text(rng: random.Random) -> tuple[str, str, str]:
    """(post_time, timezone, days) as typed by an admin."""
    hour = rng.choices(range(6, 21), weights=[1, 3, 8, 12, 10, 6, 4, 3, 3, 2, 2, 2, 1, 1, 1])[0]
    minute = rng.choice((0, 0, 0, 15, 30, 30, 45)) if rng.random() < 0.85 else rng.randrange(60)
    return f"{hour:02d}:{minute:02d}", _pick(rng, ZONES), _pick(rng, DAY_SPECS)


@lru_cache(maxsize=None)
def posting_rule(post_time: str, tz: str, days: str) -> PostingRule:
    return PostingRule(at=parse_post_time(post_time), zone=parse_zone(tz), days=parse_days(days))


@lru_cache(maxsize=None)
def next_post_at(post_time: str, tz: str, days: str, now: datetime) -> datetime:
    """What `/qotd setup` stores as the next post (many teams share settings, so it is worked out once)."""
    return posting_rule(post_time, tz, days).next_after(now)


@lru_cache(maxsize=None)
def previous_occurrence(post_time: str, tz: str, days: str, now: datetime) -> datetime:
    """The latest post instant before `now`."""
    rule = posting_rule(post_time, tz, days)
    day = now.astimezone(rule.zone).date()
    occurrence = None
    while occurrence is None or occurrence >= now:
        occurrence = rule.occurrence_on(day)
        day -= timedelta(days=1)
    return occurrence


def schedule_row(
    schedule_id: int, channel: ChannelRef, admin: str, post_time: str, tz: str, days: str, rng: random.Random,
    created_at: datetime, now: datetime, *, simple: bool = False,
) -> dict:
    """The row `/qotd setup` stores for these settings at `now` (see schedule_admin.setup)."""
    rule = posting_rule(post_time, tz, days)
    reveal = parse_reveal("8h" if simple else _pick(rng, REVEALS))
    reveal_kind, reveal_value = reveal_to_storage(reveal)
    topics = frozenset() if simple or rng.random() < 0.8 else frozenset(rng.sample(TOPIC_CHOICES, rng.randint(1, 3)))
    difficulty = (1, 3) if simple or rng.random() < 0.85 else rng.choice(((1, 2), (2, 3)))
    champion = not simple and rng.random() < 0.1
    return {
        "id": schedule_id,
        "platform": channel.platform,
        "workspace_id": channel.workspace_id,
        "channel_id": channel.channel_id,
        "post_time": format_time(rule.at),
        "timezone": tz,
        "days": format_days(rule.days),
        "reveal_kind": reveal_kind,
        "reveal_value": reveal_value,
        "mode": "private" if rng.random() < 0.2 else "thread",
        "topics": ",".join(sorted(topics)),
        "difficulty_min": difficulty[0],
        "difficulty_max": difficulty[1],
        "paused": False,
        "disabled_reason": None,
        "next_post_at": next_post_at(post_time, tz, days, now),
        "updated_by": admin,
        "created_at": created_at,
        "updated_at": created_at,
        **champions.schedule_values(champion, was_on=False, zone_changed=False, now=now, zone=rule.zone),
    }


def previous_post_row(row: dict, question_ids: list[str], rng: random.Random, now: datetime) -> dict:
    """The channel's latest question, posted at its previous occurrence: open until its reveal, then revealed."""
    rule = posting_rule(row["post_time"], row["timezone"], row["days"])
    occurrence = previous_occurrence(row["post_time"], row["timezone"], row["days"], now)
    reveal_at = reveal_from_storage(row["reveal_kind"], row["reveal_value"]).reveal_after(occurrence, rule.zone)
    seq = rng.randint(1, 300)
    revealed = reveal_at <= now
    return {
        "platform": row["platform"],
        "workspace_id": row["workspace_id"],
        "channel_id": row["channel_id"],
        "schedule_id": row["id"],
        "slot": rule.local_day_of(occurrence).isoformat(),
        "kind": "scheduled",
        "status": "revealed" if revealed else "posted",
        "seq": seq,
        "cycle": 1 + seq // len(question_ids),
        "question_id": rng.choice(question_ids),
        "mode": row["mode"],
        "reveal_kind": row["reveal_kind"],
        "reveal_value": row["reveal_value"],
        "timezone": row["timezone"],
        "claim_token": None,
        "claimed_at": occurrence,
        "scheduled_for": occurrence,
        "posted_at": occurrence,
        "message_id": f"m{row['id']}-{seq}",
        "thread_id": f"t{row['id']}-{seq}",
        "reveal_at": reveal_at,
        "revealed_at": reveal_at if revealed else None,
    }


def _workspaces(rng: random.Random):
    """Endless (platform, workspace id, channel ids, admin id): many small teams, a few large ones."""
    number = 0
    while True:
        number += 1
        size = min(200, int(rng.paretovariate(1.1)))
        if rng.random() < 0.6:
            workspace = str(900_000_000_000_000_000 + number * 7919)
            yield "discord", workspace, [str(1_100_000_000_000_000_000 + number * 1000 + k) for k in range(size)], str(
                400_000_000_000_000_000 + number
            )
        else:
            workspace = f"T{number:09X}"
            yield "slack", workspace, [f"C{number:07X}{k:03X}" for k in range(size)], f"U{number:09X}"


def due_rows(count: int, start_id: int, seed: int) -> list[dict]:
    """`count` schedules whose next post is exactly DUE_AT: each team's local time at that instant."""
    rng = random.Random(seed)
    rows: list[dict] = []
    for n in range(count):
        tz = _pick(rng, ZONES)
        local = DUE_AT.astimezone(parse_zone(tz))
        days = _pick(rng, DAY_SPECS)
        if local.weekday() not in parse_days(days):
            days = "daily"
        platform = PLATFORMS[n % 2]
        channel = ChannelRef(platform, f"due-team-{n // 10}", f"due-channel-{n}")
        row = schedule_row(
            start_id + n, channel, f"due-admin-{n // 10}", f"{local:%H:%M}", tz, days, rng,
            IDLE_AT - timedelta(days=30), IDLE_AT, simple=True,
        )
        assert row["next_post_at"] == DUE_AT, (tz, row)
        rows.append(row)
    return rows


def background_rows(count: int, start_id: int, seed: int):
    """`count` schedules, in chunks, none of which posts or reveals between IDLE_AT and QUIET_UNTIL."""
    rng = random.Random(seed)
    teams = _workspaces(rng)
    chunk: list[dict] = []
    made = 0
    platform = workspace = admin = None
    channels: list[str] = []
    while made < count:
        if not channels:
            platform, workspace, channels, admin = next(teams)
        channel = ChannelRef(platform, workspace, channels.pop())
        while True:  # a team posting or revealing in the measured hour would be due: pick its settings again
            post_time, tz, days = _rule_text(rng)
            created = IDLE_AT - timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 1440))
            row = schedule_row(start_id + made, channel, admin, post_time, tz, days, rng, created, IDLE_AT)
            if row["next_post_at"] > QUIET_UNTIL:
                break
        chunk.append(row)
        made += 1
        if len(chunk) == 5000:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _quiet(post: dict) -> bool:
    return post["reveal_at"] <= IDLE_AT or post["reveal_at"] > QUIET_UNTIL


# ---------------------------------------------------------------- loading (in its own process)


def load_schedules(url: str, background: int, due: int, seed: int) -> dict:
    """Fill a migrated database; run in a separate process so the bot's process never holds these rows."""
    return asyncio.run(_load(url, background, due, seed))


async def _load(url: str, background: int, due: int, seed: int) -> dict:
    question_ids = sorted(load_bank(REPO / "content").questions)
    rng = random.Random(seed + 1)
    engine = create_engine(url)
    started = time.perf_counter()
    loaded = 0
    try:
        chunks = [due_rows(due, 1, seed)]
        if background:
            chunks += background_rows(background, due + 1, seed)
        for rows in chunks:
            history = []
            for row in rows:
                post = previous_post_row(row, question_ids, rng, IDLE_AT)
                if not _quiet(post):  # its reveal would fall in the measured hour: it was revealed early, by hand
                    early = IDLE_AT - timedelta(minutes=5)
                    post = {**post, "status": "revealed", "reveal_at": early, "revealed_at": early}
                history.append(post)
            async with engine.begin() as conn:
                await conn.execute(schedules.insert(), rows)
                await conn.execute(posts.insert(), history)
            loaded += len(rows)
        async with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(text("SELECT setval(pg_get_serial_sequence('schedules', 'id'), (SELECT max(id) FROM schedules))"))
                await conn.execute(text("ANALYZE"))
            open_posts = (await conn.execute(select(func.count()).where(posts.c.status == "posted"))).scalar()
    finally:
        await engine.dispose()
    return {"schedules": loaded, "open_posts": open_posts, "load_seconds": round(time.perf_counter() - started, 1)}
