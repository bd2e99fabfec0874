"""The scheduler's cost follows due work, not configured channels; APScheduler only drives one tick job."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, text

from bot.bootstrap import bootstrap
from bot.clock import FakeClock
from bot.db.tables import schedules
from bot.scheduler import start_ticking
from tests.support import RecordingPort, make_bank

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
CONFIGURED = 20_000
DUE = 7


def schedule_row(n: int, next_post_at: datetime) -> dict:
    return {
        "platform": "test", "workspace_id": f"w{n % 50}", "channel_id": f"c{n}",
        "post_time": "09:00", "timezone": "UTC", "days": "daily", "reveal_kind": "delay", "reveal_value": "60",
        "mode": "thread", "topics": "", "difficulty_min": 1, "difficulty_max": 3, "paused": False,
        "next_post_at": next_post_at, "updated_by": "seed", "created_at": NOW, "updated_at": NOW,
    }


async def test_tick_touches_only_due_schedules_through_an_index(settings):
    port = RecordingPort()
    app = await bootstrap(settings, clock=FakeClock(NOW), ports={"test": port}, bank=make_bank(), rng=random.Random(3))
    try:
        later = NOW + timedelta(hours=5)
        rows = [schedule_row(n, NOW if n < DUE else later) for n in range(CONFIGURED)]
        async with app.ctx.engine.begin() as conn:
            for start in range(0, len(rows), 5000):
                await conn.execute(insert(schedules), rows[start:start + 5000])
            dialect = conn.dialect.name
            if dialect == "postgresql":
                await conn.execute(text("ANALYZE schedules"))
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        from sqlalchemy import event

        event.listen(app.ctx.engine.sync_engine, "before_cursor_execute", record)
        report = await app.tick()
        event.remove(app.ctx.engine.sync_engine, "before_cursor_execute", record)
        assert report.posted == DUE and len(port.posts) == DUE
        # Work per tick is a handful of statements per due post, whatever the number of channels.
        assert len(statements) < 40 * DUE

        # The tick's due query: the platforms this process serves and a "due at" range (migration 0009).
        due_query = (
            "SELECT id FROM schedules WHERE next_post_at <= {p} AND platform IN ('test') ORDER BY next_post_at LIMIT 200"
        )
        async with app.ctx.engine.connect() as conn:
            if dialect == "sqlite":
                plan = (await conn.execute(text("EXPLAIN QUERY PLAN " + due_query.format(p="'2026-11-23 09:00:00'")))).all()
                assert any("ix_schedules_platform_next_post_at" in str(row) for row in plan), plan
            else:
                plan = (await conn.execute(text("EXPLAIN " + due_query.format(p="now()")))).scalars().all()
                assert any("ix_schedules_platform_next_post_at" in line for line in plan), plan
    finally:
        await app.close()


async def test_a_tick_with_nothing_due_is_one_statement_and_still_finds_each_kind_of_work(settings):
    """The tick reads one snapshot of what is due and queries only the kinds of work it shows due."""
    from sqlalchemy import event, update

    from bot.db.tables import posts

    clock = FakeClock(NOW)
    port = RecordingPort()
    app = await bootstrap(settings, clock=clock, ports={"test": port}, bank=make_bank(), rng=random.Random(5))
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
            statements.append(statement)

    try:
        async with app.ctx.engine.begin() as conn:
            await conn.execute(insert(schedules), [schedule_row(n, NOW + timedelta(minutes=30)) for n in range(50)])
        event.listen(app.ctx.engine.sync_engine, "before_cursor_execute", record)
        assert not await app.tick()
        assert len(statements) == 1, statements

        clock.advance(timedelta(minutes=30))  # every schedule is due now
        assert (await app.tick()).posted == 50
        clock.advance(timedelta(minutes=61))  # their reveals are due
        assert (await app.tick()).revealed == 50
        statements.clear()
        assert not await app.tick()
        assert len(statements) == 1, statements

        # A claim left by an instance that stopped is found from the snapshot too.
        clock.set(NOW + timedelta(days=1))
        assert (await app.tick()).posted == 50
        async with app.ctx.engine.begin() as conn:
            await conn.execute(
                update(posts).where(posts.c.channel_id == "c7", posts.c.status == "posted")
                .values(status="revealing", claim_token="gone", claimed_at=clock.now())
            )
        clock.advance(timedelta(minutes=61))
        assert (await app.tick()).revealed == 50
    finally:
        event.remove(app.ctx.engine.sync_engine, "before_cursor_execute", record)
        await app.close()


async def test_apscheduler_runs_one_tick_job_that_posts_due_questions(settings):
    posted = asyncio.Event()

    class SignallingPort(RecordingPort):
        async def post_question(self, channel, post):
            ref = await super().post_question(channel, post)
            if len(self.posts) == 3:
                posted.set()
            return ref

    clock = FakeClock(NOW - timedelta(hours=1))
    port = SignallingPort()
    app = await bootstrap(settings, clock=clock, ports={"test": port}, bank=make_bank())
    try:
        async with app.ctx.engine.begin() as conn:
            await conn.execute(insert(schedules), [schedule_row(n, NOW) for n in range(3)])
        clock.set(NOW)
        ticker = start_ticking(app, seconds=3600)
        try:
            assert ticker.jobs() == ["qotd-tick"]
            await asyncio.wait_for(posted.wait(), timeout=30)  # the first tick runs at start
            assert sorted(c.channel_id for c, _ in port.posts) == ["c0", "c1", "c2"]
        finally:
            await ticker.stop()
    finally:
        await app.close()
