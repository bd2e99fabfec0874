"""Daily fan-out: 10,000 channels due in the same minute, posted through the Slack adapter under rate limits.

The bot posts through its real Slack adapter (SlackPort, the workspace client: slack_sdk's
AsyncWebClient with our pacer) to a fake Slack Web API on 127.0.0.1, running in a process of its
own, that enforces an overall rate and Slack's per-channel rate and answers 429 with Retry-After
when a call goes over (benchmarks/rate_limited_slack.py). The rates are scaled up for the run:
500 calls a second overall (QOTD_BENCH_FANOUT_RATE), one message a second per channel, short
bursts allowed (a fifth of a second's calls: the fake counts a call when its event loop gets to
it, so a moment the fake itself waits for the CPU must not count against the bot). The bot's
pacer allows itself bursts of 10.

The baseline is the floor the limits impose: 10,000 posts at 500 a second take 20 s whatever the
bot does. Targets: one tick finishes within 1.15x the floor, Slack never had to answer 429, and
exactly 10,000 questions were posted (one per channel, each marked posted in the database).

For comparison, on a tenth of the channels: the same tick posting one channel after another
(QOTD_POST_CONCURRENCY=1) and posting concurrently without the pacer (429s and their Retry-After
waits show up there).
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, insert, select

from adapters.slack.clients import SingleWorkspace, web_client
from adapters.slack.pacing import Pacer, PacingSettings
from adapters.slack.port import SlackPort
from benchmarks.core_setup import main, open_bot
from benchmarks.harness import BenchDatabase, Result, scaled
from benchmarks.rate_limited_slack import Limits, running_slack
from bot.clock import FakeClock
from bot.db.tables import posts, schedules
from tests.fakes.fake_slack import TEAM_ID

# Before/after the work on posting, at full scale on a 2-core VM shared with other work. Kept for the record.
HISTORY = {
    "before": "one channel after another, several transactions and queries per post, a new HTTP connection "
              "per call: about 130-155 posts a second, 64 s for 10,000 (3.2x the floor), on both databases",
    "after": "32 posts in flight (QOTD_POST_CONCURRENCY); claims and 'posted' marks made meanwhile share a "
             "transaction (group commit, ~13 a batch); the channels' rotations read in one indexed query; "
             "one kept-alive HTTP session; the pacer: about 480 posts a second, 1.03x (SQLite) and 1.05x "
             "(PostgreSQL) the floor on a quiet machine (up to 1.2x while other work shared the CPUs), no 429",
}

NAME = "daily fan-out"
CHANNELS = 10_000
RATE = float(os.environ.get("QOTD_BENCH_FANOUT_RATE") or 500)  # calls per second, overall
SERVER_BURST_SECONDS = 0.2  # the fake allows a fifth of a second's calls at once
PACER_BURST = 10  # what the bot allows itself at once
CHANNEL_RATE = 1.0
TARGET = 1.15
DAY = datetime(2026, 11, 23, tzinfo=timezone.utc)
MAIN_AT = DAY.replace(hour=9)  # the main run's channels are due at 09:00
SEQUENTIAL_AT = DAY.replace(hour=7)  # the comparisons' channels earlier
UNPACED_AT = DAY.replace(hour=8)


def schedule_row(channel_id: str, due: datetime) -> dict:
    """A channel's schedule as `/qotd setup time=HH:MM tz=UTC days=daily reveal=8h` writes it."""
    return {
        "platform": "slack", "workspace_id": TEAM_ID, "channel_id": channel_id,
        "post_time": due.strftime("%H:%M"), "timezone": "UTC", "days": "daily", "reveal_kind": "delay",
        "reveal_value": "480", "mode": "thread", "topics": "", "difficulty_min": 1, "difficulty_max": 3,
        "paused": False, "next_post_at": due, "updated_by": "bench", "created_at": DAY, "updated_at": DAY,
    }


