"""The Discord adapter end to end: the real discord.py client, built on the core, logged into FakeDiscord.

Each test builds the product's own `QotdDiscordClient` over `bootstrap(...)` (a fresh SQLite file,
a FakeClock, a small bank), connects it to the fake REST API + gateway, drives it with slash
commands, button clicks, modal submits, thread messages and scheduler ticks, and asserts on what
the fake recorded: REST payloads, stored messages, allowed_mentions and the limits Discord enforces.
Waiting is event-driven (the fake's recorded calls); the only sleeps are discord.py's own back-offs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import random
import re
from dataclasses import dataclass, replace
from datetime import timedelta

import discord
import pytest
from sqlalchemy import select

from adapters.discord import limits
from adapters.discord.client import HINT, QotdDiscordClient
from adapters.discord.runner import build_client, invite_url, run_discord
from adapters.serve_platforms import serve
from bot.bootstrap import Qotd, bootstrap
from bot.clock import FakeClock
from bot.config import Settings
from bot.db.tables import answers, processed_events, quiz_attempts, schedules
from bot.ports import ChannelRef, Member
from bot.services.answering import AnswerSubmitted
from tests.conftest import START
from tests.fakes import FakeDiscord, InteractionRecord, Overwrite, Perm
from tests.support import REPO, make_bank

EPHEMERAL = 64
ANSWER_FIELD = "qotd:answer-text"
SUBCOMMANDS = {"setup", "post", "reveal", "pause", "resume", "skip", "status", "leaderboard", "streak", "quiz", "help"} | {"report", "export", "forget-me"}  # tests/test_member_data_discord.py
SUBCOMMANDS |= {"check"}  # self-checks against key points (tests/test_self_check_discord.py)
SUBCOMMANDS |= {"suggest", "admin"}  # suggestions and /qotd admin ACTION (tests/test_discord_suggestions.py)
SETUP = {"time": "09:00", "tz": "Europe/Berlin", "days": "mon-fri", "reveal": "8h"}


# --------------------------------------------------------------------------------------------------
# Harness
# --------------------------------------------------------------------------------------------------


@dataclass
class Bot:
    fake: FakeDiscord
    app: Qotd
    client: QotdDiscordClient
    clock: FakeClock

    def channel_ref(self, channel=None) -> ChannelRef:
        channel = channel or self.fake.qotd_channel
        return ChannelRef("discord", str(self.fake.guild.id), str(channel.id))


def settings_for(tmp_path, **changes) -> Settings:
    base = replace(
        Settings.from_env({}), database_url=f"sqlite+aiosqlite:///{tmp_path / 'qotd.sqlite3'}", content_dir=REPO / "content"
    )
    return replace(base, **changes)


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord, tmp_path, clock: FakeClock, *, bank=None, **client_options):
    """A Qotd on the test's database and a QotdDiscordClient for it, logged into the fake."""
    app = await bootstrap(settings_for(tmp_path), clock=clock, rng=random.Random(7), bank=bank or make_bank())
    client = QotdDiscordClient(app, test_guild_id=fake.guild.id, guild_ready_timeout=0.05, **client_options)
    try:
        async with fake.connected(client):
            yield Bot(fake, app, client, clock)
    finally:
        await app.close()


@pytest.fixture
async def fake():
    async with FakeDiscord() as fake:
        yield fake


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def bot(fake, tmp_path, clock):
    async with running(fake, tmp_path, clock) as bot:
        yield bot


def webhook_path(fake: FakeDiscord, payload: dict) -> re.Pattern[str]:
    """The follow-up and @original-edit endpoints of one interaction."""
    return re.compile(rf"/webhooks/{fake.application_id}/{re.escape(payload['token'])}(/messages/@original)?")


async def interact(fake: FakeDiscord, payload: dict, *, updates: int = 1) -> InteractionRecord:
    """Dispatch an interaction and wait for its first response and, after a deferral, its result."""
    response = await fake.run_interaction(payload)
    if response["type"] in (5, 6):
        await fake.wait_for_call(None, webhook_path(fake, payload), count=updates)
    return fake.interaction(payload)


async def slash(fake: FakeDiscord, user, subcommand: str, *, channel=None, **options) -> InteractionRecord:
    payload = fake.slash_command(fake.guild, channel or fake.qotd_channel, user, subcommand=subcommand, options=options or None)
    return await interact(fake, payload)


def result_message(fake: FakeDiscord, record: InteractionRecord) -> dict:
    """The message a deferred interaction ended up showing (its edited @original)."""
    return fake.message(record.original_message_id)


