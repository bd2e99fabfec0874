"""The Slack adapter end to end: the real slack-bolt AsyncApp, built on the core, served over aiohttp.

Each test builds the product's own Bolt app (`build_slack_app`) over `bootstrap(...)` (a fresh
SQLite file, a FakeClock, a small bank), serves its aiohttp web app on 127.0.0.1, points its Web
API client at FakeSlack, sends Slack-signed requests into it, and asserts on the Web API calls
and `response_url` posts the fake recorded. Waiting is event-driven on the fake's calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from aiohttp import web
from sqlalchemy import select

from adapters.slack.app import build_slack_app
from adapters.slack.http_server import web_app
from adapters.slack.settings import SlackConfigError, SlackSettings
from adapters.slack.blocks import ANSWER_ACTION, ANSWER_BLOCK, ANSWER_INPUT, MAX_BLOCKS, SECTION_TEXT, chunks, escape, pages, sections
from bot.bootstrap import Qotd, bootstrap
from bot.clock import FakeClock
from bot.config import Settings
from bot.db.tables import answers, schedules
from bot.ports import ChannelRef, Member
from tests.conftest import START
from tests.fakes.fake_slack import BOT_USER_ID, TEAM_ID, FakeSlack, SlackSender
from tests.support import REPO, make_bank

SECRET = "test-signing-secret"
CHANNEL = "CQOTD"
SETUP = "setup time=09:00 tz=Europe/Berlin days=mon-fri reveal=8h"


@dataclass
class Bot:
    fake: FakeSlack
    slack: SlackSender
    app: Qotd
    clock: FakeClock

    def channel_ref(self, channel: str = CHANNEL) -> ChannelRef:
        return ChannelRef("slack", TEAM_ID, channel)


@pytest.fixture(autouse=True)
def no_slack_env(monkeypatch):
    import os

    for key in [k for k in os.environ if k.startswith("SLACK_")]:
        monkeypatch.delenv(key)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def sqlite_settings(tmp_path, **changes) -> Settings:
    base = replace(
        Settings.from_env({}), database_url=f"sqlite+aiosqlite:///{tmp_path / 'qotd.sqlite3'}", content_dir=REPO / "content"
    )
    return replace(base, **changes)


@contextlib.asynccontextmanager
async def serving(settings: Settings, clock: FakeClock, **slack_options):
    """The product's Bolt app over the core, served on 127.0.0.1 against a FakeSlack with three users."""
    async with FakeSlack() as fake:
        fake.add_user("UADMIN", "Ada", is_admin=True)
        fake.add_user("UALICE", "alice")
        fake.add_user("UBOB", "bob")
        app = await bootstrap(settings, clock=clock, rng=random.Random(7), bank=make_bank())
        slack = SlackSettings(bot_token="xoxb-test", signing_secret=SECRET, api_url=fake.api_url, **slack_options)
        runner = web.AppRunner(web_app(build_slack_app(app, slack)))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        try:
            yield Bot(fake, SlackSender(fake, f"http://127.0.0.1:{port}/slack/events", SECRET), app, clock)
        finally:
            await runner.cleanup()
            await app.close()


@pytest.fixture
async def bot(tmp_path, clock):
    async with serving(sqlite_settings(tmp_path), clock) as served:
        yield served


async def rows(app: Qotd, query):
    async with app.ctx.engine.connect() as conn:
        return (await conn.execute(query)).all()


def all_text(params: dict) -> str:
    """The fallback text and every text in the blocks of a recorded call, as one string."""
    return (params.get("text") or "") + "\n" + json.dumps(params.get("blocks") or [])


async def command(bot: Bot, user: str, text: str, channel: str = CHANNEL) -> dict:
    """Run `/qotd text`; returns what the command posted to its response_url."""
    before = len(bot.fake.calls_to("response_url"))
    loop = asyncio.get_running_loop()
    started = loop.time()
    status, _ = await bot.slack.slash(user, text, channel)
    assert status == 200 and loop.time() - started < 1.0  # acked well inside Slack's 3 s
    return (await bot.fake.wait_for("response_url", before + 1))[before].params


