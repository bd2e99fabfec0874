"""SIGTERM to a real `qotd run` in the middle of a fan-out: it finishes what it holds, lets go of the rest, exits 0.

Slack answers every chat.postMessage slowly here, so the fan-out is still under way when the
signal comes. The process must take no new claim, finish the posts already on their way, close
its database connections and exit 0 within a few seconds; nothing may be left `claimed` for the
claim timeout. A restart right after posts everything that remains, each channel exactly once.

When Slack hangs instead, the posts in flight are abandoned after QOTD_SHUTDOWN_GRACE, the process
still exits 0, and their claims are let go of so the restart posts them at once, not after the
claim timeout.
"""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from bot.bootstrap import bootstrap
from bot.clock import FakeClock
from bot.ports import ChannelRef, Member
from bot.scheduler import Ticker
from bot.services.claim_release import release_unfinished_claims
from tests.bot_processes import (
    BotProcess,
    SlowSlack,
    bot_env,
    channel_ids,
    connections_to,
    eventually,
    free_port,
    make_all_due,
    per_channel,
    question_posts,
    schedule_channels,
    sql,
    status_counts,
    wait_until_listening,
)
from tests.support import (
    PG_URL,
    RecordingPort,
    create_pg_database,
    drop_pg_database,
    make_bank,
)

CHANNELS = 200
SLACK_DELAY = 1.0  # seconds Slack takes to answer each chat.postMessage
IN_FLIGHT = 8  # QOTD_POST_CONCURRENCY: posts one process has on their way at once
CLAIM_TIMEOUT = 60  # seconds; longer than a test takes, so a claim left behind cannot be taken over in time
# SIGTERM to exit: the posts in flight need one SLACK_DELAY, and stopping the process a moment more.
PROMPT_EXIT = 10.0
ADMIN = Member("admin", "Admin", is_admin=True)
BEFORE = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
DUE = datetime(2026, 11, 23, 9, 0, 30, tzinfo=timezone.utc)

needs_postgresql = pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set; PostgreSQL tests are skipped")


@pytest.fixture
async def scheduled_pg():
    """A PostgreSQL database of its own with CHANNELS Slack channels scheduled through the core."""
    url = create_pg_database()
    try:
        await schedule_channels(url, channel_ids(CHANNELS))
        yield url
    finally:
        drop_pg_database(url)


def start_bot(db_url: str, slack: SlowSlack, log_dir, **settings: str) -> tuple[dict, BotProcess]:
    """A real `qotd run` in Slack HTTP mode on `db_url`, posting to `slack`; returns its environment and process."""
    env = bot_env(db_url, slack, port=free_port(), token="xoxb-qotd-0", QOTD_CLAIM_TIMEOUT=f"{CLAIM_TIMEOUT}s", **settings)
    return env, BotProcess("qotd", env, log_dir / "qotd.log").start()


async def fan_out_under_way(bot: BotProcess, db_url: str, slack: SlowSlack) -> None:
    await wait_until_listening(bot)
    await make_all_due(db_url)
    await eventually("the fan-out to be under way", lambda: len(question_posts(slack)) >= 20, timeout=60, bots=[bot])


async def restart_posts_the_rest(env: dict, first: BotProcess, db_url: str, timeout: float) -> BotProcess:
    """A second process right after the first: it posts every question still missing, then stops cleanly."""
    restarted = BotProcess("qotd-restarted", env, first.log_path).start()
    await eventually("the remaining questions to be posted", lambda: _all_posted(db_url), timeout=timeout, bots=[restarted])
    restarted.signal(signal.SIGTERM)
    assert await restarted.wait(PROMPT_EXIT) == 0, restarted.tail()
    return restarted


async def assert_each_channel_posted_once(slack: SlowSlack, db_url: str) -> None:
    assert per_channel(question_posts(slack)) == {channel: 1 for channel in channel_ids(CHANNELS)}
    rows = await sql(db_url, "SELECT channel_id, message_id FROM posts WHERE status = 'posted'")
    assert dict(rows) == {str(c.params["channel"]): c.response["ts"] for c in question_posts(slack)}


