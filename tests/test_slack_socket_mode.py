"""The Slack adapter over Socket Mode, end to end: the real Bolt app and `AsyncSocketModeHandler`.

Each test builds the product's Bolt app (`build_slack_app`) over `bootstrap(...)`, connects it with
`connect_socket_mode` to a fake Socket Mode server (FakeSocketMode, whose ws:// URL FakeSlack's
`apps.connections.open` hands out), pushes envelopes the way Slack does, and asserts on the acks
the app sends back and on the Web API / response_url calls FakeSlack recorded.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import random
import socket
import warnings
from dataclasses import dataclass, replace

import aiohttp
import pytest
from sqlalchemy import func, select

from adapters.slack.app import build_slack_app
from adapters.slack.blocks import ANSWER_ACTION, ANSWER_BLOCK, ANSWER_INPUT
from adapters.slack.settings import SlackConfigError, SlackSettings
from adapters.slack.socket_mode import SocketModeConnection, connect_socket_mode
from bot.bootstrap import Qotd, bootstrap
from bot.clock import FakeClock
from bot.config import Settings
from bot.db.tables import answers, schedules
from tests.conftest import START
from tests.fakes.fake_slack import TEAM_ID, FakeSlack
from tests.fakes.fake_slack_socket import FakeSocketMode
from tests.support import REPO, make_bank
from tests.test_slack_adapter import CHANNEL, SETUP, all_text, post_scheduled, question_ts, rows, thread_reply

APP_TOKEN = "xapp-1-AQOTD-test-app-token"
BOT_TOKEN = "xoxb-test"
SOCKET_TASKS = ("SocketModeClient", "AsyncBaseSocketModeClient", "SocketModeConnection")


@dataclass
class SocketBot:
    fake: FakeSlack
    socket: FakeSocketMode
    app: Qotd
    clock: FakeClock
    connection: SocketModeConnection


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    import os

    for key in [k for k in os.environ if k.startswith("SLACK_") or k.lower() in ("http_proxy", "https_proxy")]:
        monkeypatch.delenv(key)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def qotd_settings(tmp_path) -> Settings:
    return replace(
        Settings.from_env({}), database_url=f"sqlite+aiosqlite:///{tmp_path / 'qotd.sqlite3'}", content_dir=REPO / "content"
    )


def slack_settings(fake: FakeSlack, **overrides) -> SlackSettings:
    return SlackSettings(**{"bot_token": BOT_TOKEN, "app_token": APP_TOKEN, "api_url": fake.api_url, **overrides})


@pytest.fixture
async def bot(qotd_settings, clock):
    async with FakeSlack() as fake, FakeSocketMode(fake) as fake_socket:
        fake.add_user("UADMIN", "Ada", is_admin=True)
        fake.add_user("UALICE", "alice")
        fake.add_user("UBOB", "bob")
        app = await bootstrap(qotd_settings, clock=clock, rng=random.Random(7), bank=make_bank())
        settings = slack_settings(fake)
        assert settings.mode == "socket"
        connection = await connect_socket_mode(build_slack_app(app, settings), settings)
        try:
            yield SocketBot(fake, fake_socket, app, clock, connection)
        finally:
            await connection.close()
            await app.close()


def socket_tasks() -> list[asyncio.Task]:
    """Unfinished tasks that belong to the Socket Mode client or our connection wrapper."""
    return [t for t in asyncio.all_tasks() if not t.done() and any(n in t.get_coro().__qualname__ for n in SOCKET_TASKS)]


async def until(condition, what: str, timeout: float = 5.0) -> None:
    """Tiny polling for things that leave no call behind (a log line)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def command(bot: SocketBot, user: str, text: str, channel: str = CHANNEL) -> dict:
    """Run `/qotd text` over the websocket; returns what the command posted to its response_url."""
    before = len(bot.fake.calls_to("response_url"))
    loop = asyncio.get_running_loop()
    started = loop.time()
    envelope_id = await bot.socket.slash(user, text, channel)
    ack = await bot.socket.ack(envelope_id)
    assert ack == {"envelope_id": envelope_id}, ack  # an empty ack, well inside Slack's 3 s
    assert loop.time() - started < 1.0
    return (await bot.fake.wait_for("response_url", before + 1))[before].params