def text_of(message: dict) -> str:
    """Content, embed titles/descriptions/fields/authors of a stored message, as one string."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or "", (embed.get("author") or {}).get("name", "")]
        for f in embed.get("fields") or []:
            parts += [f["name"], f["value"]]
    return "\n".join(parts)


def buttons(message: dict) -> list[dict]:
    return [c for row in message.get("components") or [] for c in row.get("components", [])]


def assert_clean(fake: FakeDiscord, *, allow: tuple[int, ...] = ()) -> None:
    """Nothing the bot sent was rejected: no unknown routes, no 4xx other than injected/expected ones."""
    fake.assert_no_unhandled()
    rejected = [c for c in fake.calls if c.status and c.status >= 400 and c.fault is None and c.status not in allow]
    assert not rejected, [(c, c.response) for c in rejected]
    assert not [c for c in fake.calls if isinstance(c.response, dict) and c.response.get("code") == 50035]
    for record in fake.interactions.values():
        assert not record.rejected, (record.id, record.rejected)
        callbacks = fake.calls_to("POST", f"/interactions/{record.id}/*/callback")
        if record.dispatched_at is not None and callbacks:  # acknowledged well inside Discord's 3 s
            assert callbacks[0].at - record.dispatched_at < 1.0, (record.payload["data"], callbacks[0].at - record.dispatched_at)


async def set_up(bot: Bot, channel=None, **options) -> InteractionRecord:
    record = await slash(bot.fake, bot.fake.admin, "setup", channel=channel, **{**SETUP, **options})
    assert "Scheduled" in text_of(result_message(bot.fake, record)), text_of(result_message(bot.fake, record))
    return record


async def post_scheduled(bot: Bot, channel=None) -> tuple[dict, object]:
    """Move the clock to 09:00 Berlin and tick: returns the question message and its thread."""
    channel = channel or bot.fake.qotd_channel
    bot.clock.set(START + timedelta(hours=2))  # START is 06:00 UTC on a Monday; 09:00 Berlin is 08:00 UTC
    report = await bot.app.tick()
    assert report.posted >= 1, report
    question = next(m for m in bot.fake.channel_messages(channel) if buttons(m))
    (thread,) = bot.fake.threads(channel)
    return question, thread


async def reveal_by_clock(bot: Bot) -> None:
    bot.clock.advance(timedelta(hours=8, minutes=1))
    report = await bot.app.tick()
    assert report.revealed == 1, report


def answer_custom_id(question: dict) -> str:
    (button,) = buttons(question)
    return button["custom_id"]


async def open_answer_modal(bot: Bot, question: dict, user) -> str:
    click = bot.fake.button_click(answer_custom_id(question), question, user)
    response = await bot.fake.run_interaction(click)
    assert response["type"] == 9, response
    return response["data"]["custom_id"]


async def answer_with_modal(bot: Bot, question: dict, user, text: str) -> InteractionRecord:
    modal_id = await open_answer_modal(bot, question, user)
    return await submit_modal(bot, modal_id, user, text)


async def submit_modal(bot: Bot, modal_id: str, user, text: str) -> InteractionRecord:
    record = await interact(bot.fake, bot.fake.modal_submit(modal_id, {ANSWER_FIELD: text}, user))
    assert record.response_type == 5 and record.response_data.get("flags") == EPHEMERAL, record.responses
    return record


async def rows(app: Qotd, query):
    async with app.ctx.engine.connect() as conn:
        return (await conn.execute(query)).all()


# --------------------------------------------------------------------------------------------------
# 1. Commands
# --------------------------------------------------------------------------------------------------


async def test_qotd_group_with_typed_options_is_synced_to_the_test_guild(bot: Bot):
    fake = bot.fake
    (put,) = fake.calls_to("PUT", f"/applications/{fake.application_id}/guilds/{fake.guild.id}/commands")
    assert put.status == 200
    assert not fake.calls_to("PUT", f"/applications/{fake.application_id}/commands")  # nothing global
    (qotd,) = fake.commands[fake.guild.id]
    assert qotd["name"] == "qotd" and qotd["type"] == 1
    subs = {o["name"]: o for o in qotd["options"]}
    assert set(subs) == SUBCOMMANDS
    assert all(o["type"] == (2 if o["name"] == "admin" else 1) for o in subs.values())  # admin: a group

    def options(sub: str) -> dict[str, dict]:
        return {o["name"]: o for o in subs[sub].get("options", [])}

    setup = options("setup")
    assert set(setup) == {"time", "tz", "days", "reveal", "mode", "topics", "difficulty", "champion"}
    assert all(o["type"] == 3 and not o.get("required") for o in setup.values())
    assert setup["tz"]["autocomplete"] and setup["topics"]["autocomplete"]
    assert {c["value"] for c in setup["mode"]["choices"]} == {"thread", "private"}
    board = options("leaderboard")
    assert {c["value"] for c in board["period"]["choices"]} == {"week", "month", "season", "all"}
    assert {c["value"] for c in board["metric"]["choices"]} == {"points", "answers", "streak"}
    assert options("streak")["member"]["type"] == 6  # a user picker
    assert options("quiz")["topic"]["autocomplete"]
    for sub in subs.values():  # every description is real, not discord.py's "…" placeholder
        assert sub["description"] != "…"
        assert all(o["description"] != "…" for o in sub.get("options", []))
    assert_clean(fake)


# --------------------------------------------------------------------------------------------------
# 2. Setup: admin, refusal, invalid input, autocomplete
# --------------------------------------------------------------------------------------------------


async def test_setup_by_an_admin_is_confirmed_publicly(bot: Bot):
    fake = bot.fake
    record = await slash(fake, fake.admin, "setup", **SETUP)
    assert record.response_type == 5 and not record.response_data.get("flags")  # public "thinking…"
    message = result_message(fake, record)
    assert not message["flags"] & EPHEMERAL
    assert message in fake.channel_messages(fake.qotd_channel)
    assert "Scheduled: 09:00 Europe/Berlin, mon-fri, reveal after 8h" in text_of(message)
    assert "Next question: Mon 23 Nov 09:00 CET (08:00 UTC)" in text_of(message)
    assert message["allowed_mentions"] == {"parse": []}
    (row,) = await rows(bot.app, select(schedules.c.channel_id, schedules.c.timezone))
    assert row == (str(fake.qotd_channel.id), "Europe/Berlin")
    assert_clean(fake)


async def test_setup_is_refused_for_a_plain_member_ephemerally(bot: Bot):
    fake = bot.fake
    record = await slash(fake, fake.member, "setup", **SETUP)
    assert record.response_type == 4
    assert record.response_data["flags"] == EPHEMERAL
    assert "Manage Server" in text_of(record.response_data)
    assert await rows(bot.app, select(schedules.c.id)) == []
    assert fake.channel_messages(fake.qotd_channel) == []
    assert_clean(fake)


async def test_invalid_setup_input_is_an_ephemeral_error_naming_the_value(bot: Bot):
    fake = bot.fake
    record = await slash(fake, fake.admin, "setup", time="09:00", tz="Mars/Olympus")
    assert record.response_type == 4 and record.response_data["flags"] == EPHEMERAL
    assert "Mars/Olympus" in text_of(record.response_data)
    assert await rows(bot.app, select(schedules.c.id)) == []
    assert_clean(fake)


async def test_a_setup_the_core_rejects_after_the_public_deferral_is_shown_only_to_the_admin(bot: Bot):
    fake = bot.fake
    payload = fake.slash_command(
        fake.guild, fake.qotd_channel, fake.admin, subcommand="setup", options={"topics": "databases", "difficulty": "3"}
    )
    record = await interact(fake, payload, updates=3)  # edit the placeholder, follow up, delete the placeholder
    assert record.response_type == 5 and not record.response_data.get("flags")
    (followup,) = record.followups
    assert followup["flags"] & EPHEMERAL and "no question in the bank matches" in text_of(followup)
    assert record.original_message_id in fake.deleted_messages
    assert fake.channel_messages(fake.qotd_channel) == []  # nothing public is left behind
    assert_clean(fake)


async def test_time_zone_autocomplete_offers_matching_zones(bot: Bot):
    fake = bot.fake
    payload = fake.slash_command(fake.guild, fake.qotd_channel, fake.admin, subcommand="setup", options={"tz": "Europe/Be"}, focused="tz")
    response = await fake.run_interaction(payload)
    assert response["type"] == 8
    choices = [c["value"] for c in response["data"]["choices"]]
    assert "Europe/Berlin" in choices and "Europe/Belgrade" in choices
    assert all(c.startswith("Europe/") for c in choices) and len(choices) <= 25
    payload = fake.slash_command(fake.guild, fake.qotd_channel, fake.admin, subcommand="setup", options={"tz": "europe"}, focused="tz")
    response = await fake.run_interaction(payload)
    assert len(response["data"]["choices"]) == 25
    assert all(c["value"].startswith("Europe/") for c in response["data"]["choices"])
    payload = fake.slash_command(
        fake.guild, fake.qotd_channel, fake.admin, subcommand="setup", options={"topics": "databases,cach"}, focused="topics"
    )
    response = await fake.run_interaction(payload)
    assert [c["value"] for c in response["data"]["choices"]] == ["databases,caching"]
    assert_clean(fake)


async def test_a_configured_admin_role_grants_admin_commands(fake, tmp_path, clock):
    helpers = fake.guild.add_role("qotd-helpers")
    helper = fake.add_user("helper")
    fake.guild.add_member(helper, roles=[helpers])
    async with running(fake, tmp_path, clock, admin_role_id=helpers.id) as bot:
        record = await slash(fake, helper, "setup", **SETUP)
        assert "Scheduled" in text_of(result_message(fake, record))
        refused = await slash(fake, fake.member, "pause")
        assert f"<@&{helpers.id}>" in text_of(refused.response_data)
        assert_clean(fake)


# --------------------------------------------------------------------------------------------------
# 3. The scheduled post
# --------------------------------------------------------------------------------------------------


async def test_a_scheduled_post_fires_from_the_clock_with_embed_button_and_thread(bot: Bot):
    fake = bot.fake
    await set_up(bot)
    bot.clock.advance(timedelta(hours=1, minutes=59))
    assert (await bot.app.tick()).posted == 0  # 08:59 Berlin: not yet
    question, thread = await post_scheduled(bot)

    post = fake.last_call("POST", f"/channels/{fake.qotd_channel.id}/messages")
    assert post.json["nonce"] and post.json["enforce_nonce"] is True
    assert post.json["allowed_mentions"] == {"parse": []}
    (embed,) = question["embeds"]
    assert embed["title"].startswith("Question #1 · ")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    reveal_at = int((START + timedelta(hours=10)).timestamp())  # 08:00 UTC + 8h
    assert f"<t:{reveal_at}:F>" in fields["Reveal"]
    assert re.fullmatch(r"[123] — (warm-up|solid|senior)", fields["Difficulty"])
    assert fields["Topic"] in embed["title"]
    assert embed["description"].startswith("Question ") and embed["description"].endswith("?")
    (button,) = buttons(question)
    assert button["label"] == "Answer" and re.fullmatch(r"qotd:answer:\d+", button["custom_id"])

    assert thread.parent_id == fake.qotd_channel.id and thread.type == 11  # a public thread
    assert thread.id == int(question["id"])  # opened on the question message
    assert "Q#1" in thread.name
    assert_clean(fake)


# --------------------------------------------------------------------------------------------------
# 4. Answering with the button and the modal
# --------------------------------------------------------------------------------------------------


async def test_answer_in_thread_mode_is_echoed_without_pings_and_acknowledged_privately(bot: Bot):
    fake = bot.fake
    sneaky = fake.add_user("sneaky")
    fake.guild.add_member(sneaky, nick="**Sneaky** @everyone")
    await set_up(bot)
    question, thread = await post_scheduled(bot)

    modal_id = await open_answer_modal(bot, question, sneaky)
    modal = fake.modals[modal_id]
    assert modal_id == f"qotd:answer-modal:{answer_custom_id(question).rsplit(':', 1)[1]}"
    (field,) = modal["components"]
    assert field["component"]["custom_id"] == ANSWER_FIELD and field["component"]["max_length"] == 4000

    record = await submit_modal(bot, modal_id, sneaky, "Use an index on `user_id` <@&1> @here")
    ack = result_message(fake, record)
    assert ack["flags"] & EPHEMERAL
    assert "Answer recorded for question #1" in text_of(ack)

    (echo,) = fake.channel_messages(thread)
    assert echo["content"] == r"**\*\*Sneaky\*\* @​everyone** answered:"  # escaped markdown, broken @everyone
    assert echo["embeds"][0]["description"] == "Use an index on `user_id` <@&1> @here"
    assert echo["allowed_mentions"] == {"parse": []}
    assert echo["mention_everyone"] is False and echo["mentions"] == [] and echo["mention_roles"] == []
    (row,) = await rows(bot.app, select(answers.c.member_id, answers.c.late))
    assert row == (str(sneaky.id), False)
    assert_clean(fake)


async def test_two_members_answering_the_same_question_at_once_are_both_recorded(bot: Bot):
    fake = bot.fake
    await set_up(bot)
    question, thread = await post_scheduled(bot)
    first = await open_answer_modal(bot, question, fake.member)
    second = await open_answer_modal(bot, question, fake.member2)  # same modal id, opened before alice submits
    await submit_modal(bot, first, fake.member, "alice's answer")
    await submit_modal(bot, second, fake.member2, "bob's answer")
    texts = {r.member_id: r.text for r in await rows(bot.app, select(answers.c.member_id, answers.c.text))}
    assert texts == {str(fake.member.id): "alice's answer", str(fake.member2.id): "bob's answer"}
    assert len(fake.channel_messages(thread)) == 2
    assert_clean(fake)


async def test_answer_in_private_mode_is_acknowledged_privately_and_shown_at_the_reveal(bot: Bot):
    fake = bot.fake
    await set_up(bot, mode="private")
    question, thread = await post_scheduled(bot)
    assert "privately" in text_of(question)

    record = await answer_with_modal(bot, question, fake.member, "Shard by tenant id")
    ack = result_message(fake, record)
    assert ack["flags"] & EPHEMERAL and "saved privately for question #1" in text_of(ack)
    await answer_with_modal(bot, question, fake.member2, "Add a read replica")
    assert fake.channel_messages(thread) == []  # nothing shown before the reveal

    await reveal_by_clock(bot)
    shown = "\n".join(text_of(m) for m in fake.channel_messages(thread))
    assert "Everyone's answers" in shown
    assert "alice" in shown and "Shard by tenant id" in shown
    assert "bob" in shown and "Add a read replica" in shown
    assert all(m["allowed_mentions"] == {"parse": []} for m in fake.channel_messages(thread))
    assert_clean(fake)


# --------------------------------------------------------------------------------------------------
# 5. Plain thread replies
# --------------------------------------------------------------------------------------------------


async def test_thread_reply_counts_as_an_answer_with_the_message_content_intent(fake, tmp_path, clock):
    async with running(fake, tmp_path, clock, message_content=True) as bot:
        assert fake.identify_payloads[-1]["intents"] & (1 << 15)
        await set_up(bot)
        question, thread = await post_scheduled(bot)
        reply = fake.message_create(thread, fake.member, "Cache the hot keys")
        await fake.dispatch("MESSAGE_CREATE", reply)
        await fake.wait_for_call("PUT", f"/channels/{thread.id}/messages/{reply['id']}/reactions/*/@me")
        assert [(m, e) for _, m, e in fake.reactions] == [(int(reply["id"]), "✅")]
        (row,) = await rows(bot.app, select(answers.c.member_id, answers.c.text))
        assert row == (str(fake.member.id), "Cache the hot keys")
        assert len(fake.channel_messages(thread)) == 1  # not echoed again: it is already there
        assert_clean(fake)


async def handled(bot: Bot, event_id: str) -> None:
    """Wait until the core has recorded the delivery `event_id` (its handler has run to the end)."""
    for _ in range(100):
        if await rows(bot.app, select(processed_events.c.event_id).where(processed_events.c.event_id == event_id)):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{event_id} was never handled")


async def test_deleting_a_counted_reply_withdraws_the_answer_before_the_reveal_and_says_so(fake, tmp_path, clock):
    async with running(fake, tmp_path, clock, message_content=True) as bot:
        await set_up(bot)
        question, thread = await post_scheduled(bot)
        first = fake.message_create(thread, fake.member, "Cache everything")
        latest = fake.message_create(thread, fake.member, "Cache the hot keys")  # an edit: now the current answer
        other = fake.message_create(thread, fake.member2, "Shard it")
        for message in (first, latest, other):
            await fake.dispatch("MESSAGE_CREATE", message)
            await fake.wait_for_call("PUT", f"/channels/{thread.id}/messages/{message['id']}/reactions/*/@me")
        assert len(await rows(bot.app, select(answers.c.id))) == 2
        alice_dm, bob_dm = fake.dm_channel(fake.member), fake.dm_channel(fake.member2)

        await fake.dispatch("MESSAGE_DELETE", fake.message_delete(first))  # no longer the answer's text
        await handled(bot, f"deleted-{first['id']}")
        assert len(await rows(bot.app, select(answers.c.id))) == 2 and not fake.channel_messages(alice_dm)

        await fake.dispatch("MESSAGE_DELETE", fake.message_delete(latest))
        await fake.wait_for_call("POST", f"/channels/{alice_dm.id}/messages")
        (row,) = await rows(bot.app, select(answers.c.member_id))
        assert row.member_id == str(fake.member2.id)  # only alice's answer is gone
        (dm,) = fake.channel_messages(alice_dm)
        assert dm["content"].startswith("You deleted your reply, so your answer to question #1 is withdrawn.")

        await reveal_by_clock(bot)  # after the reveal a deleted answer stays on record
        await fake.dispatch("MESSAGE_DELETE", fake.message_delete(other))
        await fake.wait_for_call("POST", f"/channels/{bob_dm.id}/messages")
        assert len(await rows(bot.app, select(answers.c.id))) == 1
        (kept,) = fake.channel_messages(bob_dm)
        assert "already revealed, so your answer stays on record" in kept["content"]
        assert_clean(fake)


async def test_a_reply_deleted_after_a_restart_is_traced_by_its_message_id(fake, tmp_path, clock):
    """discord.py keeps no messages across a restart, so Discord's delete event names only the message."""
    async with running(fake, tmp_path, clock, message_content=True) as bot:
        await set_up(bot)
        question, thread = await post_scheduled(bot)
        reply = fake.message_create(thread, fake.member, "Cache the hot keys")
        await fake.dispatch("MESSAGE_CREATE", reply)
        await fake.wait_for_call("PUT", f"/channels/{thread.id}/messages/{reply['id']}/reactions/*/@me")
    async with running(fake, tmp_path, clock, message_content=True) as bot:  # a new process: an empty message cache
        assert bot.client.get_channel(thread.id) is not None  # active threads come with the server on connect
        await fake.dispatch("MESSAGE_DELETE", fake.message_delete(reply))
        dm = fake.dm_channel(fake.member)
        await fake.wait_for_call("POST", f"/channels/{dm.id}/messages")
        assert await rows(bot.app, select(answers.c.id)) == []
        (told,) = fake.channel_messages(dm)
        assert told["content"].startswith("You deleted your reply, so your answer to question #1 is withdrawn.")
        assert_clean(fake)