async def set_up(bot: Bot, extra: str = "") -> None:
    reply = await command(bot, "UADMIN", f"{SETUP} {extra}".strip())
    assert reply["response_type"] == "in_channel" and "Scheduled" in reply["text"], reply


async def post_scheduled(bot: Bot) -> tuple[dict, int]:
    """09:00 Berlin on a Monday: tick; returns the question's chat.postMessage params and post id."""
    bot.clock.set(START + timedelta(hours=2))
    report = await bot.app.tick()
    assert report.posted == 1, report
    question = bot.fake.last("chat.postMessage").params
    (button,) = [e for b in question["blocks"] if b["type"] == "actions" for e in b["elements"]]
    return question, int(button["value"])


def question_ts(bot: Bot) -> str:
    return bot.fake.calls_to("chat.postMessage")[0].response["ts"]


def thread_reply(bot: Bot, user: str, text: str, msg_id: str) -> dict:
    ts = question_ts(bot)
    return {"type": "message", "channel": CHANNEL, "user": user, "text": text, "ts": f"{float(ts) + 5:.6f}",
            "thread_ts": ts, "parent_user_id": BOT_USER_ID, "client_msg_id": msg_id, "team": TEAM_ID,
            "event_ts": f"{float(ts) + 5:.6f}", "channel_type": "channel"}


async def answer_with_modal(bot: Bot, user: str, post_id: int, text: str, view_id: str = "VANSWER1") -> dict:
    before = len(bot.fake.calls_to("views.open"))
    status, _ = await bot.slack.click(user, ANSWER_ACTION, str(post_id), message_ts=question_ts(bot))
    assert status == 200
    opened = (await bot.fake.wait_for("views.open", before + 1))[before].params
    acks = len(bot.fake.calls_to("chat.postEphemeral"))
    status, body = await bot.slack.submit_view(user, opened["view"], {ANSWER_BLOCK: {ANSWER_INPUT: text}}, view_id=view_id)
    assert status == 200 and not body.strip(), body  # an empty ack closes the modal
    return (await bot.fake.wait_for("chat.postEphemeral", acks + 1))[acks].params


# --------------------------------------------------------------------------------------------------


async def test_setup_by_an_admin_is_confirmed_in_the_channel(bot: Bot):
    await set_up(bot)
    (schedule,) = await rows(bot.app, select(schedules))
    assert schedule.platform == "slack" and schedule.workspace_id == TEAM_ID and schedule.channel_id == CHANNEL
    info = bot.fake.last("users.info")
    assert info.params["user"] == "UADMIN"
    assert bot.fake.calls_to("auth.test") and BOT_USER_ID != "UADMIN"


async def test_setup_is_refused_ephemerally_for_a_plain_member(bot: Bot):
    reply = await command(bot, "UALICE", SETUP)
    assert reply["response_type"] == "ephemeral" and "only admins" in reply["text"], reply
    assert await rows(bot.app, select(schedules)) == []


async def test_errors_and_help_are_ephemeral(bot: Bot):
    reply = await command(bot, "UADMIN", "setup time=09:00 tz=Mars/Olympus")
    assert reply["response_type"] == "ephemeral" and "Sorry" in reply["text"]
    assert (await command(bot, "UALICE", "help"))["response_type"] == "ephemeral"


async def test_admin_status_is_cached_per_user(bot: Bot):
    await set_up(bot)
    await command(bot, "UADMIN", "status")
    assert len([c for c in bot.fake.calls_to("users.info") if c.params["user"] == "UADMIN"]) == 1


async def test_a_bad_or_stale_signature_is_401_and_changes_nothing(bot: Bot):
    status, _ = await bot.slack.slash("UADMIN", SETUP, secret="not-the-secret")
    assert status == 401
    import time

    status, _ = await bot.slack.slash("UADMIN", SETUP, timestamp=int(time.time()) - 600)
    assert status == 401
    await asyncio.sleep(0.1)
    assert await rows(bot.app, select(schedules)) == []
    assert not bot.fake.calls_to("response_url") and not bot.fake.calls_to("users.info")


