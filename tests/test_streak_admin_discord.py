"""Streak freezes and `/qotd admin streak|audit` on Discord end to end: the real discord.py client against FakeDiscord.

Same harness as tests/test_discord_adapter.py; the app here earns a freeze with every on-time answer
so one day is enough to earn one and the next to use it.
"""

from __future__ import annotations

import contextlib
import random
from datetime import timedelta

import pytest

from adapters.discord.client import QotdDiscordClient
from bot.bootstrap import bootstrap
from tests.conftest import START
from tests.fakes import FakeDiscord
from tests.support import make_bank
from tests.test_discord_adapter import (
    EPHEMERAL,
    Bot,
    answer_with_modal,
    assert_clean,
    interact,
    post_scheduled,
    result_message,
    reveal_by_clock,
    set_up,
    settings_for,
    slash,
    text_of,
)
from tests.test_discord_adapter import clock, fake  # noqa: F401 - fixtures


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord, tmp_path, clock):
    app = await bootstrap(settings_for(tmp_path, freeze_every=1), clock=clock, rng=random.Random(7), bank=make_bank())
    client = QotdDiscordClient(app, test_guild_id=fake.guild.id, guild_ready_timeout=0.05)
    try:
        async with fake.connected(client):
            yield Bot(fake, app, client, clock)
    finally:
        await app.close()


@pytest.fixture
async def bot(fake, tmp_path, clock):  # noqa: F811
    async with running(fake, tmp_path, clock) as bot:
        yield bot


async def admin_command(bot: Bot, user, action: str, **options):
    payload = bot.fake.slash_command(
        bot.fake.guild, bot.fake.qotd_channel, user, subcommand_group="admin", subcommand=action, options=options or None
    )
    return await interact(bot.fake, payload)


def shown(bot: Bot, record) -> str:
    """What the member saw: the edited deferral, or the immediate (error) response."""
    if record.original_message_id is not None:
        message = result_message(bot.fake, record)
        assert message["flags"] & EPHEMERAL
        return text_of(message)
    assert record.response_data["flags"] & EPHEMERAL
    return text_of(record.response_data)


async def test_admin_streak_and_audit_subcommands_have_typed_options(bot: Bot):
    (command,) = bot.fake.commands[bot.fake.guild.id]
    admin = next(o for o in command["options"] if o["name"] == "admin")
    subs = {o["name"]: o for o in admin["options"]}
    streak = {o["name"]: o for o in subs["streak"]["options"]}
    assert (streak["member"]["type"], streak["value"]["type"], streak["reason"]["type"]) == (6, 4, 3)
    assert (streak["value"]["min_value"], streak["value"]["max_value"]) == (0, 10000)
    assert streak["reason"]["max_length"] == 300 and all(o["required"] for o in streak.values())
    audit = {o["name"]: o for o in subs["audit"]["options"]}
    assert audit["member"]["type"] == 6 and not audit["member"].get("required")


async def test_a_freeze_is_earned_used_at_the_reveal_and_the_member_gets_a_direct_message(bot: Bot):
    fake = bot.fake
    await set_up(bot)
    question, _ = await post_scheduled(bot)
    ack = result_message(fake, await answer_with_modal(bot, question, fake.member, "an index on user_id"))
    assert "You earned a streak freeze" in text_of(ack)
    await reveal_by_clock(bot)
    bot.clock.set(START + timedelta(days=1, hours=2))  # Tuesday 09:00 Berlin: the next question, which alice misses
    assert (await bot.app.tick()).posted == 1
    await reveal_by_clock(bot)
    (dm,) = fake.channel_messages(fake.dm_channel(fake.member))
    assert dm["content"].startswith("You missed question #2, so a streak freeze was used and your streak of 1 is safe.")
    streak = await slash(fake, fake.member, "streak")
    assert "You have a streak of 1 (longest 1)" in shown(bot, streak) and "0 freezes held" in shown(bot, streak)
    assert_clean(fake)


async def test_an_admin_sets_a_streak_with_a_reason_and_reads_the_audit_log(bot: Bot):
    fake = bot.fake
    await set_up(bot)
    question, _ = await post_scheduled(bot)
    await answer_with_modal(bot, question, fake.member, "an index on user_id")
    record = await admin_command(bot, fake.admin, "streak", member=fake.member, value=12, reason="Restored after the outage")
    assert record.response_data.get("flags") == EPHEMERAL  # deferred privately
    assert "alice's streak is now 12 (was 1); longest is now 12." in shown(bot, record)
    streak = await slash(fake, fake.member, "streak")
    assert "You have a streak of 12 (longest 12)" in shown(bot, streak)

    log = shown(bot, await admin_command(bot, fake.admin, "audit"))
    assert "Admin changes in this channel, newest first:" in log
    assert "Ada set alice's streak: 1 -> 12 · \"Restored after the outage\"" in log
    assert "Mon 23 Nov 09:00 CET (08:00 UTC)" in log
    about_bob = shown(bot, await admin_command(bot, fake.admin, "audit", member=fake.member2))
    assert "no member called" in about_bob  # bob has not answered here
    assert_clean(fake)


async def test_members_cannot_use_admin_streak_and_unknown_members_are_refused(bot: Bot):
    fake = bot.fake
    await set_up(bot)
    question, _ = await post_scheduled(bot)
    await answer_with_modal(bot, question, fake.member, "an index on user_id")
    refused = await admin_command(bot, fake.member, "streak", member=fake.member, value=99, reason="please")
    assert "/qotd admin streak is for admins" in shown(bot, refused)
    unknown = await admin_command(bot, fake.admin, "streak", member=fake.member2, value=3, reason="typo")
    assert "no member called" in shown(bot, unknown) and "has answered in this channel yet" in shown(bot, unknown)
    streak = await slash(fake, fake.member, "streak")
    assert "You have a streak of 1 (longest 1)" in shown(bot, streak)
    assert "No admin changes are logged" in shown(bot, await admin_command(bot, fake.admin, "audit"))
    assert_clean(fake)
