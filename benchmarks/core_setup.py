"""What the core benchmarks share: a bot over a benchmark database, a chat port that does nothing, channels set up.

The bot is built through `bootstrap()` like every entry point, with a FakeClock so a benchmark
decides when questions are due, and the real question bank from content/.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

from benchmarks.harness import REPO, BenchDatabase, Result, databases, scale
from bot.bootstrap import Qotd, bootstrap
from bot.clock import FakeClock
from bot.config import Settings
from bot.ports import Announcement, AnswerEcho, ChannelRef, Member, PostedRef, QuestionPost, RevealMessage

START = datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc)  # a Monday
PLATFORM = "bench"
ADMIN = Member("bench-admin", "Admin", is_admin=True)


@dataclass
class NullPort:
    """A chat port that answers at once and only counts: the benchmark measures the core, not a platform."""

    posted: int = 0
    echoed: int = 0
    revealed: int = 0
    private: int = 0
    announced: int = 0
    _ids: int = field(default=0, repr=False)

    async def post_question(self, channel: ChannelRef, post: QuestionPost) -> PostedRef:
        self.posted += 1
        return PostedRef(message_id=f"m{post.post_id}", thread_id=f"t{post.post_id}")

    async def reply_in_thread(self, channel: ChannelRef, where: PostedRef, echo: AnswerEcho) -> None:
        self.echoed += 1

    async def reveal(self, channel: ChannelRef, where: PostedRef, reveal: RevealMessage) -> None:
        self.revealed += 1

    async def send_private(self, channel: ChannelRef, member_id: str, text: str) -> None:
        self.private += 1

    async def announce(self, channel: ChannelRef, announcement: Announcement) -> None:
        self.announced += 1


def bench_settings(db: BenchDatabase, **changes) -> Settings:
    return replace(Settings.from_env({}), database_url=db.url, content_dir=REPO / "content", **changes)


async def open_bot(db: BenchDatabase, clock: FakeClock, ports: dict | None = None, seed: int = 7, **changes) -> Qotd:
    """The bot over `db` (migrated on first use), with `ports` (default: a NullPort for the bench platform)."""
    return await bootstrap(
        bench_settings(db, **changes),
        clock=clock,
        ports=ports if ports is not None else {PLATFORM: NullPort()},
        rng=random.Random(seed),
    )


def channels(count: int, workspaces: int = 4, platform: str = PLATFORM) -> list[ChannelRef]:
    return [ChannelRef(platform, f"T{n % workspaces:04d}", f"C{n:06d}") for n in range(count)]


async def set_up(app: Qotd, where: list[ChannelRef], spec: str = "time=09:00 tz=UTC days=daily reveal=23:00") -> None:
    """Schedule the daily question in every channel through `/qotd setup`, as an admin would."""
    for channel in where:
        reply = await app.handle_text(channel, ADMIN, f"/qotd setup {spec}")
        if not reply.ok:
            raise RuntimeError(f"setup failed in {channel}: {reply.text}")


async def next_morning(app: Qotd, clock: FakeClock, hour: int = 9) -> None:
    """Move to the next `hour`:00 UTC and tick: yesterday's questions are revealed, today's posted."""
    now = clock.now()
    target = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    clock.set(target)
    report = await app.tick()
    if report.failed:
        raise RuntimeError(f"tick failed: {report.errors[:3]}")


def main(run, label: str) -> None:
    """`python -m benchmarks.bench_<name>`: run one benchmark on SQLite (and PostgreSQL when configured), print it."""
    import json

    async def all_databases() -> None:
        factor = scale()
        for factory in databases():
            async with factory() as db:
                results: list[Result] = await run(db, factor)
            for result in results:
                mark = "ok " if result.met else "MISS"
                print(f"[{mark}] {label} {result.database:10} {result.metric}: {result.value:.4g} {result.unit} (target {result.target})")
                print("       " + json.dumps(result.details, default=str))

    asyncio.run(all_databases())