async def test_a_scheduled_post_fires_from_the_clock_with_blocks_and_an_answer_button(bot: Bot):
    await set_up(bot)
    bot.clock.advance(timedelta(hours=1, minutes=59))
    assert (await bot.app.tick()).posted == 0  # 08:59 Berlin: not yet
    question, post_id = await post_scheduled(bot)
    assert question["channel"] == CHANNEL
    text = all_text(question)
    assert question["text"].startswith("Question #1 · ") and "Question #1" in text
    reveal_at = int((START + timedelta(hours=10)).timestamp())  # 08:00 UTC + 8h
    assert re.search(rf"<!date\^{reveal_at}\^\{{date_short_pretty\}} \{{time\}}\|[^>]+>", text), text
    (button,) = [e for b in question["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == "qotd_answer" and button["text"]["text"] == "Answer" and post_id > 0
    assert all(len(b["text"]["text"]) <= 3000 for b in question["blocks"] if b["type"] == "section")
    assert bot.fake.last("chat.postMessage").headers["Authorization"] == "Bearer xoxb-test"


async def test_a_thread_reply_counts_once_even_when_slack_retries_it(bot: Bot):
    await set_up(bot)
    await post_scheduled(bot)
    event = thread_reply(bot, "UALICE", "An index speeds up reads.", "msg-alice-1")
    assert (await bot.slack.event(event, event_id="EvALICE"))[0] == 200
    ack = (await bot.fake.wait_for("chat.postEphemeral"))[0].params
    assert ack["user"] == "UALICE" and ack["thread_ts"] == question_ts(bot) and "Answer recorded" in ack["text"]

    assert (await bot.slack.event(event, event_id="EvALICE", retry_num=1))[0] == 200
    assert (await bot.slack.event(thread_reply(bot, "UBOB", "B-trees.", "msg-bob-1"), event_id="EvBOB"))[0] == 200
    await bot.fake.wait_for("chat.postEphemeral", 2)
    await asyncio.sleep(0.2)
    recorded = await rows(bot.app, select(answers.c.member_id, answers.c.text, answers.c.edit_count))
    assert sorted(recorded) == [("UALICE", "An index speeds up reads.", 0), ("UBOB", "B-trees.", 0)]
    assert len(bot.fake.calls_to("chat.postEphemeral")) == 2
    assert len(bot.fake.calls_to("chat.postMessage")) == 1  # a visible thread reply is not echoed


async def test_an_edited_thread_reply_is_kept_as_an_edit(bot: Bot):
    await set_up(bot)
    await post_scheduled(bot)
    first = thread_reply(bot, "UALICE", "first", "msg-a")
    await bot.slack.event(first)
    await bot.fake.wait_for("chat.postEphemeral")
    edited = {"type": "message", "subtype": "message_changed", "channel": CHANNEL, "hidden": True, "ts": "9.9",
              "event_ts": "9.9", "message": {**first, "text": "second", "edited": {"user": "UALICE", "ts": "9.8"}}}
    await bot.slack.event(edited)
    ack = (await bot.fake.wait_for("chat.postEphemeral", 2))[1].params
    assert "Edit saved" in ack["text"]
    (row,) = await rows(bot.app, select(answers.c.text, answers.c.edit_count))
    assert row == ("first", 1)


async def test_messages_outside_our_threads_and_bot_messages_are_ignored(bot: Bot):
    await set_up(bot)
    await post_scheduled(bot)
    plain = {"type": "message", "channel": CHANNEL, "user": "UALICE", "text": "hi", "ts": "5.1", "client_msg_id": "x1"}
    other = {**plain, "ts": "5.2", "thread_ts": "4.0", "client_msg_id": "x2"}
    own = {**thread_reply(bot, "UALICE", "bot says", "x3"), "bot_id": "BOTHER"}
    for event in (plain, other, own):
        assert (await bot.slack.event(event))[0] == 200
    await asyncio.sleep(0.3)
    assert await rows(bot.app, select(answers)) == []
    assert not bot.fake.calls_to("chat.postEphemeral")


async def test_replies_under_other_peoples_messages_never_reach_the_database(bot: Bot):
    """Slack names a thread's parent author: chatter under members' messages is not even looked up."""
    from sqlalchemy import event as sa_event

    await set_up(bot)
    await post_scheduled(bot)
    statements: list[str] = []

    def record(conn, cursor, statement, *rest):
        statements.append(statement)

    sa_event.listen(bot.app.ctx.engine.sync_engine, "before_cursor_execute", record)
    try:
        chatter = {"type": "message", "channel": CHANNEL, "user": "UBOB", "text": "lunch?", "ts": "7.2", "thread_ts": "7.1",
                   "parent_user_id": "UALICE", "client_msg_id": "chat-1", "team": TEAM_ID, "channel_type": "channel"}
        deleted = {"type": "message", "subtype": "message_deleted", "channel": CHANNEL, "ts": "7.3", "deleted_ts": "7.2",
                   "hidden": True, "previous_message": chatter}
        for event in (chatter, deleted):
            assert (await bot.slack.event(event))[0] == 200
        await asyncio.sleep(0.3)
        assert statements == []
        await bot.slack.event(thread_reply(bot, "UALICE", "Our thread", "msg-ours"))  # under the question: it counts
        assert "Answer recorded" in (await bot.fake.wait_for("chat.postEphemeral"))[0].params["text"]
        assert statements
    finally:
        sa_event.remove(bot.app.ctx.engine.sync_engine, "before_cursor_execute", record)


async def test_the_answer_button_opens_a_modal_and_the_submission_is_recorded_privately(bot: Bot):
    await set_up(bot, "mode=private")
    _, post_id = await post_scheduled(bot)
    ack = await answer_with_modal(bot, "UBOB", post_id, "Because of write amplification.")
    opened = bot.fake.last("views.open").params
    assert opened["trigger_id"].startswith("trigger-")
    (block,) = opened["view"]["blocks"]
    assert block["element"]["multiline"] is True and block["element"]["max_length"] == 4000
    assert ack["user"] == "UBOB" and ack["channel"] == CHANNEL and "saved privately" in ack["text"]
    (row,) = await rows(bot.app, select(answers.c.member_id, answers.c.text, answers.c.post_id))
    assert row == ("UBOB", "Because of write amplification.", post_id)
    assert len(bot.fake.calls_to("chat.postMessage")) == 1  # private mode: nothing shown in the thread


async def test_reveal_posts_in_the_thread_and_closes_the_original(bot: Bot):
    await set_up(bot)
    await post_scheduled(bot)
    await bot.slack.event(thread_reply(bot, "UALICE", "my answer", "msg-r1"))
    await bot.fake.wait_for("chat.postEphemeral")
    bot.clock.advance(timedelta(hours=8, minutes=1))
    assert (await bot.app.tick()).revealed == 1
    ts = question_ts(bot)
    reveal = bot.fake.last("chat.postMessage").params
    assert reveal["thread_ts"] == ts and reveal["channel"] == CHANNEL
    text = all_text(reveal)
    assert "Reference answer" in text and "Key points" in text and "alice" in text
    update = bot.fake.last("chat.update").params
    assert update["ts"] == ts and update["channel"] == CHANNEL
    assert "Closed" in all_text(update) and not [b for b in update["blocks"] if b["type"] == "actions"]


async def test_member_text_cannot_notify_the_channel(bot: Bot):
    bot.fake.add_user("UEVE", "<!channel> Eve")
    await set_up(bot)
    _, post_id = await post_scheduled(bot)
    await answer_with_modal(bot, "UEVE", post_id, "<!here> look at me & <@UADMIN>")
    echo = (await bot.fake.wait_for("chat.postMessage", 2))[1].params  # thread mode: the answer is shown
    assert echo["thread_ts"] == question_ts(bot)
    text = all_text(echo)
    assert "<!channel>" not in text and "<!here>" not in text and "<@UADMIN>" not in text
    assert escape("<!channel> Eve") in text and "&lt;!here&gt; look at me &amp; &lt;@UADMIN&gt;" in text
    bot.clock.advance(timedelta(hours=8, minutes=1))
    await bot.app.tick()
    reveal = all_text(bot.fake.calls_to("chat.postMessage")[-1].params)
    assert "<!channel>" not in reveal and escape("<!channel> Eve") in reveal


@pytest.mark.parametrize("error", ["channel_not_found", "is_archived"])
async def test_an_unavailable_channel_disables_the_schedule(bot: Bot, error):
    await set_up(bot)
    if error == "channel_not_found":
        bot.fake.delete_channel(CHANNEL)  # the fake then answers channel_not_found, as Slack does
    else:
        bot.fake.fail("chat.postMessage", CHANNEL, error)
    bot.clock.advance(timedelta(hours=2))
    report = await bot.app.tick()
    assert report.posted == 0
    status = await bot.app.handle_text(bot.channel_ref(), Member("UADMIN", "Ada", is_admin=True), "/qotd status")
    reason = "no longer exists" if error == "channel_not_found" else "archived"
    assert "disabled" in status.text and reason in status.text, status.text
    (next_post,) = [r.next_post_at for r in await rows(bot.app, select(schedules))]
    assert next_post is None
    bot.clock.advance(timedelta(days=1))
    await bot.app.tick()
    assert len(bot.fake.calls_to("chat.postMessage")) == 1  # no retry storm


async def test_an_answer_after_the_reveal_is_recorded_as_late(bot: Bot):
    await set_up(bot)
    await post_scheduled(bot)
    bot.clock.advance(timedelta(hours=8, minutes=1))
    assert (await bot.app.tick()).revealed == 1
    await bot.slack.event(thread_reply(bot, "UBOB", "sorry I'm late", "msg-late"))
    ack = (await bot.fake.wait_for("chat.postEphemeral"))[0].params
    assert "late answer" in ack["text"]
    (row,) = await rows(bot.app, select(answers.c.member_id, answers.c.late))
    assert row == ("UBOB", True)


async def test_a_429_is_retried_after_retry_after_and_posts_once(bot: Bot):
    await set_up(bot)
    from bot import metrics

    waited = metrics.REGISTRY.get_sample_value("qotd_rate_limit_wait_seconds_total", {"platform": "slack"}) or 0.0
    bot.fake.rate_limit("chat.postMessage")
    await post_scheduled(bot)
    statuses = [c.response["ok"] for c in bot.fake.calls_to("chat.postMessage")]
    assert statuses == [False, True]
    assert metrics.REGISTRY.get_sample_value("qotd_rate_limit_wait_seconds_total", {"platform": "slack"}) > waited


def test_long_text_is_split_into_sections_and_messages_within_slacks_limits():
    text = escape("a & b < c " * 2000)  # ~ 28,000 characters once escaped
    parts = chunks(text)
    assert all(len(p) <= SECTION_TEXT for p in parts) and "".join(parts).replace(" ", "") == text.replace(" ", "")
    assert not any(p.endswith(("&", "&amp", "&lt")) for p in parts)  # never cut inside an entity
    unbroken = chunks("x" * 7000)
    assert [len(p) for p in unbroken] == [3000, 3000, 1000]
    blocks = sections("line\n" * 40000)
    assert len(blocks) > MAX_BLOCKS and all(len(page) <= MAX_BLOCKS for page in pages(blocks))


def test_settings_from_env_give_one_clear_message():
    with pytest.raises(SlackConfigError, match="SLACK_BOT_TOKEN"):
        SlackSettings.from_env({})
    with pytest.raises(SlackConfigError, match="SLACK_SIGNING_SECRET"):
        SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"})
    with pytest.raises(SlackConfigError, match="end with '/'"):
        SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "http://x/api"})
    ok = SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "http://x/api/"})
    assert ok.api_url == "http://x/api/" and "xoxb" not in repr(ok)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_runner_serves_http_ticks_and_stops_cleanly(tmp_path):
    import aiohttp

    from adapters.serve_platforms import serve

    async with FakeSlack() as fake:
        port = free_port()
        env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url,
               "SLACK_HOST": "127.0.0.1", "SLACK_PORT": str(port)}
        settings = replace(
            Settings.from_env(env), database_url=f"sqlite+aiosqlite:///{tmp_path / 'qotd.sqlite3'}", content_dir=REPO / "content"
        )
        stop = asyncio.Event()
        serving = asyncio.create_task(serve(settings, env, stop=stop))
        for _ in range(100):
            try:
                async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/healthz") as r:
                    assert r.status == 200
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
        else:
            raise AssertionError("the Slack endpoint never came up")
        status, _ = await SlackSender(fake, f"http://127.0.0.1:{port}/slack/events", "wrong").slash("UX", "help")
        assert status == 401
        stop.set()
        assert await asyncio.wait_for(serving, 5) == 0