async def test_without_the_intent_thread_replies_get_one_polite_hint(bot: Bot):
    fake = bot.fake
    assert not fake.identify_payloads[-1]["intents"] & (1 << 15)  # no privileged intent by default
    await set_up(bot)
    question, thread = await post_scheduled(bot)
    first = fake.message_create(thread, fake.member, "my answer")
    await fake.dispatch("MESSAGE_CREATE", first)
    await fake.dispatch("MESSAGE_CREATE", fake.message_create(thread, fake.member, "and more"))
    await fake.dispatch("MESSAGE_CREATE", fake.message_create(thread, fake.member2, "bob's answer"))
    hints = await fake.wait_for_call("POST", f"/channels/{thread.id}/messages", count=2)
    assert len(hints) == 2  # one for alice (not two), one for bob
    assert hints[0].json["content"] == HINT
    assert str(hints[0].json["message_reference"]["message_id"]) == first["id"]
    assert hints[0].json["allowed_mentions"]["replied_user"] is False
    assert await rows(bot.app, select(answers.c.id)) == []
    assert_clean(fake)


# --------------------------------------------------------------------------------------------------
# 6. Reveal
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("on_reveal", ["archive", "lock"])
async def test_reveal_shows_the_answer_lists_names_without_pinging_and_closes_the_question(
    fake, tmp_path, clock, on_reveal
):
    everyone = fake.add_user("everyone-person")
    fake.guild.add_member(everyone, nick="@everyone")
    async with running(fake, tmp_path, clock, thread_on_reveal=on_reveal) as bot:
        await set_up(bot)
        question, thread = await post_scheduled(bot)
        await answer_with_modal(bot, question, fake.member, "first")
        await answer_with_modal(bot, question, everyone, "second")
        before = len(fake.channel_messages(thread))

        await reveal_by_clock(bot)
        reveal_messages = fake.channel_messages(thread)[before:]
        assert reveal_messages
        shown = "\n".join(text_of(m) for m in reveal_messages)
        assert "Reference answer" in shown and "Reference answer for" in shown
        assert "Key points" in shown and "first point" in shown and "third point" in shown
        assert "Answered on time (2)" in shown and "alice" in shown
        assert "@\u200beveryone" in shown and "@everyone" not in shown
        assert all(m["nonce"].startswith("qotd-r") for m in reveal_messages)
        for message in reveal_messages:
            assert message["allowed_mentions"] == {"parse": []}
            assert message["mention_everyone"] is False and message["mentions"] == []

        closed = fake.message(question["id"])
        assert closed["edited_timestamp"] and buttons(closed) == []
        fields = {f["name"]: f["value"] for f in closed["embeds"][0]["fields"]}
        assert "Reveal" not in fields and fields["Status"].startswith("Closed")
        assert f"<#{thread.id}>" in fields["Status"]
        assert thread.archived is True
        assert thread.locked is (on_reveal == "lock")
        assert_clean(fake)


