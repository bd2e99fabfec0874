"""Streak freezes and `/qotd admin streak|audit` on Slack end to end: the real Bolt app against FakeSlack.

Same harness as tests/test_slack_adapter.py; the app here earns a freeze with every on-time answer
so one day is enough to earn one and the next to use it. Mentions arrive escaped (`<@U123|name>`),
as the manifest's `should_escape: true` asks of Slack.
"""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db.tables import admin_audit, member_stats
from tests.conftest import START
from tests.test_slack_adapter import (  # noqa: F401 - clock and no_slack_env are fixtures
    Bot,
    all_text,
    answer_with_modal,
    clock,
    command,
    no_slack_env,
    post_scheduled,
    rows,
    serving,
    set_up,
    sqlite_settings,
)


@pytest.fixture
async def bot(tmp_path, clock):  # noqa: F811 - this file's bot earns a freeze on every on-time answer
    async with serving(sqlite_settings(tmp_path, freeze_every=1), clock) as served:
        yield served


async def reveal_by_clock(bot: Bot) -> None:
    bot.clock.advance(timedelta(hours=8, minutes=1))
    assert (await bot.app.tick()).revealed == 1


async def streak_row(bot: Bot, member_id: str):
    (row,) = await rows(bot.app, select(member_stats).where(member_stats.c.member_id == member_id))
    return row


async def test_a_freeze_is_earned_then_used_and_the_member_is_told_privately(bot: Bot):
    await set_up(bot)
    _, post_id = await post_scheduled(bot)
    ack = await answer_with_modal(bot, "UALICE", post_id, "An index on user_id.")
    assert "You earned a streak freeze" in all_text(ack)
    await reveal_by_clock(bot)
    bot.clock.set(START + timedelta(days=1, hours=2))  # Tuesday's question, which alice misses
    assert (await bot.app.tick()).posted == 1
    before = len(bot.fake.calls_to("chat.postEphemeral"))
    await reveal_by_clock(bot)
    (told,) = [c.params for c in bot.fake.calls_to("chat.postEphemeral")[before:]]
    assert told["user"] == "UALICE" and told["channel"] == "CQOTD"
    assert "You missed question #2, so a streak freeze was used and your streak of 1 is safe." in all_text(told)
    reply = await command(bot, "UALICE", "streak")
    assert "You have a streak of 1 (longest 1)" in reply["text"] and "0 freezes held" in reply["text"]


async def test_an_admin_sets_a_streak_by_mention_and_the_audit_log_shows_it(bot: Bot):
    await set_up(bot)
    _, post_id = await post_scheduled(bot)
    await answer_with_modal(bot, "UALICE", post_id, "An index on user_id.")
    reply = await command(bot, "UADMIN", 'admin streak member=<@UALICE|alice> value=12 reason="Restored after the outage"')
    assert reply["response_type"] == "ephemeral", reply
    assert "alice's streak is now 12 (was 1); longest is now 12." in reply["text"]
    row = await streak_row(bot, "UALICE")
    assert (row.current_streak, row.longest_streak) == (12, 12)
    # A mention without a label, and a display name with a space, both work too.
    assert "alice's streak is now 3 (was 12)" in (await command(bot, "UADMIN", "admin streak <@UALICE> 3 typo"))["text"]

    log = await command(bot, "UADMIN", "admin audit member=<@UALICE|alice smith>")
    assert log["response_type"] == "ephemeral"
    lines = html.unescape(log["text"]).splitlines()  # Slack escapes '>' as '&gt;' and shows it as '>'
    assert "12 -&gt; 3" in log["text"]
    assert lines[0] == "Admin changes about alice in this channel, newest first:"
    assert lines[1].endswith('Ada set alice\'s streak: 12 -> 3 · "typo"')
    assert lines[2] == 'Mon 23 Nov 09:00 CET (08:00 UTC) — Ada set alice\'s streak: 1 -> 12 · "Restored after the outage"'


async def test_members_are_refused_and_bad_input_changes_nothing(bot: Bot):
    await set_up(bot)
    _, post_id = await post_scheduled(bot)
    await answer_with_modal(bot, "UALICE", post_id, "An index on user_id.")
    refused = await command(bot, "UALICE", "admin streak member=<@UALICE|alice> value=99 reason=please")
    assert refused["response_type"] == "ephemeral" and "only admins can use /qotd admin streak" in refused["text"]
    for text, problem in [
        ("admin streak member=<@UALICE|alice> value=-3 reason=x", "value '-3' must be a whole number from 0 to 10000"),
        ("admin streak member=<@UALICE|alice> value=3", "/qotd admin streak needs reason="),
        ("admin streak member=<@UBOB|bob> value=3 reason=x", "no member called 'UBOB' has answered in this channel yet"),
        ('admin streak member=<@UALICE|alice> value=3 reason="unclosed', "check your quotes"),
    ]:
        reply = await command(bot, "UADMIN", text)
        assert reply["response_type"] == "ephemeral" and problem in reply["text"], (text, reply["text"])
    assert (await streak_row(bot, "UALICE")).current_streak == 1
    assert await rows(bot.app, select(admin_audit)) == []
    assert "No admin changes are logged" in (await command(bot, "UADMIN", "admin audit"))["text"]