async def test_runner_bad_credentials_are_one_message_and_exit_2(tmp_path, caplog):
    from adapters.serve_platforms import serve

    def settings_for(env):
        return replace(
            Settings.from_env(env), database_url=f"sqlite+aiosqlite:///{tmp_path / 'qotd.sqlite3'}", content_dir=REPO / "content"
        )

    env = {"SLACK_BOT_TOKEN": "xoxb-1"}
    assert await serve(settings_for(env), env) == 2
    assert "SLACK_SIGNING_SECRET" in caplog.text
    async with FakeSlack() as fake:
        fake.fail("auth.test", "", "invalid_auth")
        env = {"SLACK_BOT_TOKEN": "xoxb-bad", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url}
        assert await serve(settings_for(env), env) == 2
    assert "Slack rejected the bot token (invalid_auth)" in caplog.text


async def test_a_too_long_thread_reply_is_refused_ephemerally_and_not_recorded(bot: Bot):
    await set_up(bot)
    await post_scheduled(bot)
    limit = bot.app.ctx.settings.max_answer_chars
    await bot.slack.event(thread_reply(bot, "UALICE", "x" * (limit + 1), "msg-long"))
    ack = (await bot.fake.wait_for("chat.postEphemeral"))[0].params
    assert ack["user"] == "UALICE" and ack["thread_ts"] == question_ts(bot) and "Sorry" in ack["text"], ack
    assert await rows(bot.app, select(answers)) == []


