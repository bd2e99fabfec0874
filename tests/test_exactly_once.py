"""Exactly one post per channel per scheduled day: concurrent instances, two processes, and a crash mid-post."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from bot.bootstrap import bootstrap
from bot.clock import FakeClock
from bot.db.tables import posts
from bot.ports import ChannelRef, Member
from tests.support import REPO, RecordingPort, make_bank

ADMIN = Member("admin", "Admin", is_admin=True)
BEFORE = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
DUE = datetime(2026, 11, 23, 9, 0, 30, tzinfo=timezone.utc)


def run_worker(db_url: str, clock: datetime, out: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    return subprocess.run(
        [sys.executable, "-m", "tests.worker_process", "--db", db_url, "--clock", clock.isoformat(), "--out", str(out), *extra],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )


def start_worker(db_url: str, clock: datetime, out: Path, *extra: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.worker_process", "--db", db_url, "--clock", clock.isoformat(), "--out", str(out), *extra],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def events(out: Path, kind: str) -> list[dict]:
    if not out.exists():
        return []
    return [r for r in map(json.loads, out.read_text().splitlines()) if r["event"] == kind]


async def post_rows(settings):
    app = await bootstrap(settings, bank=make_bank(), migrate=False)
    try:
        async with app.ctx.engine.connect() as conn:
            return (await conn.execute(select(posts).order_by(posts.c.id))).all()
    finally:
        await app.close()


async def test_two_instances_in_one_loop_post_once(settings):
    clock = FakeClock(BEFORE)
    port_a, port_b = RecordingPort(), RecordingPort()
    a = await bootstrap(settings, clock=clock, ports={"test": port_a}, bank=make_bank(), rng=random.Random(1))
    b = await bootstrap(settings, clock=clock, ports={"test": port_b}, bank=make_bank(), rng=random.Random(2))
    try:
        for n in range(20):
            await a.handle_text(ChannelRef("test", "w", f"c{n}"), ADMIN, "/qotd setup time=09:00 tz=UTC days=daily reveal=1h")
        clock.set(DUE)
        await asyncio.gather(a.tick(), b.tick(), a.tick(), b.tick())
        channels = [c.channel_id for c, _ in port_a.posts + port_b.posts]
        assert sorted(channels) == sorted(f"c{n}" for n in range(20))
        clock.advance(timedelta(hours=1))
        await asyncio.gather(a.tick(), b.tick())
        assert len(port_a.reveals) + len(port_b.reveals) == 20
    finally:
        await a.close()
        await b.close()


async def test_two_processes_on_one_database_post_exactly_once(settings, tmp_path):
    out = tmp_path / "events.jsonl"
    setup = await asyncio.to_thread(run_worker, settings.database_url, BEFORE, out, "--setup", "30", "--ticks", "0")
    assert setup.returncode == 0, setup.stderr
    workers = [start_worker(settings.database_url, DUE, out, "--ticks", "3") for _ in range(2)]
    for worker in workers:
        _, stderr = await asyncio.to_thread(worker.communicate, timeout=120)
        assert worker.returncode == 0, stderr
    posted = events(out, "post")
    counts = Counter(r["channel"] for r in posted)
    assert len(counts) == 30 and set(counts.values()) == {1}
    rows = await post_rows(settings)
    assert len(rows) == 30 and {r.status for r in rows} == {"posted"}


async def test_crash_between_claim_and_post_is_retried_once(settings, tmp_path):
    out = tmp_path / "events.jsonl"
    setup = await asyncio.to_thread(run_worker, settings.database_url, BEFORE, out, "--setup", "1", "--ticks", "0")
    assert setup.returncode == 0, setup.stderr

    crashed = await asyncio.to_thread(run_worker, settings.database_url, DUE, out, "--crash-on-post")
    assert crashed.returncode == 9  # died after claiming, before posting
    rows = await post_rows(settings)
    assert [(r.slot, r.status) for r in rows] == [("2026-11-23", "claimed")]
    assert events(out, "post") == []

    # A restart while the claim is still fresh leaves it alone: its owner might still be working.
    fresh = await asyncio.to_thread(run_worker, settings.database_url, DUE + timedelta(seconds=30), out)
    assert fresh.returncode == 0, fresh.stderr
    assert events(out, "post") == []

    # Once the claim is stale, the next instance takes it over and posts exactly once.
    later = DUE + timedelta(minutes=3)
    for _ in range(2):
        retry = await asyncio.to_thread(run_worker, settings.database_url, later, out)
        assert retry.returncode == 0, retry.stderr
    assert [r["channel"] for r in events(out, "post")] == ["c0"]
    rows = await post_rows(settings)
    assert [(r.slot, r.status) for r in rows] == [("2026-11-23", "posted")]

    # Its reveal still happens, once.
    for _ in range(2):
        await asyncio.to_thread(run_worker, settings.database_url, later + timedelta(hours=1), out)
    assert len(events(out, "reveal")) == 1


async def test_platform_failure_is_retried_without_double_posting(settings):
    clock = FakeClock(BEFORE)
    port = RecordingPort(fail_posts=1)
    app = await bootstrap(settings, clock=clock, ports={"test": port}, bank=make_bank())
    try:
        await app.handle_text(ChannelRef("test", "w", "c0"), ADMIN, "/qotd setup time=09:00 tz=UTC days=daily reveal=1h")
        clock.set(DUE)
        report = await app.tick()
        assert report.failed == 1 and port.posts == []
        clock.advance(timedelta(minutes=1))
        await app.tick()
        assert port.posts == []  # claim not stale yet
        clock.advance(timedelta(minutes=2))
        await app.tick()
        await app.tick()
        assert len(port.posts) == 1
    finally:
        await app.close()


async def test_a_claim_never_posted_within_grace_is_given_up(settings, caplog):
    clock = FakeClock(BEFORE)
    port = RecordingPort(fail_posts=1000)
    app = await bootstrap(settings, clock=clock, ports={"test": port}, bank=make_bank())
    try:
        await app.handle_text(ChannelRef("test", "w", "c0"), ADMIN, "/qotd setup time=09:00 tz=UTC days=daily reveal=1h")
        clock.set(DUE)
        await app.tick()
        clock.advance(timedelta(hours=7))
        await app.tick()
        rows = await post_rows(replace(settings))
        assert [r.status for r in rows] == ["skipped"]
        assert "gave up on post" in caplog.text
    finally:
        await app.close()


async def test_a_process_leaves_other_platforms_work_alone(settings):
    clock = FakeClock(BEFORE)
    console_only = await bootstrap(settings, clock=clock, ports={"console": RecordingPort()}, bank=make_bank())
    port = RecordingPort()
    full = await bootstrap(settings, clock=clock, ports={"test": port}, bank=make_bank())
    try:
        await full.handle_text(ChannelRef("test", "w", "c0"), ADMIN, "/qotd setup time=09:00 tz=UTC days=daily reveal=1h")
        clock.set(DUE)
        assert not await console_only.tick()
        assert await console_only.next_due_at() is None
        rows = await post_rows(settings)
        assert rows == []  # nothing claimed by the process that cannot post to this platform
        await full.tick()
        assert len(port.posts) == 1
    finally:
        await console_only.close()
        await full.close()