async def set_up(bot: SocketBot, extra: str = "") -> None:
    reply = await command(bot, "UADMIN", f"{SETUP} {extra}".strip())
    assert reply["response_type"] == "in_channel" and "Scheduled" in reply["text"], reply


# --------------------------------------------------------------------------------------------------


async def test_connecting_opens_the_websocket_with_the_app_token(bot: SocketBot):
    (opened,) = bot.fake.calls_to("apps.connections.open")
    assert opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"
    connection = bot.socket.current
    assert connection.query["app_id"] == "AQOTD" and connection.query["ticket"]
    assert bot.connection.hello.is_set() and bot.connection.connections_open == 1
    await bot.socket.ping()  # the client answers the server's pings ...
    await until(lambda: connection.pings, "the client's first ping")
    assert connection.pings[0].startswith(b"sdk-ping-pong:")  # ... and pings itself (answered by the fake)
    assert not bot.connection.closed


async def test_setup_by_an_admin_is_acked_with_its_envelope_id_and_confirmed(bot: SocketBot, caplog):
    caplog.set_level(logging.DEBUG)
    await set_up(bot)
    (schedule,) = await rows(bot.app, select(schedules))
    assert schedule.platform == "slack" and schedule.workspace_id == TEAM_ID and schedule.channel_id == CHANNEL
    assert bot.fake.last("users.info").params["user"] == "UADMIN"
    assert bot.fake.last("users.info").headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert caplog.text and APP_TOKEN not in caplog.text and BOT_TOKEN not in caplog.text


async def test_setup_is_refused_ephemerally_for_a_plain_member(bot: SocketBot):
    reply = await command(bot, "UALICE", SETUP)
    assert reply["response_type"] == "ephemeral" and "only admins" in reply["text"], reply
    assert await rows(bot.app, select(schedules)) == []


async def test_a_scheduled_post_and_a_thread_reply_retried_by_slack_count_once(bot: SocketBot, caplog):
    caplog.set_level(logging.DEBUG, logger="adapters.slack")
    await set_up(bot)
    question, post_id = await post_scheduled(bot)
    assert question["channel"] == CHANNEL and "Question #1" in all_text(question) and post_id > 0

    event = thread_reply(bot, "UALICE", "An index speeds up reads.", "msg-alice-1")
    first = await bot.socket.event(event, event_id="EvALICE")
    assert await bot.socket.ack(first) == {"envelope_id": first}
    ack = (await bot.fake.wait_for("chat.postEphemeral"))[0].params
    assert ack["user"] == "UALICE" and ack["thread_ts"] == question_ts(bot) and "Answer recorded" in ack["text"]

    retry = await bot.socket.event(event, event_id="EvALICE", retry_attempt=1, retry_reason="timeout")
    assert retry != first and await bot.socket.ack(retry) == {"envelope_id": retry}
    await until(lambda: "not acknowledged: duplicate" in caplog.text, "the retry to be recognised as a duplicate")
    (count,) = (await rows(bot.app, select(func.count()).select_from(answers)))[0]
    assert count == 1
    assert len(bot.fake.calls_to("chat.postEphemeral")) == 1
    assert len(bot.fake.calls_to("chat.postMessage")) == 1  # the question only: a visible reply is not echoed