async def test_members_of_the_configured_admin_group_may_administer(tmp_path, clock):
    async with serving(sqlite_settings(tmp_path), clock, admin_group="SADMINS") as bot:
        bot.fake.add_user("UCAROL", "carol")  # not a workspace admin
        bot.fake.user_groups["SADMINS"] = ["UCAROL"]
        refused = await command(bot, "UBOB", SETUP)
        assert refused["response_type"] == "ephemeral" and "only admins" in refused["text"]
        assert "members of the qotd admin user group" in refused["text"]
        accepted = await command(bot, "UCAROL", SETUP)
        assert accepted["response_type"] == "in_channel" and "Scheduled" in accepted["text"], accepted
        assert bot.fake.last("usergroups.users.list").params["usergroup"] == "SADMINS"


def test_the_admin_group_must_be_a_group_id():
    with pytest.raises(SlackConfigError, match="SLACK_ADMIN_GROUP"):
        SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_ADMIN_GROUP": "@admins"})
    assert SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_ADMIN_GROUP": "S01"}).admin_group == "S01"


async def test_deleting_a_thread_reply_before_the_reveal_withdraws_the_answer(bot: Bot):
    await set_up(bot)
    await post_scheduled(bot)
    reply = thread_reply(bot, "UALICE", "to be withdrawn", "msg-del")
    await bot.slack.event(reply)
    await bot.fake.wait_for("chat.postEphemeral")
    deleted = {"type": "message", "subtype": "message_deleted", "hidden": True, "channel": CHANNEL, "ts": "1800000000.000100",
               "deleted_ts": reply["ts"], "event_ts": "1800000000.000100", "channel_type": "channel",
               "previous_message": {"type": "message", "user": "UALICE", "text": "to be withdrawn", "ts": reply["ts"],
                                    "thread_ts": reply["thread_ts"], "client_msg_id": "msg-del"}}
    for retry in (None, 1):  # Slack's retry of the same deletion is handled once
        status, _ = await bot.slack.event(deleted, event_id="EvDELETED", retry_num=retry)
        assert status == 200
    notice = (await bot.fake.wait_for("chat.postEphemeral", 2))[1].params
    assert notice["user"] == "UALICE" and notice["thread_ts"] == question_ts(bot) and "withdrawn" in notice["text"]
    assert await rows(bot.app, select(answers.c.id)) == []
    await asyncio.sleep(0.2)  # give a wrongly doubled handling the chance to show up
    assert len(bot.fake.calls_to("chat.postEphemeral")) == 2
