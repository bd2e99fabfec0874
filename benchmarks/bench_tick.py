"""Scheduler tick: 100,000 configured schedules, 100 of them due.

What "time per tick" means here. A tick that posts 100 questions makes 100
claims (a database transaction each) and 100 platform calls; that work grows
with what is due, whatever the scheduler does. What must not grow with the
number of configured channels is the scheduler's own share of the tick: asking
the database what is due (posts, reveals, stale claims, champion announcements,
the next wake-up) and turning the due rows into work. So we report

* the idle tick (nothing due) with 100k schedules;
* the tick's work-finding with 100 due: the real tick with claiming replaced by a
  no-op, so the 100 due rows are found, turned into schedules and handed out,
  and every other due-work query runs, but nothing is claimed or posted. The
  <= 10 ms target is on this figure (p95): the scheduler's own cost per tick;
* the full tick posting 100 questions to an in-memory chat port, per tick and per post;

each beside its baseline, the same tick on a database holding only the 100 due
schedules (the ratio shows the cost does not grow with configured schedules),
and a hand-written "what is due" SQL query. The process RSS is measured after
100k schedules are loaded and ticks have run (target <= 150 MB); the rows are
loaded by a separate process, so the figure is what the bot itself holds.

The schedules are the rows `/qotd setup` writes, with each channel's previous
question (benchmarks/schedule_rows.py), bulk-inserted with executemany.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import random
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from statistics import median

from sqlalchemy import bindparam, delete, func, select, text, update

from benchmarks.harness import REPO, BenchDatabase, Result, percentile, rss_mb, scaled, sqlite_database, postgresql_database
from benchmarks.schedule_rows import DUE, DUE_AT, IDLE_AT, PLATFORMS, TICK_AT, load_schedules
from bot.bootstrap import Qotd, bootstrap
from bot.clock import FakeClock
from bot.config import Settings
from bot.db.engine import create_engine, upgrade
from bot.db.tables import posts, schedules
from bot.db.types import UTCDateTime
from bot.ports import Announcement, AnswerEcho, ChannelRef, PostedRef, QuestionPost, RevealMessage

NAME = "scheduler tick"
SCHEDULES = 100_000
TICK_TARGET_MS = 10.0
RSS_TARGET_MB = 150.0
FLAT_TARGET = 2.0  # finding due work among 100k schedules may take at most this many times as long as among 100

# What each fix bought, measured on the development machine (2 shared cores) by this benchmark, kept for the record.
# Before migration 0009 and the per-platform minima (2026-11-29): SQLite read every schedule of the platform for
# each of four queries a tick.
BEFORE_FIX = {
    "sqlite": {"idle_p50_ms": 163.1, "idle_p95_ms": 229.4, "finding_p50_ms": 166.1, "finding_p95_ms": 192.1},
    "postgresql": {"idle_p50_ms": 62.0, "idle_p95_ms": 79.4, "finding_p50_ms": 72.6, "finding_p95_ms": 97.8},
}
# Before the due snapshot (2026-11-29, results/2026-11-29 as first committed): every tick ran each kind of
# due-work query (reveals, stale reveals, stale claims, champions twice, posts) and a separate next-due lookup for
# the lag metric, about 14 statements on 6 connection checkouts, and SQLite began each read with BEGIN IMMEDIATE.
# Now one snapshot statement says which kinds are due and only those are queried.
BEFORE_SNAPSHOT = {
    "sqlite": {"idle_p95_ms": 14.6, "finding_p95_ms": 22.9},
    "postgresql": {"idle_p95_ms": 18.6, "finding_p95_ms": 18.8},
}

# ---------------------------------------------------------------- the bot under test


class InMemoryPort:
    """A chat platform that accepts everything instantly."""

    def __init__(self) -> None:
        self.posted = 0
        self.revealed = 0

    async def post_question(self, channel: ChannelRef, post: QuestionPost) -> PostedRef:
        self.posted += 1
        return PostedRef(message_id=f"msg-{post.post_id}", thread_id=f"thread-{post.post_id}")

    async def reply_in_thread(self, channel: ChannelRef, where: PostedRef, echo: AnswerEcho) -> None:
        pass

    async def reveal(self, channel: ChannelRef, where: PostedRef, reveal: RevealMessage) -> None:
        self.revealed += 1

    async def send_private(self, channel: ChannelRef, member_id: str, text: str) -> None:
        pass

    async def announce(self, channel: ChannelRef, announcement: Announcement) -> None:
        pass


class NoClaims:
    """Replaces claiming a due post with a no-op that counts its calls: the tick finds its work and does none."""

    def __init__(self) -> None:
        self.calls = 0

    @contextmanager
    def installed(self):
        from bot.services import posting

        original = posting.claim_scheduled

        async def claim_nothing(ctx, schedule, **kwargs):
            self.calls += 1
            return None

        posting.claim_scheduled = claim_nothing
        try:
            yield self
        finally:
            posting.claim_scheduled = original


async def start_bot(url: str) -> "Bench":
    port = InMemoryPort()
    clock = FakeClock(IDLE_AT)
    settings = replace(Settings.from_env({}), database_url=url, content_dir=REPO / "content")
    bot = await bootstrap(settings, clock=clock, ports={p: port for p in PLATFORMS}, rng=random.Random(7))
    bench = Bench(bot, clock)
    for _ in range(3):  # warm the connection pool and the statement caches
        await bench.idle_tick()
    async with bot.ctx.engine.connect() as conn:
        bench.last_post = (await conn.execute(select(func.max(posts.c.id)))).scalar() or 0
    return bench


class Bench:
    """One bot on one database, and the ticks we time on it."""

    def __init__(self, bot: Qotd, clock: FakeClock) -> None:
        self.bot = bot
        self.clock = clock
        self.last_post = 0
        # This process's CPU time per tick (the bot and, on SQLite, the database): what a tick costs on a
        # quiet machine, whatever else the machine was doing while we measured.
        self.cpu_ms: list[float] = []

    async def idle_tick(self) -> float:
        """A tick at IDLE_AT, when nothing is due."""
        self.clock.set(IDLE_AT)
        return await self._timed(expect_nothing=True)

    async def finding_tick(self) -> float:
        """A tick at TICK_AT that finds the 100 due schedules and hands them out, but claims nothing."""
        self.clock.set(TICK_AT)
        with NoClaims().installed() as stub:
            took = await self._timed(expect_nothing=True)
        if stub.calls != DUE:
            raise AssertionError(
                f"the tick should hand out {DUE} due schedules, it claimed {stub.calls}: bot/due_work.py no longer "
                "claims through posting.claim_scheduled; update NoClaims"
            )
        return took

    async def full_tick(self) -> float:
        """A tick at TICK_AT posting the 100 due questions, undone afterwards so that the next one posts them again."""
        self.clock.set(TICK_AT)
        started = time.perf_counter()
        report = await self.bot.tick()
        took = (time.perf_counter() - started) * 1000
        if report.posted != DUE or report.failed or report.revealed:
            raise AssertionError(f"the full tick should post exactly {DUE}: {report}")
        async with self.bot.ctx.engine.begin() as conn:
            await conn.execute(delete(posts).where(posts.c.id > self.last_post))
            await conn.execute(update(schedules).where(schedules.c.id <= DUE).values(next_post_at=DUE_AT))
        return took

    async def hand_written_due_query(self) -> float:
        """What is due, written by hand: the rows of schedules due now, in order, on the platforms we serve."""
        query = text(
            "SELECT * FROM schedules WHERE next_post_at <= :now AND platform IN ('discord', 'slack') "
            "ORDER BY next_post_at LIMIT 200"
        ).bindparams(bindparam("now", type_=UTCDateTime()))
        async with self.bot.ctx.engine.connect() as conn:
            started = time.perf_counter()
            rows = (await conn.execute(query, {"now": TICK_AT})).all()
            took = (time.perf_counter() - started) * 1000
        assert len(rows) == DUE, len(rows)
        return took

    async def _timed(self, *, expect_nothing: bool) -> float:
        started, cpu = time.perf_counter(), time.process_time()
        report = await self.bot.tick()
        took = (time.perf_counter() - started) * 1000
        self.cpu_ms.append((time.process_time() - cpu) * 1000)
        if expect_nothing and report:
            raise AssertionError(f"this tick should have done nothing: {report}")
        return took


async def interleaved(benches: dict[str, Bench], what: str, rounds: int, warm: int = 2) -> dict[str, list[float]]:
    """Time `what` on each bench in turn, round after round, so both see the same machine noise."""
    samples: dict[str, list[float]] = {name: [] for name in benches}
    for round_ in range(warm + rounds):
        for name, bench in benches.items():
            took = await getattr(bench, what)()
            if round_ >= warm:
                samples[name].append(took)
    return samples


def _fresh(db: BenchDatabase):
    return sqlite_database() if db.name == "sqlite" else postgresql_database()


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def _summary(samples: list[float]) -> dict:
    return {"p50_ms": percentile(samples, 50), "p95_ms": percentile(samples, 95), "n": len(samples)}


async def run(db: BenchDatabase, scale: float) -> list[Result]:
    total = scaled(SCHEDULES, scale, minimum=DUE * 10)
    idle_ticks = scaled(200, scale, minimum=30)
    finding_ticks = scaled(100, scale, minimum=30)
    full_ticks = scaled(15, scale, minimum=5)
    loop = asyncio.get_running_loop()
    rss_at_start = rss_mb()
    async with _fresh(db) as small:
        # Both databases are filled by another process, so this one never holds the rows.
        await _migrate(small.url)
        await _migrate(db.url)
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as loader:
            small_load = await loop.run_in_executor(loader, load_schedules, small.url, 0, DUE, 11)
            print(f"   loading {total:,} schedules ...", flush=True)
            big_load = await loop.run_in_executor(loader, load_schedules, db.url, total - DUE, DUE, 11)
            print(f"   loaded in {big_load['load_seconds']} s", flush=True)
        # The baseline holds only the 100 due schedules; ours has them among all the others.
        benches = {"baseline": await start_bot(small.url)}
        rss_small = rss_mb()
        benches["ours"] = await start_bot(db.url)
        try:
            idle = await interleaved(benches, "idle_tick", idle_ticks)
            idle_cpu = {name: bench.cpu_ms[-idle_ticks:] for name, bench in benches.items()}
            finding = await interleaved(benches, "finding_tick", finding_ticks)
            finding_cpu = {name: bench.cpu_ms[-finding_ticks:] for name, bench in benches.items()}
            full = await interleaved(benches, "full_tick", full_ticks, warm=1)
            hand = await interleaved(benches, "hand_written_due_query", finding_ticks)
            gc.collect()
            rss_big = rss_mb()
            concurrency = getattr(benches["ours"].bot.ctx.settings, "post_concurrency", 1)
        finally:
            for bench in benches.values():
                await bench.bot.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3

    figures = {
        name: {
            "idle": {**_summary(idle[name]), "cpu_p50_ms": percentile(idle_cpu[name], 50)},
            "finding": {**_summary(finding[name]), "cpu_p50_ms": percentile(finding_cpu[name], 50)},
            "full_tick": _summary(full[name]),
            "per_post_ms": median(full[name]) / DUE,
            "hand_due_query": _summary(hand[name]),
        }
        for name in benches
    }
    ours, baseline = figures["ours"], figures["baseline"]
    where = db.name
    flat = ours["finding"]["p50_ms"] / baseline["finding"]["p50_ms"]
    common = {"schedules": big_load["schedules"], "due": DUE, "open_questions": big_load["open_posts"],
              "load_seconds": big_load["load_seconds"], "baseline_schedules": small_load["schedules"]}
    return [
        Result(NAME, where, f"tick finding {DUE} due among {total:,} schedules, p95", ours["finding"]["p95_ms"], "ms",
               f"<= {TICK_TARGET_MS:g}", ours["finding"]["p95_ms"] <= TICK_TARGET_MS,
               {**common, "what": "the tick with claiming replaced by a no-op: every due-work query runs and the due "
                "rows are found and handed out, nothing is claimed or posted", **figures,
                "before_fix": BEFORE_FIX.get(where, {}), "before_snapshot": BEFORE_SNAPSHOT.get(where, {})}),
        Result(NAME, where, f"tick finding p50, {total:,} / {DUE} schedules", flat, "ratio",
               f"<= {FLAT_TARGET:.2f}", flat <= FLAT_TARGET,
               {"ours_p50_ms": ours["finding"]["p50_ms"], "baseline_p50_ms": baseline["finding"]["p50_ms"],
                "what": "the tick's work-finding with 100k configured schedules over the same with only the 100 due ones"}),
        Result(NAME, where, f"idle tick p95, {total:,} schedules", ours["idle"]["p95_ms"], "ms", "—", True,
               {"p50_ms": ours["idle"]["p50_ms"], "baseline_100_schedules": baseline["idle"],
                "ratio_p50": ours["idle"]["p50_ms"] / baseline["idle"]["p50_ms"]}),
        Result(NAME, where, f"full tick posting {DUE}, per post", ours["per_post_ms"], "ms", "—", True,
               {"tick": ours["full_tick"], "baseline_100_schedules_per_post_ms": baseline["per_post_ms"],
                "baseline_100_schedules_tick": baseline["full_tick"], "post_concurrency": concurrency,
                "what": "the tick's median time over 100: claim (one transaction each) and post to an in-memory chat port"}),
        Result(NAME, where, "hand-written due query p50", ours["hand_due_query"]["p50_ms"], "ms", "—", True,
               {"p95_ms": ours["hand_due_query"]["p95_ms"], "baseline_100_schedules": baseline["hand_due_query"],
                "tick_finding_over_hand_query_p50": ours["finding"]["p50_ms"] / ours["hand_due_query"]["p50_ms"]}),
        Result(NAME, where, f"process RSS, {total:,} schedules loaded", rss_big, "MB",
               f"<= {RSS_TARGET_MB:g}", rss_big <= RSS_TARGET_MB,
               {"rss_at_start_mb": rss_at_start, "rss_with_the_baseline_bot_mb": rss_small, "rss_with_both_bots_mb": rss_big,
                "growth_from_the_100k_bot_mb": rss_big - rss_small, "peak_rss_mb": peak,
                "what": "this process, running a bot on the 100-schedule database and one on the 100k database, after "
                "all the ticks; the rows were loaded by another process"}),
    ]
