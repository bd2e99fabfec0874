"""A year of answers in 1,000 channels, for the leaderboard benchmark: 1,000,000 answers by 100,000 members.

Channel sizes fall off like a power law (the largest has about 4,000 members,
the smallest about 30); each channel has had 250 weekday questions in its own
time zone; members answer unevenly (a few nearly every day, most now and then),
about 7% of answers are late, points follow the streak rules, and member_stats
holds what the answers add up to. Posts and answers are inserted in time order
across channels, as they arrive in production: executemany in large
transactions on SQLite, COPY on PostgreSQL (then VACUUM ANALYZE, as autovacuum
would). SQLite gets no ANALYZE, since the bot never runs one.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import text

from benchmarks.harness import REPO
from benchmarks.schedule_rows import schedule_row
from bot.db.tables import answers, member_stats, posts, schedules, seasons
from bot.ports import ChannelRef
from bot.question_bank import load_bank
from bot.schedule_rules import local_instant, parse_post_time
from bot.scoring import points_for_on_time

UTC = timezone.utc
CHANNELS = 1_000
MEMBERS = 100_000
ANSWERS = 1_000_000
POSTS_PER_CHANNEL = 250  # a year of weekday questions
CHANNELS_PER_WORKSPACE = 10
SIZE_FALLOFF = 0.7  # channel k (from 0) has members in proportion to 1 / (k + 1) ** SIZE_FALLOFF
LATE_SHARE = 0.07
REVEAL_AFTER = timedelta(hours=8)
NOW = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)  # a Thursday afternoon: this week has had four questions
SEASON_STARTED = NOW - timedelta(days=45)
ZONES = ("America/Los_Angeles", "America/New_York", "America/Chicago", "Europe/London", "Europe/Berlin",
         "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney", "UTC")
POST_TIMES = ("09:00", "09:30", "10:00", "11:00", "08:45")
FIRST = ("Ada", "Alan", "Barbara", "Bjarne", "Claude", "Donald", "Edsger", "Frances", "Grace", "Guido", "Hedy",
         "Ivan", "James", "Jean", "John", "Ken", "Leslie", "Linus", "Margaret", "Niklaus", "Radia", "Rob", "Sophie",
         "Tim", "Whitfield", "Yukihiro", "Anders", "Brian", "Dennis", "Katherine", "Mary", "Marvin", "Noam", "Peter")
LAST = ("Lovelace", "Turing", "Liskov", "Stroustrup", "Shannon", "Knuth", "Dijkstra", "Allen", "Hopper", "Rossum",
        "Lamarr", "Sutherland", "Gosling", "Sammet", "Backus", "Thompson", "Lamport", "Torvalds", "Hamilton", "Wirth",
        "Perlman", "Pike", "Wilson", "Berners-Lee", "Diffie", "Matsumoto", "Hejlsberg", "Kernighan", "Ritchie")
WORDS = ("index", "the", "query", "cache", "latency", "a", "consistency", "write", "read", "replica", "lock", "of",
         "transaction", "we", "would", "use", "because", "throughput", "partition", "and", "retry", "idempotent", "key")
BATCH_ROWS = 50_000


@dataclass
class Shape:
    channels: int
    members: int
    answers: int


@dataclass
class ChannelPlan:
    index: int
    ref: ChannelRef
    zone: str
    post_time: str
    members: list[tuple[str, str]]  # (member id, display name)
    # Per member, filled by plan_answers: (on time, late, points, current streak, longest streak, last answered).
    totals: list[tuple] = field(default_factory=list)


def channel_ref(index: int) -> ChannelRef:
    workspace = index // CHANNELS_PER_WORKSPACE
    if workspace % 2 == 0:
        return ChannelRef("discord", str(800_000_000_000_000_000 + workspace), str(1_200_000_000_000_000_000 + index))
    return ChannelRef("slack", f"T{workspace:09X}", f"C{index:09X}")


def member_id(platform: str, number: int) -> str:
    return str(300_000_000_000_000_000 + number) if platform == "discord" else f"U{number:09X}"


def plan_channels(shape: Shape, rng: random.Random) -> list[ChannelPlan]:
    """Channel sizes falling off like a power law, adding up to `shape.members` members (each in one channel)."""
    weights = [1 / (k + 1) ** SIZE_FALLOFF for k in range(shape.channels)]
    total = sum(weights)
    sizes = [max(5, round(shape.members * w / total)) for w in weights]
    sizes[0] += shape.members - sum(sizes)
    plans, number = [], 0
    for index, size in enumerate(sizes):
        ref = channel_ref(index)
        people = []
        for _ in range(size):
            number += 1
            people.append((member_id(ref.platform, number), f"{rng.choice(FIRST)} {rng.choice(LAST)}"))
        plans.append(ChannelPlan(index, ref, rng.choice(ZONES), rng.choice(POST_TIMES), people))
    return plans


@lru_cache(maxsize=None)
def post_instants(zone: str, post_time: str) -> tuple[datetime, ...]:
    """The last POSTS_PER_CHANNEL weekday post instants before NOW, oldest first."""
    at, tz = parse_post_time(post_time), ZoneInfo(zone)
    day = NOW.astimezone(tz).date()
    found: list[datetime] = []
    while len(found) < POSTS_PER_CHANNEL:
        if day.weekday() < 5:
            instant = local_instant(day, at, tz)
            if instant < NOW:
                found.append(instant)
        day -= timedelta(days=1)
    return tuple(reversed(found))


def plan_answers(plan: ChannelPlan, count: int, rng: random.Random):
    """Which questions each member answered, when, late or not, with the points the streak rules give.

    Yields (post index, member index, answered_at, late, points), about `count` of them, and fills
    `plan.totals` with what each member's answers add up to (their member_stats row).
    """
    instants = post_instants(plan.zone, plan.post_time)
    activity = [rng.paretovariate(1.3) for _ in plan.members]
    per_weight = count / sum(activity)
    for _ in range(4):  # the keenest answer every question and no more: spread the rest over the others
        planned = sum(min(POSTS_PER_CHANNEL, max(1, round(w * per_weight))) for w in activity)
        per_weight *= count / planned
    plan.totals = []
    for m, weight in enumerate(activity):
        wanted = min(POSTS_PER_CHANNEL, max(1, round(weight * per_weight)))
        # Keen members answer a run of recent questions; others dip in now and then since they joined.
        start = rng.randrange(0, POSTS_PER_CHANNEL - wanted + 1)
        chosen = sorted(rng.sample(range(start, POSTS_PER_CHANNEL), wanted))
        streak = longest = on_time = late_count = points_total = 0
        previous = -2
        last_at = None
        for p in chosen:
            late = rng.random() < LATE_SHARE
            if late:
                answered = instants[p] + REVEAL_AFTER + timedelta(minutes=rng.randint(1, 600))
            else:
                answered = instants[p] + timedelta(minutes=rng.randint(1, 470), seconds=rng.randint(0, 59))
            if answered >= NOW:  # not answered yet
                continue
            if late:
                points = 0
                late_count += 1
                streak = 0
            else:
                streak = streak if p == previous + 1 else 0
                points = points_for_on_time(streak)
                streak += 1
                longest = max(longest, streak)
                on_time += 1
                points_total += points
            previous = p
            last_at = answered if last_at is None or answered > last_at else last_at
            yield p, m, answered, late, points
        current = streak if previous >= POSTS_PER_CHANNEL - 2 else 0
        plan.totals.append((on_time, late_count, points_total, current, longest, last_at))


def answer_texts(rng: random.Random) -> list[str]:
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 60))) for _ in range(200)]


class Loader:
    """Bulk inserts: executemany in large transactions on SQLite, COPY on PostgreSQL."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.postgresql = engine.dialect.name == "postgresql"

    async def insert(self, table, rows: list[dict]) -> None:
        if not rows:
            return
        async with self.engine.begin() as conn:
            if self.postgresql:
                raw = (await conn.get_raw_connection()).driver_connection
                columns = list(rows[0])
                await raw.copy_records_to_table(table.name, records=[tuple(r[c] for c in columns) for r in rows], columns=columns)
            else:
                await conn.execute(table.insert(), rows)

    async def finish(self) -> None:
        if not self.postgresql:
            return
        async with self.engine.begin() as conn:
            for table in ("posts", "answers", "schedules", "seasons"):
                await conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        async with self.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))