async def run(db: BenchDatabase, scale: float) -> list[Result]:
    count = scaled(CHANNELS, scale, 100)
    small = max(50, count // 10)
    limits = Limits(rate=RATE, burst=max(1, int(RATE * SERVER_BURST_SECONDS)), channel_rate=CHANNEL_RATE)
    paced = PacingSettings(rate=RATE, burst=PACER_BURST, channel_rate=CHANNEL_RATE, channel_burst=1)
    unpaced = PacingSettings(rate=None, channel_rate=None)
    clock = FakeClock(DAY)
    app = await open_bot(db, clock, ports={})
    try:
        groups = {"main": (MAIN_AT, count), "sequential": (SEQUENTIAL_AT, small), "unpaced": (UNPACED_AT, small)}
        async with app.ctx.engine.begin() as conn:
            rows = [schedule_row(f"C{name[0].upper()}{n:06d}", due) for name, (due, size) in groups.items() for n in range(size)]
            for start in range(0, len(rows), 2000):
                await conn.execute(insert(schedules), rows[start:start + 2000])
        concurrency = app.ctx.settings.post_concurrency
        async with running_slack(limits) as slack:
            sequential = await _fan_out(app, clock, slack, SEQUENTIAL_AT, unpaced, post_concurrency=1)
            concurrent_unpaced = await _fan_out(app, clock, slack, UNPACED_AT, unpaced, post_concurrency=concurrency)
            ours = await _fan_out(app, clock, slack, MAIN_AT, paced, post_concurrency=concurrency)
        async with app.ctx.engine.connect() as conn:
            posted_in_db = (
                await conn.execute(
                    select(func.count()).select_from(posts).where(posts.c.status == "posted", posts.c.scheduled_for == MAIN_AT)
                )
            ).scalar()
    finally:
        await app.close()

    floor = count / RATE
    ratio = ours["seconds"] / floor
    limited = ours["fake"]["limited"]
    delivered = ours["fake"]["channels_posted"]
    exact = delivered == count and ours["fake"]["posts"] == count and posted_in_db == count and ours["report"]["posted"] == count
    details = {
        "channels": count,
        "floor_s": round(floor, 3),
        "ours_s": round(ours["seconds"], 3),
        "posts_per_s": round(count / ours["seconds"], 1),
        "first_to_last_post_s": ours["fake"]["spread_s"],
        "rate_limited_429": limited,
        "posts_at_fake": ours["fake"]["posts"],
        "posted_in_database": posted_in_db,
        "channels_posted_twice": ours["fake"]["channels_posted_twice"],
        "tick": ours["report"],
        "post_concurrency": concurrency,
        "limits": {"rate_per_s": RATE, "burst": limits.burst, "channel_rate_per_s": CHANNEL_RATE},
        "pacer": {"rate_per_s": paced.rate, "burst": paced.burst, "waited_s": ours["pacer_waited_s"]},
        "comparison_channels": small,
        "one_at_a_time_unpaced": _summary(sequential, small, count),
        "concurrent_unpaced": _summary(concurrent_unpaced, small, count),
        "history": HISTORY,
    }
    return [
        Result(NAME, db.name, "time / rate-limit floor", round(ratio, 3), "ratio", f"<= {TARGET:.2f}", ratio <= TARGET, details),
        Result(NAME, db.name, "429 responses", limited, "count", "== 0", limited == 0, {"by_limit": {
            "overall": ours["fake"]["limited_overall"], "channel": ours["fake"]["limited_channel"]}}),
        Result(NAME, db.name, "questions posted", delivered, "count", f"== {count}", exact, {
            "posts_at_fake": ours["fake"]["posts"], "posted_in_database": posted_in_db,
            "channels_posted_twice": ours["fake"]["channels_posted_twice"]}),
    ]


async def _fan_out(app, clock: FakeClock, slack, due: datetime, pacing: PacingSettings, *, post_concurrency: int) -> dict:
    """One tick at `due` posting every channel due then, through a fresh Slack client; timed."""
    pacer = Pacer(pacing)
    app.connect("slack", SlackPort(SingleWorkspace(web_client("xoxb-bench", slack.api_url, pacer))))
    app.ctx.settings = replace(app.ctx.settings, post_concurrency=post_concurrency)
    clock.set(due + timedelta(seconds=5))
    await slack.reset()
    started = time.perf_counter()
    report = await app.tick()
    seconds = time.perf_counter() - started
    fake = await slack.stats()
    fake["spread_s"] = round((fake["last_at"] or 0) - (fake["first_at"] or 0), 3)
    return {
        "seconds": seconds,
        "report": {"posted": report.posted, "failed": report.failed, "skipped": report.skipped, "errors": report.errors[:3]},
        "fake": fake,
        "pacer_waited_s": round(pacer.waited, 3),
    }


def _summary(run: dict, size: int, count: int) -> dict:
    return {
        "posts": run["fake"]["posts"],
        "seconds": round(run["seconds"], 3),
        "posts_per_s": round(size / run["seconds"], 1),
        "projected_s_for_all": round(run["seconds"] * count / size, 1),
        "rate_limited_429": run["fake"]["limited"],
        "failed": run["report"]["failed"],
    }


if __name__ == "__main__":
    main(run, NAME)