# --------------------------------------------------------------------------------------------------
# 7. Late answers
# --------------------------------------------------------------------------------------------------


async def test_an_answer_after_the_reveal_is_recorded_as_late(bot: Bot):
    fake = bot.fake
    await set_up(bot)
    question, thread = await post_scheduled(bot)
    modal_id = await open_answer_modal(bot, question, fake.member)  # opened before the reveal...
    await reveal_by_clock(bot)
    assert thread.archived
    record = await submit_modal(bot, modal_id, fake.member, "better late than never")  # ...sent after it
    assert "late answer" in text_of(result_message(fake, record))
    assert result_message(fake, record)["flags"] & EPHEMERAL
    (row,) = await rows(bot.app, select(answers.c.late, answers.c.points))
    assert row == (True, 0)
    late_echo = fake.channel_messages(thread)[-1]
    assert "(late)" in late_echo["content"]
    assert thread.archived  # shown, and the thread closed again
    assert_clean(fake)


# --------------------------------------------------------------------------------------------------
# 8. Leaderboard pagination
# --------------------------------------------------------------------------------------------------


async def test_leaderboard_is_paginated_with_buttons(bot: Bot):
    fake = bot.fake
    await set_up(bot, mode="private")
    await post_scheduled(bot)
    for n in range(12):
        reply = await bot.app.answer(
            AnswerSubmitted(channel=bot.channel_ref(), member=Member(f"m{n:02}", f"member-{n:02}"), text="an answer")
        )
        assert reply.ok, reply.text
    question = next(m for m in fake.channel_messages(fake.qotd_channel) if buttons(m))
    zed = fake.add_user("zed")
    fake.guild.add_member(zed)
    await answer_with_modal(bot, question, zed, "zed answers too")  # 13th, and last by name: on page 2

    record = await slash(fake, zed, "leaderboard")
    assert record.response_type == 5 and not record.response_data.get("flags")  # public
    board = result_message(fake, record)
    assert "page 1 of 2" in text_of(board) and "member-00" in text_of(board) and "member-09" in text_of(board)
    assert "member-10" not in text_of(board)
    assert "… you are #1 with 10 points (tied)" in text_of(board)  # the asker's own line, below the page
    assert "/qotd leaderboard" not in text_of(board)  # the buttons replace the text hint
    previous, following = buttons(board)
    assert previous["label"].endswith("Previous") and previous["disabled"] is True
    assert following["label"].startswith("Next") and not following.get("disabled")

    click = await interact(fake, fake.button_click(following["custom_id"], board, fake.member2))
    assert click.response_type == 6  # acknowledged as an update of the same message
    board = fake.message(board["id"])
    assert "page 2 of 2" in text_of(board) and "member-11" in text_of(board) and "member-00" not in text_of(board)
    assert "zed — 10  ← you" in text_of(board)  # still the asker's view, though bob turned the page
    previous, following = buttons(board)
    assert not previous.get("disabled") and following["disabled"] is True
    assert len([m for m in fake.channel_messages(fake.qotd_channel) if "Leaderboard" in text_of(m)]) == 1
    assert_clean(fake)


