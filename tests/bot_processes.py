"""Real `qotd run` processes on one PostgreSQL database, serving one fake Slack workspace over HTTP.

Shared by the multi-instance and graceful-shutdown tests: start and signal bot processes, read
what reached the fake Slack (who posted what, and how often), and look at the database the way
an operator would (plain SQL through a connection that is closed after every query).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.ports import ChannelRef, Member
from tests.fakes.fake_slack import TEAM_ID, Call, FakeSlack
from tests.support import PG_URL, REPO, _asyncpg_args, run_sync

SIGNING_SECRET = "multi-instance-secret"
ADMIN = Member("UADMIN", "Ada", is_admin=True)
SETUP = "/qotd setup time=09:00 tz=UTC days=daily reveal=1h"


def channel_ids(count: int) -> list[str]:
    return [f"C{n:05d}" for n in range(count)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---- databases ------------------------------------------------------------------------------------


async def schedule_channels(db_url: str, channels: list[str]) -> None:
    """Migrate the database and schedule every channel through the core, as `/qotd setup` in Slack does."""
    app = await bootstrap(replace(Settings.from_env({}), database_url=db_url, content_dir=REPO / "content"))
    try:
        async def some(part: list[str]) -> None:
            for channel_id in part:
                reply = await app.handle_text(ChannelRef("slack", TEAM_ID, channel_id), ADMIN, SETUP)
                assert reply.ok, reply.text

        await asyncio.gather(*(some(channels[n::4]) for n in range(4)))
    finally:
        await app.close()


def clone_database(template_url: str) -> str:
    """A new database copied from `template_url` (PostgreSQL copies the files: much faster than setting up again)."""
    import asyncpg

    name = f"qotd_test_{uuid.uuid4().hex[:10]}"
    template = make_url(template_url).database

    async def create() -> None:
        conn = await asyncpg.connect(**_asyncpg_args(make_url(PG_URL)))
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await conn.close()

    run_sync(create())
    return make_url(template_url).set(database=name).render_as_string(hide_password=False)


async def sql(db_url: str, statement: str, **params) -> list[tuple]:
    """Run one statement in its own connection (closed afterwards, so the test holds no connection)."""
    engine = create_async_engine(db_url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(statement), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


async def status_counts(db_url: str) -> Counter:
    return Counter(dict(await sql(db_url, "SELECT status, count(*) FROM posts GROUP BY status")))


async def make_all_due(db_url: str) -> None:
    """Every schedule due a moment ago (well inside the missed-post grace window)."""
    await sql(db_url, "UPDATE schedules SET next_post_at = now() - interval '1 second'")


async def reveal_all_now(db_url: str) -> None:
    await sql(db_url, "UPDATE posts SET reveal_at = now() - interval '1 second' WHERE status = 'posted'")


async def connections_to(db_url: str) -> int:
    """Sessions PostgreSQL holds open on this database (seen from the server's own database)."""
    rows = await sql(
        PG_URL,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()",
        name=make_url(db_url).database,
    )
    return int(rows[0][0])


# ---- bot processes ----------------------------------------------------------------------------------


def bot_env(db_url: str, fake: FakeSlack, *, port: int, token: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "QOTD_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=db_url,
        SLACK_BOT_TOKEN=token,  # one token per process, so the fake Slack can tell the processes apart
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        SLACK_HOST="127.0.0.1",
        SLACK_PORT=str(port),
        QOTD_TICK_SECONDS="0.5",
        QOTD_CLAIM_TIMEOUT="10s",
        # These tests are about exactly-once, not about Slack's rate limits: no pacing of the fan-out.
        SLACK_RATE_PER_SECOND="0",
        SLACK_CHANNEL_RATE_PER_SECOND="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@dataclass
class BotProcess:
    """One `qotd run` (python -m bot run), its log in a file."""

    name: str
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen | None = None

    @property
    def token(self) -> str:
        return self.env["SLACK_BOT_TOKEN"]

    @property
    def port(self) -> int:
        return int(self.env["SLACK_PORT"])

    def start(self) -> "BotProcess":
        log = self.log_path.open("a")
        log.write(f"---- {self.name} starting\n")
        log.flush()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=REPO, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )
        log.close()
        return self

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    async def wait(self, timeout: float) -> int:
        assert self.proc is not None
        return await asyncio.to_thread(self.proc.wait, timeout)

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    async def stop(self, timeout: float = 20) -> int | None:
        """SIGTERM, then SIGKILL if it does not end within `timeout` (for clean-up only)."""
        if not self.running():
            return self.proc.returncode if self.proc else None
        self.signal(signal.SIGTERM)
        try:
            return await self.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return await self.wait(10)


async def wait_until_listening(bot: BotProcess, timeout: float = 30) -> None:
    """The Slack adapter listens before the scheduler starts: once /healthz answers, the process is serving."""
    import aiohttp

    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{bot.port}/healthz"
    while time.monotonic() < deadline:
        assert bot.running(), f"{bot.name} exited with {bot.proc.returncode}:\n{bot.tail()}"
        try:
            async with aiohttp.ClientSession() as session, session.get(url) as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"{bot.name} never listened on {url}:\n{bot.tail()}")


async def eventually(what: str, check: Callable, *, timeout: float, bots: list[BotProcess] = (), every: float = 0.2):
    """Poll `check` (sync or async) until it returns something truthy; fail with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        for bot in bots:
            if bot.proc is not None and bot.proc.poll() not in (None, -signal.SIGKILL):
                raise AssertionError(f"{bot.name} exited with {bot.proc.returncode} while waiting for {what}:\n{bot.tail()}")
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(every)


# ---- what reached Slack ------------------------------------------------------------------------------


def _ok(call: Call) -> bool:
    return bool(call.response and call.response.get("ok"))


def is_question_post(call: Call) -> bool:
    """A question posted: a top-level chat.postMessage Slack accepted."""
    return call.method == "chat.postMessage" and _ok(call) and not call.params.get("thread_ts")


def is_reveal_post(call: Call) -> bool:
    """A reveal shown: the reference answer, posted in the question's thread."""
    return call.method == "chat.postMessage" and _ok(call) and bool(call.params.get("thread_ts"))


def question_posts(fake: FakeSlack) -> list[Call]:
    return [c for c in fake.calls_to("chat.postMessage") if is_question_post(c)]


def reveal_posts(fake: FakeSlack) -> list[Call]:
    return [c for c in fake.calls_to("chat.postMessage") if is_reveal_post(c)]


def token_of(call: Call) -> str:
    return (call.headers.get("Authorization") or "").removeprefix("Bearer ")


def per_channel(calls: list[Call]) -> Counter:
    return Counter(str(c.params.get("channel")) for c in calls)


class SlowSlack(FakeSlack):
    """The fake Slack, slow or stuck on chat.postMessage.

    Each chat.postMessage waits `delay` seconds, and while `gate` is an Event that is not set, it
    waits for the gate too (Slack hangs). A request whose client has gone away by then never
    reached Slack: it is dropped with no effect and counted in `dropped`.
    """

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay
        self.gate: asyncio.Event | None = None
        self.waiting = 0  # chat.postMessage requests held at the gate right now
        self.dropped = 0

    async def _api(self, request):
        if request.match_info["method"] == "chat.postMessage":
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.gate is not None and not self.gate.is_set():
                self.waiting += 1
                try:
                    await self.gate.wait()
                finally:
                    self.waiting -= 1
            if request.transport is None or request.transport.is_closing():
                self.dropped += 1
                return web.Response(status=499)
        return await super()._api(request)