@needs_postgresql
async def test_sigterm_mid_fan_out_finishes_in_flight_posts_and_a_restart_posts_the_rest_once(scheduled_pg, tmp_path):
    db_url = scheduled_pg
    async with SlowSlack(SLACK_DELAY) as slack:
        slack.channels.update(channel_ids(CHANNELS))
        env, first = start_bot(db_url, slack, tmp_path, QOTD_POST_CONCURRENCY=str(IN_FLIGHT))
        restarted = None
        try:
            await fan_out_under_way(first, db_url, slack)

            first.signal(signal.SIGTERM)
            signalled, posted_at_signal = time.monotonic(), len(question_posts(slack))
            code = await first.wait(PROMPT_EXIT)
            took = time.monotonic() - signalled
            assert code == 0, first.tail()
            posted_by_first = len(question_posts(slack))
            assert posted_by_first < CHANNELS, "the fan-out was over before the signal; slow Slack down"
            # No new claim after the signal: only the posts already on their way went out (IN_FLIGHT at
            # a time; twice that allows for one finishing while the signal was on its way). Without the
            # stop, the fan-out would go on at IN_FLIGHT posts a second until all were out.
            assert posted_by_first - posted_at_signal <= 2 * IN_FLIGHT

            # What it had started, it finished: nothing abandoned, nothing left claimed, Slack holds each once.
            assert slack.dropped == 0
            assert await status_counts(db_url) == {"posted": posted_by_first}
            assert max(per_channel(question_posts(slack)).values()) == 1
            # It closed its database connections on the way out (PostgreSQL ends a session a moment after).
            assert "database connections closed" in first.log()
            await eventually("its PostgreSQL sessions to end", lambda: _none(connections_to(db_url)), timeout=5)

            # A restart picks up the rest (and anything the first let go of), each channel exactly once.
            slack.delay = 0
            restarted = await restart_posts_the_rest(env, first, db_url, timeout=60)
        finally:
            for bot in (first, restarted):
                if bot is not None:
                    await bot.stop()
        await assert_each_channel_posted_once(slack, db_url)
        print(f"SIGTERM after {posted_by_first} of {CHANNELS} questions: exited 0 in {took:.1f} s")


async def _none(count) -> bool:
    return await count == 0


async def _all_posted(db_url: str) -> bool:
    counts = await status_counts(db_url)
    return counts["posted"] == CHANNELS == sum(counts.values())


@needs_postgresql
async def test_sigterm_while_slack_hangs_abandons_the_posts_after_the_grace_and_lets_go_of_their_claims(scheduled_pg, tmp_path):
    db_url = scheduled_pg
    async with SlowSlack() as slack:
        slack.channels.update(channel_ids(CHANNELS))
        env, first = start_bot(db_url, slack, tmp_path, QOTD_SHUTDOWN_GRACE="2s")
        restarted = None
        try:
            await fan_out_under_way(first, db_url, slack)
            slack.gate = asyncio.Event()  # from now on Slack takes requests in and never answers
            await eventually("posts to hang in Slack", lambda: slack.waiting > 0, timeout=30, bots=[first])

            first.signal(signal.SIGTERM)
            signalled = time.monotonic()
            code = await first.wait(PROMPT_EXIT)
            took = time.monotonic() - signalled
            assert code == 0, first.tail()
            assert "abandoning it" in first.log()
            posted_by_first = len(question_posts(slack))
            # The abandoned posts' claims were let go of: stale at once, not after the claim timeout.
            claimed = await sql(
                db_url, "SELECT claimed_at < now() - make_interval(secs => :seconds) FROM posts WHERE status = 'claimed'",
                seconds=CLAIM_TIMEOUT,
            )
            assert claimed and all(released for (released,) in claimed), claimed
            await eventually("its PostgreSQL sessions to end", lambda: _none(connections_to(db_url)), timeout=5)

            slack.gate.set()  # Slack recovers; what the first process gave up on never reached it
            await eventually("the abandoned requests to be dropped", lambda: slack.waiting == 0, timeout=10)
            started = time.monotonic()
            restarted = await restart_posts_the_rest(env, first, db_url, timeout=40)
            assert time.monotonic() - started < CLAIM_TIMEOUT + PROMPT_EXIT  # not held back by the claim timeout
        finally:
            if slack.gate is not None:
                slack.gate.set()
            for bot in (first, restarted):
                if bot is not None:
                    await bot.stop()
        assert slack.dropped >= 1
        await assert_each_channel_posted_once(slack, db_url)
        print(f"SIGTERM with Slack hanging, after {posted_by_first} of {CHANNELS} questions: exited 0 in {took:.1f} s, "
              f"{len(claimed)} claims let go of")