async def test_status_streak_and_help_are_private_embeds(bot: Bot):
    fake = bot.fake
    await set_up(bot)
    question, _ = await post_scheduled(bot)
    await answer_with_modal(bot, question, fake.member2, "bob's answer")

    status = await slash(fake, fake.member, "status")
    assert status.response_data["flags"] == EPHEMERAL
    assert "Open question: #1" in text_of(result_message(fake, status))
    streak = await slash(fake, fake.member, "streak", member=fake.member2)
    assert "bob has a streak of 1" in text_of(result_message(fake, streak))
    own = await slash(fake, fake.member, "streak")
    assert "You have not answered a question here yet" in text_of(result_message(fake, own))
    helped = await slash(fake, fake.member, "help", command="setup")
    assert "tz=ZONE" in text_of(result_message(fake, helped))
    assert all(m["flags"] & EPHEMERAL for m in map(lambda r: result_message(fake, r), (status, streak, own, helped)))
    paused = await slash(fake, fake.admin, "pause")
    assert "Paused" in text_of(result_message(fake, paused)) and not result_message(fake, paused)["flags"] & EPHEMERAL
    assert_clean(fake)


# --------------------------------------------------------------------------------------------------
# 9. Quiz
# --------------------------------------------------------------------------------------------------


async def test_quiz_is_ephemeral_with_show_answer_then_self_grade_buttons(bot: Bot):
    fake = bot.fake
    record = await slash(fake, fake.member, "quiz", topic="databases")
    assert record.response_type == 5 and record.response_data["flags"] == EPHEMERAL
    quiz = result_message(fake, record)
    assert "Practice question (Databases" in text_of(quiz) and "about databases?" in text_of(quiz)
    (show,) = buttons(quiz)
    assert show["label"] == "Show answer"

    shown = await interact(fake, fake.button_click(show["custom_id"], quiz, fake.member))
    assert shown.response_type == 6
    quiz = fake.message(quiz["id"])
    assert quiz["flags"] & EPHEMERAL
    assert "about databases?" in text_of(quiz) and "Reference answer for databases-" in text_of(quiz)
    assert [b["label"] for b in buttons(quiz)] == ["Again", "Hard", "Good", "Easy", "Tick key points"]

    good = next(b for b in buttons(quiz) if b["label"] == "Good")
    await interact(fake, fake.button_click(good["custom_id"], quiz, fake.member))
    assert "Recorded: good" in text_of(fake.message(quiz["id"]))
    (row,) = await rows(bot.app, select(quiz_attempts.c.member_id, quiz_attempts.c.grade))
    assert row == (str(fake.member.id), "good")
    assert fake.channel_messages(fake.qotd_channel) == []  # nothing public
    assert_clean(fake)


