"""`qotd run` with Discord and Slack together: one process, one core, one scheduler, both fakes.

Both platforms' schedules are set up first; then the process serves both, and its first tick posts
each platform's question through that platform's own adapter, exactly once each.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import aiohttp
import pytest

from adapters.serve_platforms import serve
from bot.bootstrap import bootstrap
from bot.clock import FakeClock
from bot.config import Settings
from bot.ports import ChannelRef, Member
from tests.conftest import START
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.fake_slack import TEAM_ID, FakeSlack, SlackSender

SETUP = "/qotd setup time=09:00 tz=Europe/Berlin"
ADMIN = Member("1", "Ada", is_admin=True)


@pytest.fixture(autouse=True)
def no_platform_env(monkeypatch):
    import os

    for key in [k for k in os.environ if k.startswith(("SLACK_", "DISCORD_"))]:
        monkeypatch.delenv(key)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def wait_until_up(url: str) -> None:
    for _ in range(200):
        try:
            async with aiohttp.ClientSession() as session, session.get(url) as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError(f"{url} never came up")


async def test_discord_and_slack_run_in_one_process_with_one_scheduler(tmp_path):
    async with FakeDiscord() as discord_fake, FakeSlack() as slack_fake:
        slack_fake.add_user("UADMIN", "Ada", is_admin=True)
        port = free_port()
        env = {
            "DISCORD_TOKEN": discord_fake.token,
            "DISCORD_API_BASE": discord_fake.api_base + "/",
            "DISCORD_TEST_GUILD": str(discord_fake.guild.id),
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "secret",
            "SLACK_API_URL": slack_fake.api_url,
            "SLACK_HOST": "127.0.0.1",
            "SLACK_PORT": str(port),
            "QOTD_TICK_SECONDS": "3600",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'qotd.sqlite3'}",
        }
        settings = Settings.from_env(env)
        assert settings.platforms == ["discord", "slack"]
        setup = await bootstrap(settings, clock=FakeClock(START))
        discord_channel = ChannelRef("discord", str(discord_fake.guild.id), str(discord_fake.qotd_channel.id))
        for channel in (discord_channel, ChannelRef("slack", TEAM_ID, "CQOTD")):
            assert (await setup.handle_text(channel, ADMIN, SETUP)).ok
        await setup.close()

        stop = asyncio.Event()
        with discord_fake.patched():
            serving = asyncio.create_task(
                serve(settings, env, clock=FakeClock(START + timedelta(hours=2)), stop=stop,
                      discord_options={"guild_ready_timeout": 0.05})
            )
            await discord_fake.wait_for_call("POST", f"/channels/{discord_fake.qotd_channel.id}/messages", timeout=10)
            (slack_post,) = await slack_fake.wait_for("chat.postMessage")
            assert slack_post.params["channel"] == "CQOTD"
            await wait_until_up(f"http://127.0.0.1:{port}/healthz")
            # The Slack side takes commands while Discord is connected.
            status, _ = await SlackSender(slack_fake, f"http://127.0.0.1:{port}/slack/events", "secret").slash("UADMIN", "status")
            assert status == 200
            await slack_fake.wait_for("response_url")
            stop.set()
            assert await asyncio.wait_for(serving, 10) == 0
        assert len(slack_fake.calls_to("chat.postMessage")) == 1
        questions = [m for m in discord_fake.channel_messages(discord_fake.qotd_channel) if m.get("embeds")]
        assert len(questions) == 1


async def test_a_platform_that_fails_to_start_stops_the_process_and_starts_nothing_else(tmp_path, caplog):
    async with FakeSlack() as slack_fake:
        slack_fake.fail("auth.test", "", "invalid_auth")
        env = {
            "DISCORD_TOKEN": "discord-token-DO-NOT-PRINT",
            "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",
            "SLACK_BOT_TOKEN": "xoxb-DO-NOT-PRINT",
            "SLACK_SIGNING_SECRET": "secret",
            "SLACK_API_URL": slack_fake.api_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'qotd.sqlite3'}",
        }
        code = await serve(Settings.from_env(env), env)
    assert code == 2
    errors = [r.getMessage() for r in caplog.records if r.levelno >= 40]
    assert errors == ["Slack rejected the bot token (invalid_auth): check SLACK_BOT_TOKEN"]
    assert "DO-NOT-PRINT" not in caplog.text


async def test_without_any_platform_serve_refuses(tmp_path, caplog):
    settings = replace(Settings.from_env({}), database_url=f"sqlite+aiosqlite:///{tmp_path / 'q.sqlite3'}")
    assert await serve(settings, {}) == 2
    assert "no chat platform" in caplog.text


async def test_qotd_run_in_socket_mode_connects_out_and_stops_cleanly(tmp_path, caplog):
    from tests.fakes.fake_slack_socket import FakeSocketMode

    async with FakeSlack() as slack_fake, FakeSocketMode(slack_fake) as socket_fake:
        slack_fake.add_user("UADMIN", "Ada", is_admin=True)
        env = {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_APP_TOKEN": "xapp-1-DO-NOT-PRINT",
            "SLACK_API_URL": slack_fake.api_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'qotd.sqlite3'}",
        }
        stop = asyncio.Event()
        serving = asyncio.create_task(serve(Settings.from_env(env), env, clock=FakeClock(START), stop=stop))
        await socket_fake.wait_connected(1)
        await socket_fake.slash("UADMIN", "setup time=09:00 tz=Europe/Berlin")
        (confirmation,) = await slack_fake.wait_for("response_url")
        assert "Scheduled" in confirmation.params["text"]
        stop.set()
        assert await asyncio.wait_for(serving, 10) == 0
    assert "DO-NOT-PRINT" not in caplog.text
    assert slack_fake.last("apps.connections.open").headers["Authorization"] == "Bearer xapp-1-DO-NOT-PRINT"
