"""`/qotd admin streak` and `/qotd admin audit`: admins fix a member's streak, and every change leaves a trace."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.commands import Admin, parse_command
from bot.db.tables import admin_audit, member_stats
from bot.errors import InvalidInput
from bot.ports import Member
from bot.services.withdrawing import AnswerWithdrawn
from tests.conftest import ADMIN, ALICE, BOB, CHANNEL
from tests.test_lifecycle import answer, count, setup
from tests.test_streak_freezes import DAILY, at, play_day
from tests.test_streaks import streak_of


async def admin(app, text, who=ADMIN):
    return await app.handle_text(CHANNEL, who, f"/qotd admin {text}")


async def stats(app, member):
    async with app.ctx.engine.connect() as conn:
        row = (await conn.execute(select(member_stats).where(member_stats.c.member_id == member.id))).first()
    return (row.current_streak, row.longest_streak, row.on_time_answers, row.points, row.freezes)


@pytest.mark.parametrize(
    "text, options",
    [
        ('streak member=alice value=7 reason="bot was down"', {"member": "alice", "value": "7", "reason": "bot was down"}),
        ('streak member=<@U123|alice> value=07 reason="  two   spaces "', {"member": "U123", "value": "7", "reason": "two spaces"}),
        ('streak member=<@U123> value=0 reason=x', {"member": "U123", "value": "0", "reason": "x"}),
        ('streak member=<@!42> value=10000 reason=x', {"member": "42", "value": "10000", "reason": "x"}),
        ('streak @alice 3 "restored after the outage"', {"member": "alice", "value": "3", "reason": "restored after the outage"}),
        ("audit", {}),
        ("AUDIT member=@bob", {"member": "bob"}),
        ("audit <@U9|bob>", {"member": "U9"}),
    ],
)
def test_admin_actions_parse_into_clean_options(text, options):
    assert parse_command(f"/qotd admin {text}") == Admin(text.split()[0].lower(), options)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "/qotd admin needs an action: streak, audit"),
        ("streaks", "unknown admin action 'streaks'"),
        ("streak member=alice value=3", "/qotd admin streak needs reason="),
        ("streak value=3 reason=x", "/qotd admin streak needs member="),
        ('streak member=alice value=-1 reason=x', "value '-1' must be a whole number from 0 to 10000"),
        ('streak member=alice value=10001 reason=x', "value '10001' must be a whole number from 0 to 10000"),
        ('streak member=alice value=three reason=x', "value 'three' must be a whole number"),
        ('streak member=alice value=3 reason=" "', "/qotd admin streak needs reason="),
        ('streak member=@ value=3 reason=x', "member= is empty"),
        ("streak member=alice value=3 reason=" + "x" * 301, "the reason is 301 characters; keep it to 300"),
        ("streak member=alice value=3 reason=x points=4", "does not take 'points='"),
        ("streak alice 3 because reasons", "'reasons' is extra"),
        ("audit member=alice extra", "'extra' is extra"),
    ],
)
def test_bad_admin_input_names_the_problem(text, message):
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_command(f"/qotd admin {text}")


async def test_an_admin_restores_a_streak_and_the_audit_log_shows_it(app, clock):
    await setup(app, DAILY)
    for _ in range(3):
        await play_day(app, clock, ALICE, BOB)
    await play_day(app, clock, BOB)  # alice misses a day (the bot was down for her, say)
    assert (await stats(app, ALICE))[:2] == (0, 3)
    reply = await admin(app, 'streak member=alice value=4 reason="the bot was down on Thursday"')
    assert reply.ok and reply.text.startswith("alice's streak is now 4 (was 0); longest is now 4.")
    assert (await stats(app, ALICE))[:2] == (4, 4)
    await play_day(app, clock, ALICE)
    text = await streak_of(app, ALICE)
    assert "streak of 5 (longest 5)" in text
    # Points continue from the restored streak: 10 + 2 x 4 for the fifth in a row.
    assert (await stats(app, ALICE))[3] == 10 + 12 + 14 + 18

    clock.advance(timedelta(minutes=5))
    await admin(app, "streak member=u-bob value=2 reason=typo")
    log = await admin(app, "audit")
    lines = log.text.splitlines()
    assert lines[0] == "Admin changes in this channel, newest first:"
    assert lines[1].endswith("— Ada set bob's streak: 0 -> 2 · \"typo\"")
    assert lines[2] == "Fri 27 Nov 07:00 CET (06:00 UTC) — Ada set alice's streak: 0 -> 4 · \"the bot was down on Thursday\""
    only_alice = await admin(app, "audit member=ALICE")
    assert only_alice.text.splitlines()[0] == "Admin changes about alice in this channel, newest first:"
    assert len(only_alice.text.splitlines()) == 2


async def test_lowering_a_streak_keeps_the_longest_and_a_same_value_changes_nothing(app, clock):
    await setup(app, DAILY)
    for _ in range(3):
        await play_day(app, clock, ALICE)
    reply = await admin(app, "streak member=alice value=1 reason=\"answered for someone else\"")
    assert reply.text.startswith("alice's streak is now 1 (was 3) (longest 3).")
    assert (await stats(app, ALICE))[:2] == (1, 3)
    same = await admin(app, "streak member=alice value=1 reason=again")
    assert "already 1; nothing changed" in same.text
    assert await count(app, admin_audit) == 1


async def test_only_admins_may_set_streaks_or_read_the_audit_log(app, clock):
    await setup(app, DAILY)
    await play_day(app, clock, ALICE)
    refused = await admin(app, "streak member=alice value=50 reason=please", who=ALICE)
    assert not refused.ok and "only admins can use /qotd admin streak" in refused.text
    assert not (await admin(app, "audit", who=BOB)).ok
    assert (await stats(app, ALICE))[0] == 1 and await count(app, admin_audit) == 0


async def test_unknown_or_ambiguous_members_are_refused_and_nothing_changes(app, clock):
    await setup(app, DAILY)
    await play_day(app, clock, ALICE, BOB, Member("u-alice-2", "Alice"))
    unknown = await admin(app, "streak member=carol value=3 reason=x")
    assert not unknown.ok and "no member called 'carol' has answered in this channel yet" in unknown.text
    twice = await admin(app, "streak member=alice value=3 reason=x")
    assert not twice.ok and "2 members here are called 'alice'; mention the one you mean" in twice.text
    assert (await admin(app, "streak member=u-alice-2 value=3 reason=x")).ok
    assert not (await admin(app, "audit member=carol")).ok
    assert (await stats(app, ALICE))[0] == 1 and await count(app, admin_audit) == 1


async def test_the_audit_log_shows_the_latest_twenty(app, clock):
    await setup(app, DAILY)
    await play_day(app, clock, ALICE)
    for value in range(2, 27):
        clock.advance(timedelta(minutes=1))
        assert (await admin(app, f"streak member=alice value={value} reason=step-{value}")).ok
    lines = (await admin(app, "audit")).text.splitlines()
    assert lines[0] == "Admin changes in this channel, newest first (the latest 20):"
    assert len(lines) == 21 and "25 -> 26" in lines[1] and "6 -> 7" in lines[-1]
    empty = await app.handle_text(replace(CHANNEL, channel_id="other"), ADMIN, "/qotd admin audit")
    assert empty.text == "No admin changes are logged in this channel yet."


async def test_recomputing_after_a_withdrawal_keeps_the_admins_value(app, clock, port):
    await setup(app, DAILY)
    await play_day(app, clock, ALICE)
    await play_day(app, clock)  # alice's streak ends
    await admin(app, 'streak member=alice value=9 reason="restored"')
    await at(app, clock, 2)
    await answer(app, ALICE, "tuesday's answer")
    assert (await stats(app, ALICE))[:2] == (10, 10)
    thread = f"thread-{port.posts[-1][1].post_id}"
    reply = await app.withdraw(AnswerWithdrawn(CHANNEL, ALICE.id, thread_id=thread, text="tuesday's answer"))
    assert reply.data["outcome"] == "withdrawn" and "streak is now 9" in reply.text
    assert (await stats(app, ALICE))[:2] == (9, 9)


async def test_help_explains_the_admin_actions(app):
    overview = (await app.handle_text(CHANNEL, ALICE, "/qotd help")).text
    assert "/qotd admin ACTION" in overview and "streak, audit" in overview
    text = (await app.handle_text(CHANNEL, ALICE, "/qotd help admin")).text
    for expected in (
        '/qotd admin streak member=@name value=N reason="why"',
        "the new current streak, 0 to 10000",
        "up to 300 characters",
        "/qotd admin audit [member=@name]",
        "latest 20 admin changes",
        "Admins only.",
    ):
        assert expected in text