# --------------------------------------------------------------------------------------------------
# 10. Restart
# --------------------------------------------------------------------------------------------------


async def test_answer_buttons_keep_working_after_a_restart(fake, tmp_path, clock):
    async with running(fake, tmp_path, clock) as bot:
        await set_up(bot)
        question, thread = await post_scheduled(bot)
    assert bot.client.is_closed()

    async with running(fake, tmp_path, clock) as restarted:  # a new client and a new Qotd on the same database
        assert restarted.client is not bot.client
        record = await answer_with_modal(restarted, fake.message(question["id"]), fake.member, "after the restart")
        assert "Answer recorded for question #1" in text_of(result_message(fake, record))
        (row,) = await rows(restarted.app, select(answers.c.member_id, answers.c.text))
        assert row == (str(fake.member.id), "after the restart")
        assert "after the restart" in text_of(fake.channel_messages(thread)[-1])
        assert_clean(fake)


# --------------------------------------------------------------------------------------------------
# 11. Rate limits and retries
# --------------------------------------------------------------------------------------------------


async def test_a_429_then_success_posts_the_question_once(bot: Bot):
    fake = bot.fake
    await set_up(bot)
    path = f"/channels/{fake.qotd_channel.id}/messages"
    from bot import metrics

    waited = metrics.REGISTRY.get_sample_value("qotd_rate_limit_wait_seconds_total", {"platform": "discord"}) or 0.0
    fault = fake.fail_next("POST", path, 429, retry_after=0.05)
    await post_scheduled(bot)
    assert fault.hits == 1
    assert metrics.REGISTRY.get_sample_value("qotd_rate_limit_wait_seconds_total", {"platform": "discord"}) >= waited + 0.05
    limited, accepted = fake.calls_to("POST", path)[-2:]
    assert (limited.status, accepted.status) == (429, 200)
    assert limited.json["nonce"] == accepted.json["nonce"] and accepted.json["enforce_nonce"]
    assert len([m for m in fake.channel_messages(fake.qotd_channel) if buttons(m)]) == 1
    assert len(fake.threads(fake.qotd_channel)) == 1
    assert_clean(fake)


