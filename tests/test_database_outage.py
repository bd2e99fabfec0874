"""The bot lives through a database outage: nothing a member was told was saved is lost, nobody is
told "saved" for an answer that was not, commands fail politely, and everything works again once
the database is back, without a restart.

The PostgreSQL tests stop and start a private server of their own (tests/private_postgres.py), never
the shared one; they skip without TEST_DATABASE_URL, like every other PostgreSQL test.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
import uuid
from dataclasses import replace
from datetime import timedelta

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from adapters.ops_server import ops_app
from bot.bootstrap import bootstrap
from bot.clock import FakeClock
from bot.config import Settings
from bot.db.engine import create_engine, is_unavailable
from bot.db.tables import answer_edits, answers
from bot.errors import DatabaseUnavailable
from bot.ports import Member
from bot.scheduler import Ticker
from tests.conftest import ALICE, BOB, CHANNEL, START
from tests.private_postgres import private_postgres  # noqa: F401 - the fixture
from tests.support import REPO, RecordingPort, make_bank
from tests.test_lifecycle import advance_to, answer, setup

CAROL = Member("u-carol", "carol")
DAVE = Member("u-dave", "dave")
OUTAGE_SECONDS = 10
NOT_SAVED = "your answer could not be saved: the database is unavailable right now. Please send it again in a minute."


class Up:
    """An adapter that is always connected, so /healthz speaks only about the database."""

    name = "test"

    def connected(self) -> bool:
        return True


async def new_app(url: str, port: RecordingPort, clock: FakeClock):
    settings = replace(Settings.from_env({}), database_url=url, content_dir=REPO / "content")
    return await bootstrap(settings, clock=clock, ports={"test": port}, rng=random.Random(7), bank=make_bank())


async def healthz(server: TestServer) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.get(str(server.make_url("/healthz"))) as response:
        return response.status, json.loads(await response.text())


async def eventually(condition, seconds: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def assert_not_saved(reply) -> None:
    assert not reply.ok and reply.private, reply
    assert reply.data["outcome"] == "unavailable"
    assert reply.text == f"Sorry, {NOT_SAVED}"


async def saved_answers(app) -> set[tuple[str, str]]:
    async with app.ctx.engine.connect() as conn:
        return {(row.member_id, row.text) for row in await conn.execute(select(answers.c.member_id, answers.c.text))}


async def test_a_ten_second_postgresql_outage_loses_nothing_and_heals_itself(private_postgres, caplog):  # noqa: F811
    caplog.set_level(logging.WARNING)
    pg = private_postgres
    url = pg.create_database(f"qotd_outage_{uuid.uuid4().hex[:8]}")
    port, clock = RecordingPort(), FakeClock(START)
    app = await new_app(url, port, clock)
    ticker = None
    ops = TestServer(ops_app(app, [Up()]), host="127.0.0.1")
    await ops.start_server()
    try:
        await setup(app)
        await advance_to(app, clock, 2)  # the question is posted at 09:00 Berlin
        assert len(port.posts) == 1
        acknowledged: dict[str, str] = {}  # member id -> the text they were told was saved
        told_not_saved: list[tuple[str, str]] = []

        reply = await answer(app, ALICE, "alice before the outage")
        assert reply.ok and "Answer recorded for question #1" in reply.text
        acknowledged[ALICE.id] = "alice before the outage"
        ticker = Ticker(app, 0.2).start()  # the real scheduler, ticking five times a second
        assert (await healthz(ops))[0] == 200

        # Carol's answer is in the middle of its transaction when the server goes down: another
        # session holds a lock on the answers table, so her statement waits on the server.
        target = make_url(url)
        holder = await asyncpg.connect(host=target.host, port=target.port, user="postgres", database=target.database)
        await holder.execute("BEGIN; LOCK TABLE answers IN ACCESS EXCLUSIVE MODE")
        in_flight = asyncio.create_task(answer(app, CAROL, "carol in flight"))
        for _ in range(200):
            waiting = await holder.fetchval("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            if waiting:
                break
            await asyncio.sleep(0.05)
        assert waiting, "Carol's answer never reached the server"

        await asyncio.to_thread(pg.stop, "fast")
        down_since = time.monotonic()
        holder.terminate()

        carol = await asyncio.wait_for(in_flight, 10)
        assert_not_saved(carol)
        told_not_saved.append((CAROL.id, "carol in flight"))

        started = time.monotonic()
        bob = await answer(app, BOB, "bob during the outage")
        assert time.monotonic() - started < 6, "an answer must fail fast, not hang, while the database is down"
        assert_not_saved(bob)
        told_not_saved.append((BOB.id, "bob during the outage"))

        status = await app.handle_text(CHANNEL, ALICE, "/qotd status")
        assert not status.ok and status.private and status.data["outcome"] == "unavailable"
        assert status.text == "Sorry, the database is unavailable right now, so this could not be done. Please try again in a minute."

        code, body = await healthz(ops)
        assert code == 503 and body["database"] == "unreachable"

        with pytest.raises(DatabaseUnavailable, match="the database is unavailable"):
            await app.tick()  # what the scheduler sees; it logs this and ticks again
        await eventually(
            lambda: any("scheduler tick failed: the database is unavailable" in r.getMessage() for r in caplog.records),
            what="the scheduler to report a failed tick",
        )

        await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_since)))
        again = await answer(app, DAVE, "dave at the end of the outage")
        assert_not_saved(again)
        told_not_saved.append((DAVE.id, "dave at the end of the outage"))
        assert ticker.scheduler.running and ticker.jobs() == ["qotd-tick"], "the scheduler must keep running"
        failed_ticks = sum("scheduler tick failed" in r.getMessage() for r in caplog.records)
        assert failed_ticks >= 10, failed_ticks  # it kept trying all along

        await asyncio.to_thread(pg.start)

        # Back up: no restart of the bot, stale pooled connections are replaced on their own.
        reply = await answer(app, BOB, "bob after the outage")
        assert reply.ok and "Answer recorded for question #1" in reply.text, reply
        acknowledged[BOB.id] = "bob after the outage"
        reply = await answer(app, DAVE, "dave after the outage")
        assert reply.ok and reply.data["outcome"] == "on_time", reply
        acknowledged[DAVE.id] = "dave after the outage"
        status = await app.handle_text(CHANNEL, ALICE, "/qotd status")
        assert status.ok and "Open question: #1" in status.text
        assert (await healthz(ops))[0] == 200

        clock.advance(timedelta(hours=8))  # the reveal is due; the running scheduler does it
        await eventually(lambda: len(port.reveals) == 1, what="the reveal after the outage")
        assert port.reveals[0][1].answered_on_time == ("alice", "bob", "dave")

        stored = await saved_answers(app)
        assert stored == set(acknowledged.items())  # everything acknowledged is there...
        assert not stored & set(told_not_saved)  # ...and nothing the member was told was lost
        async with app.ctx.engine.connect() as conn:
            assert (await conn.execute(select(func.count()).select_from(answer_edits))).scalar() == 0

        outages = [r for r in caplog.records if r.name == "bot.bootstrap" and "database is unavailable" in r.getMessage()]
        assert len(outages) == 4  # once per failed request: Carol, Bob, the status command, Dave
        for record in outages:
            assert record.levelno == logging.WARNING and record.exc_info is None
            assert "SELECT" not in record.getMessage() and "INSERT" not in record.getMessage()
    finally:
        if ticker is not None:
            await ticker.stop()
        await ops.close()
        await app.close()
        if not pg.running:
            await asyncio.to_thread(pg.start)  # leave the session's server running for the next test


async def test_pooled_connections_survive_server_restarts(private_postgres):  # noqa: F811
    pg = private_postgres
    url = pg.create_database(f"qotd_restart_{uuid.uuid4().hex[:8]}")
    port, clock = RecordingPort(), FakeClock(START)
    app = await new_app(url, port, clock)
    try:
        await setup(app)
        await advance_to(app, clock, 2)

        async def sleep_query(seconds: float):
            async with app.ctx.engine.connect() as conn:
                return (await conn.execute(text(f"SELECT pg_sleep({seconds})"))).scalar()

        await asyncio.gather(*(sleep_query(0.1) for _ in range(4)))  # four connections now idle in the pool

        # 1. An abrupt restart (a crash, a failover) while the pool holds idle connections: the
        # first requests afterwards just work (each pooled connection is pinged before use).
        await asyncio.to_thread(pg.restart, "immediate")
        replies = await asyncio.gather(*(answer(app, m, f"{m.name} after a restart") for m in (ALICE, BOB, CAROL)))
        assert all(r.ok for r in replies), replies
        assert (await app.handle_text(CHANNEL, ALICE, "/qotd status")).ok

        # 2. A connection held open across a restart fails as an outage when next used; the rest go on.
        checked_out = await app.ctx.engine.connect()
        await checked_out.execute(text("SELECT 1"))
        await asyncio.to_thread(pg.restart, "immediate")
        with pytest.raises(Exception) as held:
            await checked_out.execute(text("SELECT 1"))
        assert is_unavailable(held.value)
        await checked_out.close()
        assert (await app.handle_text(CHANNEL, BOB, "/qotd status")).ok

        # 3. A clean restart while a statement is running on the server.
        running = asyncio.create_task(sleep_query(30))
        await asyncio.sleep(0.3)
        await asyncio.to_thread(pg.restart, "fast")
        with pytest.raises(Exception) as cut:
            await asyncio.wait_for(running, 10)
        assert is_unavailable(cut.value)
        assert (await answer(app, DAVE, "dave after the second restart")).ok
        report = await app.tick()
        assert report.failed == 0
        assert len(await saved_answers(app)) == 4
    finally:
        await app.close()
        if not pg.running:
            await asyncio.to_thread(pg.start)


async def test_an_unreachable_database_gets_polite_replies_and_bugs_still_raise(app, caplog, monkeypatch):
    """Without a server to stop (SQLite, or no TEST_DATABASE_URL): a database nothing listens on."""
    await setup(app)
    real = app.ctx.engine
    app.ctx.engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none")  # connection refused
    try:
        with caplog.at_level(logging.WARNING, logger="bot.bootstrap"):
            assert_not_saved(await answer(app, ALICE, "lost?"))
            status = await app.handle_text(CHANNEL, ALICE, "/qotd status")
        assert not status.ok and status.data["outcome"] == "unavailable"
        assert [r.levelname for r in caplog.records if r.name == "bot.bootstrap"] == ["WARNING", "WARNING"]
        assert "ConnectionRefusedError" in caplog.records[-1].getMessage()
        with pytest.raises(DatabaseUnavailable):
            await app.tick()
    finally:
        await app.ctx.engine.dispose()
        app.ctx.engine = real
    assert await saved_answers(app) == set()

    # Not an outage: a bug, or a chat platform's network error, is never passed off as one.
    async def broken(ctx, event):
        raise ConnectionError("platform unavailable")

    monkeypatch.setattr("bot.bootstrap.submit_answer", broken)
    with pytest.raises(ConnectionError):
        await answer(app, ALICE, "x")
    assert not is_unavailable(ConnectionError("platform unavailable"))
    assert not is_unavailable(KeyError("post"))