# ---- the same rules in one process, on SQLite and PostgreSQL ----------------------------------------


async def claimed_channels(app) -> list[str]:
    async with app.ctx.engine.connect() as conn:
        return list((await conn.execute(text("SELECT channel_id FROM posts WHERE status = 'claimed'"))).scalars())


class HangingPort(RecordingPort):
    """Posts `answered` questions, then hangs on every further one until `release` is set."""

    def __init__(self, answered: int) -> None:
        super().__init__()
        self.answered = answered
        self.release = asyncio.Event()
        self.hanging = 0

    async def post_question(self, channel, post):
        if len(self.posts) >= self.answered:
            self.hanging += 1
            await self.release.wait()
        return await super().post_question(channel, post)


async def test_a_stopping_ticker_abandons_hung_work_after_the_grace_and_lets_go_of_its_claims(settings):
    clock = FakeClock(BEFORE)
    port = HangingPort(answered=3)
    app = await bootstrap(settings, clock=clock, ports={"test": port}, bank=make_bank())
    other_port = RecordingPort()
    other = await bootstrap(settings, clock=clock, ports={"test": other_port}, bank=make_bank(), migrate=False)
    try:
        for n in range(10):
            reply = await app.handle_text(ChannelRef("test", "w", f"c{n}"), ADMIN, "/qotd setup time=09:00 tz=UTC days=daily reveal=1h")
            assert reply.ok, reply.text
        clock.set(DUE)
        ticker = Ticker(app, 3600).start()
        await eventually("posts to hang", lambda: port.hanging > 0, timeout=10)
        assert await ticker.stop(grace=0.2) is False  # the platform hangs: abandoned after the grace
        assert len(port.posts) == 3 and app.ctx.stopping
        abandoned = set(await claimed_channels(app))
        assert len(abandoned) == port.hanging

        # Until they are let go of, another instance leaves the abandoned claims alone (their owner
        # might still be at work); it posts only what nobody had claimed.
        await other.tick()
        assert not abandoned & {c.channel_id for c, _ in other_port.posts}
        assert set(await claimed_channels(app)) == abandoned
        assert await release_unfinished_claims(app.ctx) == len(abandoned)
        assert await release_unfinished_claims(app.ctx) == 0  # once is enough
        await other.tick()  # its next tick takes them over at once, not after the claim timeout
        channels = [c.channel_id for c, _ in port.posts + other_port.posts]
        assert sorted(channels) == sorted(f"c{n}" for n in range(10))
        assert await claimed_channels(app) == []
    finally:
        port.release.set()
        await app.close()
        await other.close()


async def test_a_stopping_ticker_lets_the_work_in_hand_finish_within_the_grace(settings):
    clock = FakeClock(BEFORE)
    port = HangingPort(answered=3)
    app = await bootstrap(settings, clock=clock, ports={"test": port}, bank=make_bank())
    try:
        for n in range(10):
            await app.handle_text(ChannelRef("test", "w", f"c{n}"), ADMIN, "/qotd setup time=09:00 tz=UTC days=daily reveal=1h")
        clock.set(DUE)
        ticker = Ticker(app, 3600).start()
        await eventually("posts to hang", lambda: port.hanging > 0, timeout=10)
        stopping = asyncio.create_task(ticker.stop(grace=30))
        await eventually("the ticker to stop taking claims", lambda: app.ctx.stopping, timeout=10)
        port.release.set()  # the platform answers after all
        assert await stopping is True
        assert len(port.posts) == 3 + port.hanging  # the claimed ones were posted; no others were claimed
        assert await release_unfinished_claims(app.ctx) == 0
        async with app.ctx.engine.connect() as conn:
            statuses = (await conn.execute(text("SELECT status FROM posts"))).scalars().all()
        assert set(statuses) == {"posted"} and len(statuses) == len(port.posts)
    finally:
        port.release.set()
        await app.close()