async def test_a_lost_response_is_retried_without_a_duplicate(bot: Bot):
    """Discord created the message but the answer was lost (500): the retry's nonce finds the first one."""
    fake = bot.fake
    await set_up(bot)
    path = f"/channels/{fake.qotd_channel.id}/messages"
    fake.fail_next("POST", path, 500, commit=True)
    await post_scheduled(bot)  # discord.py retries a 500 after 1 s
    lost, retried = fake.calls_to("POST", path)[-2:]
    assert (lost.status, retried.status) == (500, 200)
    assert lost.json["nonce"] == retried.json["nonce"]
    assert len([m for m in fake.channel_messages(fake.qotd_channel) if buttons(m)]) == 1
    assert_clean(fake)


# --------------------------------------------------------------------------------------------------
# 12. A channel that disappears or shuts the bot out
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("problem", ["deleted", "forbidden"])
async def test_an_unavailable_channel_disables_its_schedule_and_others_keep_working(bot: Bot, problem):
    fake = bot.fake
    await set_up(bot)
    await set_up(bot, channel=fake.channel)
    if problem == "deleted":
        fake.delete_channel(fake.qotd_channel)
    else:
        fake.forbid(fake.qotd_channel)

    bot.clock.advance(timedelta(hours=2))
    report = await bot.app.tick()
    assert report.posted == 1 and report.failed == 0
    assert [m for m in fake.channel_messages(fake.channel) if buttons(m)]  # #general still got its question
    assert fake.threads(fake.channel)

    admin = Member(str(fake.admin.id), "Ada", is_admin=True)
    status = await bot.app.handle_text(bot.channel_ref(fake.qotd_channel), admin, "/qotd status")
    reason = "the channel no longer exists" if problem == "deleted" else "lacks permission to post"
    assert "disabled" in status.text and "stopped posting here" in status.text and reason in status.text
    (next_post,) = [r.next_post_at for r in await rows(bot.app, select(schedules).where(schedules.c.channel_id == str(fake.qotd_channel.id)))]
    assert next_post is None

    bot.clock.advance(timedelta(days=1))
    await bot.app.tick()  # no retry storm against the dead channel
    assert len(fake.calls_to("POST", f"/channels/{fake.qotd_channel.id}/messages")) == 1
    record = await slash(fake, fake.member, "status", channel=fake.channel)
    assert "Schedule (active)" in text_of(result_message(fake, record))
    assert_clean(fake, allow=(403, 404))


# --------------------------------------------------------------------------------------------------
# 13. Discord's limits
# --------------------------------------------------------------------------------------------------


def long_bank():
    bank = make_bank(per_topic=1, topics=["databases"])
    (qid,) = bank.questions
    words = " ".join(f"word{n}" for n in range(1500))  # ~11,000 characters
    bank.questions[qid] = replace(
        bank.questions[qid],
        question="Why? " + words,
        answer="Because " + words,
        key_points=tuple(f"point {n}: " + "x" * 300 for n in range(8)),
        follow_ups=tuple(f"follow-up {n}: " + "y" * 300 for n in range(8)),
    )
    return bank


async def test_text_over_discords_limits_is_trimmed_with_a_marker_never_rejected(fake, tmp_path, clock):
    async with running(fake, tmp_path, clock, bank=long_bank()) as bot:
        await set_up(bot)
        question, thread = await post_scheduled(bot)
        embed = question["embeds"][0]
        assert len(embed["description"]) <= 4096 and embed["description"].endswith(limits.TRIMMED)

        long_answer = "```python\n" + "print('hello world')\n" * 180 + "```"  # 3,800 characters in a code block
        names = [fake.add_user(f"member-with-a-long-name-{n:02}") for n in range(40)]
        for user in names:
            fake.guild.add_member(user)
        await answer_with_modal(bot, question, fake.member, long_answer)
        for user in names:  # 40 on-time names: more than one embed field holds
            await bot.app.answer(
                AnswerSubmitted(bot.channel_ref(), Member(str(user.id), user.username * 3), "short", post_id=None)
            )
        echo = fake.channel_messages(thread)[0]
        assert echo["embeds"][0]["description"] == long_answer

        await reveal_by_clock(bot)
        revealed = [m for m in fake.channel_messages(thread) if "Reference answer" in text_of(m) or "Key points" in text_of(m)]
        shown = "\n".join(text_of(m) for m in revealed)
        assert shown.count(limits.TRIMMED) >= 3  # answer, key points, follow-ups, names
        for message in fake.messages.values():
            sizes = [len(e.get("description") or "") for e in message["embeds"]]
            assert all(size <= 4096 for size in sizes)
            assert len(message["content"]) <= 2000
        assert fake.message(question["id"])["embeds"][0]["fields"][-1]["name"] == "Status"

        quiz = result_message(fake, await slash(fake, fake.member2, "quiz"))
        (show,) = buttons(quiz)
        await interact(fake, fake.button_click(show["custom_id"], quiz, fake.member2))
        quiz = fake.message(quiz["id"])
        assert "Reference answer" in text_of(quiz) and [b["label"] for b in buttons(quiz)][0] == "Again"
        assert sum(len(text_of({"embeds": [e]})) for e in quiz["embeds"]) <= 6000
        assert_clean(fake)


async def test_an_answer_longer_than_the_modal_allows_cannot_be_typed(bot: Bot):
    fake = bot.fake
    await set_up(bot)
    question, _ = await post_scheduled(bot)
    modal = fake.modals[await open_answer_modal(bot, question, fake.member)]
    assert modal["components"][0]["component"]["max_length"] == limits.MODAL_TEXT
    assert "4,000 characters" in modal["components"][0]["description"]


# --------------------------------------------------------------------------------------------------
# Runner: start-up failures are one clear line and a non-zero exit
# --------------------------------------------------------------------------------------------------