async def load(engine, shape: Shape, seed: int = 5) -> tuple[list[ChannelPlan], dict]:
    """Fill the database; returns the channel plans (who is where) and what was loaded."""
    rng = random.Random(seed)
    started = time.perf_counter()
    plans = plan_channels(shape, rng)
    loader = Loader(engine)
    question_ids = sorted(load_bank(REPO / "content").questions)
    created = NOW - timedelta(days=400)

    schedule_rows = [
        schedule_row(p.index + 1, p.ref, p.members[0][0], p.post_time, p.zone, "mon-fri", rng, created, NOW, simple=True)
        for p in plans
    ]
    await loader.insert(schedules, schedule_rows)
    admins = {}
    for plan in plans:  # the first channel's first member started the workspace's season
        admins.setdefault((plan.ref.platform, plan.ref.workspace_id), plan.members[0][0])
    workspaces = [(platform, workspace, admin) for (platform, workspace), admin in admins.items()]
    await loader.insert(seasons, [
        {"id": n + 1, "platform": platform, "workspace_id": workspace, "name": "Autumn 2026", "name_key": "autumn 2026",
         "started_at": SEASON_STARTED, "ended_at": None, "open_flag": 1, "started_by": admin, "ended_by": None}
        for n, (platform, workspace, admin) in enumerate(workspaces)
    ])

    # Posts, in time order across channels.
    post_order = sorted(
        ((instant, plan.index, k) for plan in plans for k, instant in enumerate(post_instants(plan.zone, plan.post_time))),
    )
    post_id: dict[tuple[int, int], int] = {}
    batch: list[dict] = []
    for number, (instant, channel, k) in enumerate(post_order, start=1):
        post_id[(channel, k)] = number
        plan = plans[channel]
        reveal_at = instant + REVEAL_AFTER
        revealed = reveal_at <= NOW
        batch.append({
            "id": number, "platform": plan.ref.platform, "workspace_id": plan.ref.workspace_id, "channel_id": plan.ref.channel_id,
            "schedule_id": channel + 1, "slot": instant.astimezone(ZoneInfo(plan.zone)).date().isoformat(), "kind": "scheduled",
            "status": "revealed" if revealed else "posted", "seq": k + 1, "cycle": 1 + k // len(question_ids),
            "question_id": question_ids[(channel * 7 + k) % len(question_ids)], "mode": "thread", "reveal_kind": "delay",
            "reveal_value": "480", "timezone": plan.zone, "claim_token": None, "claimed_at": instant, "scheduled_for": instant,
            "posted_at": instant, "message_id": f"m{number}", "thread_id": f"t{number}", "reveal_at": reveal_at,
            "revealed_at": reveal_at if revealed else None,
        })
        if len(batch) >= BATCH_ROWS:
            await loader.insert(posts, batch)
            batch = []
    await loader.insert(posts, batch)
    batch = []
    post_count = len(post_order)
    del post_order

    # Answers, in time order across channels.
    texts = answer_texts(rng)
    per_channel = [max(1, round(shape.answers * len(p.members) / shape.members)) for p in plans]
    planned = [
        (answered, plan.index, p, m, late, points)
        for plan, count in zip(plans, per_channel)
        for p, m, answered, late, points in plan_answers(plan, count, rng)
    ]
    planned.sort()
    first_answer: dict[tuple[int, int], datetime] = {}
    for number, (answered, channel, p, m, late, points) in enumerate(planned, start=1):
        plan = plans[channel]
        who, name = plan.members[m]
        first_answer.setdefault((channel, m), answered)
        batch.append({
            "id": number, "platform": plan.ref.platform, "workspace_id": plan.ref.workspace_id, "channel_id": plan.ref.channel_id,
            "post_id": post_id[(channel, p)], "member_id": who, "member_name": name, "text": texts[number % len(texts)],
            "answered_at": answered, "late": late, "points": points, "edit_count": 0, "edited_at": None,
        })
        if len(batch) >= BATCH_ROWS:
            await loader.insert(answers, batch)
            batch = []
    await loader.insert(answers, batch)
    answer_count = len(planned)
    del planned, post_id

    # Member stats: what the answers add up to, a row from each member's first answer.
    stats = []
    for (channel, m), first in sorted(first_answer.items(), key=lambda item: item[1]):
        plan = plans[channel]
        on_time, late_count, points_total, current, longest, last_at = plan.totals[m]
        stats.append({
            "platform": plan.ref.platform, "workspace_id": plan.ref.workspace_id, "channel_id": plan.ref.channel_id,
            "member_id": plan.members[m][0], "display_name": plan.members[m][1], "current_streak": current,
            "longest_streak": longest, "on_time_answers": on_time, "late_answers": late_count, "points": points_total,
            "last_answered_at": last_at, "freezes": min(2, on_time // 5) if current else 0,
        })
    for start in range(0, len(stats), BATCH_ROWS):
        await loader.insert(member_stats, stats[start:start + BATCH_ROWS])
    await loader.finish()
    return plans, {
        "channels": len(plans), "members": len(stats), "answers": answer_count, "posts": post_count,
        "largest_channel_members": len(plans[0].members), "load_seconds": round(time.perf_counter() - started, 1),
    }
