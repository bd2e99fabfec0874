"""Operators' view of a running bot: /healthz, /livez, /metrics, and JSON log lines with ids."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from datetime import timedelta

import aiohttp
import pytest

from adapters.serve_platforms import serve
from bot.config import ConfigError, Settings
from bot.log_setup import configure_logging, log_context
from tests.conftest import ALICE, START
from tests.fakes.fake_slack import FakeSlack
from tests.test_serve_platforms import free_port
from tests.test_lifecycle import advance_to, answer, setup


@pytest.fixture(autouse=True)
def no_platform_env(monkeypatch):
    import os

    for key in [k for k in os.environ if k.startswith(("SLACK_", "DISCORD_"))]:
        monkeypatch.delenv(key)


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def wait_for_status(url: str, wanted: int) -> str:
    for _ in range(200):
        try:
            status, body = await get(url)
            if status == wanted:
                return body
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError(f"{url} never answered {wanted}")


async def test_healthz_livez_and_metrics_while_serving_slack(tmp_path):
    from bot.clock import FakeClock

    async with FakeSlack() as fake:
        fake.add_user("UADMIN", "Ada", is_admin=True)
        ops_port, slack_port = free_port(), free_port()
        env = {
            "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "secret", "SLACK_API_URL": fake.api_url,
            "SLACK_HOST": "127.0.0.1", "SLACK_PORT": str(slack_port),
            "QOTD_OPS_HOST": "127.0.0.1", "QOTD_OPS_PORT": str(ops_port), "QOTD_TICK_SECONDS": "3600",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'qotd.sqlite3'}",
        }
        stop = asyncio.Event()
        serving = asyncio.create_task(serve(Settings.from_env(env), env, clock=FakeClock(START), stop=stop))
        body = json.loads(await wait_for_status(f"http://127.0.0.1:{ops_port}/healthz", 200))
        assert body == {"status": "ok", "database": "ok", "adapters": {"slack": "connected"}}
        assert (await get(f"http://127.0.0.1:{ops_port}/livez"))[0] == 200
        status, page = await get(f"http://127.0.0.1:{ops_port}/metrics")
        assert status == 200
        for name in ("qotd_posts_total", "qotd_reveals_total", "qotd_answers_total", "qotd_command_seconds",
                     "qotd_scheduler_lag_seconds", "qotd_platform_errors_total", "qotd_rate_limit_wait_seconds_total"):
            assert name in page, name
        stop.set()
        assert await asyncio.wait_for(serving, 10) == 0


async def test_healthz_is_503_when_the_database_is_gone(app):
    from adapters.ops_server import ops_app

    class Up:
        name = "console"

        def connected(self) -> bool:
            return True

    from aiohttp.test_utils import TestServer

    from bot.db.engine import create_engine

    real = app.ctx.engine
    app.ctx.engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none")  # nothing listens there
    try:
        server = TestServer(ops_app(app, [Up()]), host="127.0.0.1")
        await server.start_server()
        try:
            status, body = await get(str(server.make_url("/healthz")))
        finally:
            await server.close()
    finally:
        await app.ctx.engine.dispose()
        app.ctx.engine = real
    assert status == 503 and json.loads(body)["database"] == "unreachable"


async def test_metrics_count_commands_answers_and_due_work(app, clock):
    from bot import metrics

    def value(name: str, **labels) -> float:
        return metrics.REGISTRY.get_sample_value(name, labels or None) or 0.0

    posts, reveals = value("qotd_posts_total"), value("qotd_reveals_total")
    on_time = value("qotd_answers_total", platform="test", outcome="on_time")
    commands = value("qotd_command_seconds_count", platform="test", command="setup")
    await setup(app)
    await advance_to(app, clock, 2)
    await answer(app, ALICE)
    await advance_to(app, clock, 10)
    assert value("qotd_posts_total") == posts + 1 and value("qotd_reveals_total") == reveals + 1
    assert value("qotd_answers_total", platform="test", outcome="on_time") == on_time + 1
    assert value("qotd_command_seconds_count", platform="test", command="setup") == commands + 1
    clock.advance(timedelta(days=1))  # the next post is overdue when this tick starts
    await app.tick()
    assert value("qotd_scheduler_lag_seconds") > 0


def test_json_logs_carry_the_ids_of_what_they_are_about():
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging("INFO", "json", stream)
        with log_context(post_id=42, action="post"):
            logging.getLogger("qotd.test").info("posting %s", "now")
        logging.getLogger("qotd.test").warning("outside")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "posting now" and first["post_id"] == 42 and first["action"] == "post"
    assert first["level"] == "INFO" and first["logger"] == "qotd.test" and first["time"].endswith("+00:00")
    assert "post_id" not in second


def test_ops_and_log_settings_are_checked():
    assert Settings.from_env({"QOTD_OPS_PORT": "9100", "QOTD_LOG_FORMAT": "json"}).ops_port == 9100
    with pytest.raises(ConfigError, match="QOTD_OPS_PORT"):
        Settings.from_env({"QOTD_OPS_PORT": "http"})
    with pytest.raises(ConfigError, match="QOTD_LOG_FORMAT"):
        Settings.from_env({"QOTD_LOG_FORMAT": "xml"})