async def test_a_bad_token_is_one_log_line_and_exit_code_2(fake, tmp_path, clock, caplog):
    token = "not-the-right-token.abcdef"
    settings = settings_for(tmp_path, discord_token=token, discord_api_base=fake.api_base)
    app = await bootstrap(settings, clock=clock, bank=make_bank())
    try:
        with fake.patched():
            client = build_client(app, settings, guild_ready_timeout=0.05)
            caplog.set_level(logging.DEBUG)
            code = await run_discord(client, token)
    finally:
        await app.close()
    assert code == 2
    assert client.is_closed()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert "DISCORD_TOKEN" in errors[0].getMessage()
    assert not any(r.exc_info for r in errors)
    assert all(token not in r.getMessage() for r in caplog.records)
    assert fake.calls_to("GET", "/users/@me")[0].headers["Authorization"] == f"Bot {token}"


async def test_a_test_guild_the_bot_is_not_in_is_one_log_line_and_exit_code_2(fake, tmp_path, clock, caplog):
    settings = settings_for(tmp_path, discord_api_base=fake.api_base, discord_test_guild=1234567890)
    app = await bootstrap(settings, clock=clock, bank=make_bank())
    try:
        with fake.patched():
            code = await run_discord(build_client(app, settings, guild_ready_timeout=0.05), fake.token)
    finally:
        await app.close()
    assert code == 2
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "DISCORD_TEST_GUILD 1234567890" in errors[0]


async def test_serve_connects_then_ticks_and_stops_cleanly_on_sigterm(fake, tmp_path):
    env = {
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_BASE": fake.api_base + "/",
        "DISCORD_TEST_GUILD": str(fake.guild.id),
        "DISCORD_SHARD_COUNT": "1",
        "DISCORD_THREAD_ON_REVEAL": "lock",
        "QOTD_TICK_SECONDS": "3600",
    }
    settings = replace(Settings.from_env(env), database_url=settings_for(tmp_path).database_url)
    setup_app = await bootstrap(settings, clock=FakeClock(START))
    channel = ChannelRef("discord", str(fake.guild.id), str(fake.qotd_channel.id))
    reply = await setup_app.handle_text(channel, Member("1", "Ada", is_admin=True), "/qotd setup time=09:00 tz=Europe/Berlin")
    assert reply.ok, reply.text
    await setup_app.close()

    with fake.patched():
        serving = asyncio.create_task(serve(settings, clock=FakeClock(START + timedelta(hours=2)), discord_options={"guild_ready_timeout": 0.05}))
        # The first tick runs once connected and posts the due question through the client.
        await fake.wait_for_call("POST", f"/channels/{fake.qotd_channel.id}/messages", timeout=10)
        assert fake.commands[fake.guild.id][0]["name"] == "qotd"
        assert fake.identify_payloads[-1]["shard"] == [0, 1]
        assert discord.http.Route.BASE == fake.api_base
        os.kill(os.getpid(), signal.SIGTERM)
        assert await asyncio.wait_for(serving, 10) == 0
    (thread,) = fake.threads(fake.qotd_channel)
    assert [m for m in fake.channel_messages(fake.qotd_channel) if buttons(m)]


async def test_a_question_posted_without_its_thread_is_explained_in_status(bot: Bot):
    fake = bot.fake
    await set_up(bot)
    # Someone takes away the bot's right to open threads in the channel.
    fake.qotd_channel.permission_overwrites.append(Overwrite(fake.bot_user.id, 1, deny=Perm.CREATE_PUBLIC_THREADS))
    bot.clock.set(START + timedelta(hours=2))
    assert (await bot.app.tick()).posted == 1
    assert fake.threads(fake.qotd_channel) == []
    (question,) = [m for m in fake.channel_messages(fake.qotd_channel) if buttons(m)]  # posted, with its Answer button
    status = text_of(result_message(fake, await slash(fake, fake.admin, "status")))
    assert "Question #1 has no thread: the bot could not open one here." in status
    assert "members answer with the Answer button" in status

    await answer_with_modal(bot, question, fake.member, "still counted")  # the form works without a thread
    assert [r.text for r in await rows(bot.app, select(answers.c.text))] == ["still counted"]


def test_the_invite_url_asks_for_the_scopes_and_permissions_the_bot_uses():
    url = invite_url(1234)
    assert "client_id=1234" in url and "scope=bot+applications.commands" in url
    needed = (
        Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES | Perm.EMBED_LINKS | Perm.READ_MESSAGE_HISTORY | Perm.ADD_REACTIONS
        | Perm.CREATE_PUBLIC_THREADS | Perm.SEND_MESSAGES_IN_THREADS | Perm.MANAGE_THREADS
    )
    assert f"permissions={needed}" in url


# --------------------------------------------------------------------------------------------------
# Limits helpers
# --------------------------------------------------------------------------------------------------


def test_fit_and_split_keep_within_limits_and_close_code_blocks():
    text = "```\n" + "line of code\n" * 400 + "```"
    fitted = limits.fit(text, 1000)
    assert len(fitted) <= 1000 and fitted.endswith(limits.TRIMMED) and fitted.count("```") % 2 == 0
    chunks = limits.split(text, 2000)
    assert len(chunks) == 3 and all(len(c) <= 2000 for c in chunks)
    assert all(c.count("```") % 2 == 0 for c in chunks)  # each chunk closes what it opens
    assert "".join(chunks).count("line of code") == 400
    assert limits.fit("short", 10) == "short" and limits.split("short") == ["short"]


def test_embeds_are_capped_and_packed_into_messages_discord_accepts():
    big = discord.Embed(title="t" * 256, description="d" * 4096)
    for n in range(3):
        big.add_field(name=f"f{n}", value="v" * 1024)
    assert len(limits.cap_embed(big.copy())) <= 6000
    assert limits.cap_embed(big.copy()).description.endswith(limits.TRIMMED)
    messages = limits.pack([discord.Embed(description="x" * 2500) for _ in range(5)] + [discord.Embed(title="y")] * 12)
    assert all(len(m) <= 10 and sum(len(e) for e in m) <= 6000 for m in messages)
    assert sum(len(m) for m in messages) == 17
    last = discord.Embed(description="last")
    assert limits.one_message([discord.Embed(description="x" * 4000), discord.Embed(description="z" * 4000), last])[-1] is last