async def test_the_answer_button_opens_a_modal_and_the_submission_is_recorded(bot: SocketBot):
    await set_up(bot, "mode=private")
    _, post_id = await post_scheduled(bot)
    click = await bot.socket.click("UBOB", ANSWER_ACTION, str(post_id), message_ts=question_ts(bot))
    assert await bot.socket.ack(click) == {"envelope_id": click}
    opened = (await bot.fake.wait_for("views.open"))[0].params
    assert opened["trigger_id"].startswith("trigger-socket-")

    empty = await bot.socket.submit_view("UBOB", opened["view"], {ANSWER_BLOCK: {ANSWER_INPUT: "  "}}, view_id="VANSWER1")
    refused = await bot.socket.ack(empty)
    assert refused["payload"] == {"response_action": "errors", "errors": {ANSWER_BLOCK: "Your answer is empty."}}

    text = "Because of write amplification."
    submitted = await bot.socket.submit_view("UBOB", opened["view"], {ANSWER_BLOCK: {ANSWER_INPUT: text}}, view_id="VANSWER1")
    assert await bot.socket.ack(submitted) == {"envelope_id": submitted}  # an empty ack closes the modal
    ack = (await bot.fake.wait_for("chat.postEphemeral"))[0].params
    assert ack["user"] == "UBOB" and ack["channel"] == CHANNEL and "saved privately" in ack["text"]
    (row,) = await rows(bot.app, select(answers.c.member_id, answers.c.text, answers.c.post_id))
    assert row == ("UBOB", text, post_id)


async def test_slack_refreshing_the_connection_is_followed(bot: SocketBot):
    first = bot.socket.current
    await bot.socket.request_reconnect()
    second = await bot.socket.wait_connected(2)
    assert second is not first and len(bot.fake.calls_to("apps.connections.open")) == 2
    await asyncio.wait_for(first.closed_by_client.wait(), 5)
    await set_up(bot)  # envelopes on the new websocket are handled as before


async def test_close_shuts_the_connection_cleanly(qotd_settings, clock):
    problems: list[dict] = []
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: problems.append(context))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            async with FakeSlack() as fake, FakeSocketMode(fake) as fake_socket:
                app = await bootstrap(qotd_settings, clock=clock, bank=make_bank())
                settings = slack_settings(fake)
                connection = await connect_socket_mode(build_slack_app(app, settings), settings)
                websocket = await fake_socket.wait_connected()
                assert socket_tasks()
                await connection.close()
                assert socket_tasks() == []  # finished, not merely cancelled
                await connection.close()  # a second close is harmless
                await asyncio.wait_for(websocket.closed_by_client.wait(), 2)
                assert websocket.close_code == 1000 and connection.closed
                assert connection.handler.client.aiohttp_client_session.closed
                await app.close()
            gc.collect()
            await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(previous)
    assert problems == []
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


async def test_a_rejected_app_token_is_one_clear_error(qotd_settings, clock, caplog):
    caplog.set_level(logging.DEBUG)
    async with FakeSlack() as fake:  # no Socket Mode server: apps.connections.open answers invalid_auth
        app = await bootstrap(qotd_settings, clock=clock, bank=make_bank())
        settings = slack_settings(fake)
        try:
            with pytest.raises(SlackConfigError, match=r"Slack rejected SLACK_APP_TOKEN \(invalid_auth\)") as raised:
                await connect_socket_mode(build_slack_app(app, settings), settings)
        finally:
            await app.close()
        message = str(raised.value)
        assert "\n" not in message and APP_TOKEN not in message and raised.value.__cause__ is None
        assert fake.last("apps.connections.open").headers["Authorization"] == f"Bearer {APP_TOKEN}"
        assert socket_tasks() == []
    assert APP_TOKEN not in caplog.text and BOT_TOKEN not in caplog.text


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_unreachable_slack_is_a_connection_error(qotd_settings, clock):
    app = await bootstrap(qotd_settings, clock=clock, bank=make_bank())
    try:
        settings = SlackSettings(bot_token=BOT_TOKEN, app_token=APP_TOKEN, api_url=f"http://127.0.0.1:{closed_port()}/api/")
        with pytest.raises((aiohttp.ClientError, OSError)):
            await connect_socket_mode(build_slack_app(app, settings), settings)
        assert socket_tasks() == []

        async with FakeSlack() as fake:  # the Web API answers, the websocket it hands out does not
            fake.socket_url = f"ws://127.0.0.1:{closed_port()}/link/?ticket=t"
            settings = slack_settings(fake)
            with pytest.raises(TimeoutError, match="did not open within 0.3 s"):
                await connect_socket_mode(build_slack_app(app, settings), settings, ping_interval=0.05, connect_timeout=0.3)
            assert socket_tasks() == []
    finally:
        await app.close()
