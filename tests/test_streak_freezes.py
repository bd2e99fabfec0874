"""Streak freezes: earned by on-time answers, used at the reveal of a missed scheduled question.

Driven through the core with a fake clock on real SQLite (and PostgreSQL when configured).
"""

from __future__ import annotations

import logging
import random
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import bootstrap
from bot.config import ConfigError, Settings
from bot.db.tables import member_stats, streak_freezes
from bot.services.withdrawing import AnswerWithdrawn
from tests.conftest import ADMIN, ALICE, BOB, CHANNEL
from tests.support import RecordingPort, make_bank
from tests.test_lifecycle import answer, setup
from tests.test_streaks import streak_of

DAILY = "time=09:00 tz=Europe/Berlin days=daily reveal=8h"  # posts 08:00 UTC, reveals 16:00 UTC


async def at(app, clock, hours: float) -> None:
    """Jump the clock straight to the next due moment and run what is due (3 ticks a day, not 48)."""
    clock.advance(timedelta(hours=hours))
    await app.tick()


async def play_day(app, clock, *members, late=()):
    """From 06:00 UTC: the question is posted at 08:00, `members` answer, it is revealed at 16:00,
    `late` members answer after that; then on to 06:00 the next day."""
    await at(app, clock, 2)
    for member in members:
        assert (await answer(app, member, f"answer from {member.name}")).ok
    await at(app, clock, 8)
    for member in late:
        assert (await answer(app, member, "late answer")).data["outcome"] == "late"
    await at(app, clock, 14)


@pytest.fixture
async def small(settings, clock, port):
    """The app with a freeze every 2 on-time answers, at most 2 held: short scenarios."""
    qotd = await bootstrap(
        replace(settings, freeze_every=2, freeze_max=2), clock=clock, ports={"test": port}, rng=random.Random(7), bank=make_bank()
    )
    yield qotd
    await qotd.close()


async def freezes_of(app, member) -> int:
    async with app.ctx.engine.connect() as conn:
        return (
            await conn.execute(select(member_stats.c.freezes).where(member_stats.c.member_id == member.id))
        ).scalar()


async def ledger(app, member) -> list[str]:
    async with app.ctx.engine.connect() as conn:
        return list(
            (
                await conn.execute(
                    select(streak_freezes.c.kind).where(streak_freezes.c.member_id == member.id).order_by(streak_freezes.c.id)
                )
            ).scalars()
        )


async def test_every_fifth_on_time_answer_earns_a_freeze_by_default(app, clock):
    await setup(app, DAILY)
    acks = []
    for _ in range(5):
        await at(app, clock, 2)
        acks.append(await answer(app, ALICE))
        await at(app, clock, 22)
    assert all("streak freeze" not in ack.text for ack in acks[:4])
    assert "You earned a streak freeze" in acks[4].text and acks[4].data["freezes"] == 1
    text = await streak_of(app, ALICE)
    assert "streak of 5" in text and "1 freeze held (next in 5 on-time answers)" in text
    assert "Every 5 on-time answers earn a streak freeze (hold up to 2)" in text
    assert await ledger(app, ALICE) == ["earned"]


async def test_a_missed_day_with_a_freeze_keeps_the_streak_and_the_member_is_told(small, clock, port):
    app = small
    await setup(app, DAILY)
    await play_day(app, clock, ALICE, BOB)
    await play_day(app, clock, ALICE, BOB)  # the second on-time answer earns a freeze
    assert await freezes_of(app, ALICE) == 1
    await play_day(app, clock, BOB)  # alice misses Wednesday
    text = await streak_of(app, ALICE)
    assert "streak of 2 (longest 2)" in text and "0 freezes held (next in 2 on-time answers)." in text
    assert await ledger(app, ALICE) == ["earned", "used"]
    told = [(member, text) for _, member, text in port.private]
    assert told == [
        (
            ALICE.id,
            "You missed question #3, so a streak freeze was used and your streak of 2 is safe. "
            "You have 0 freezes left; every 2 on-time answers earn another.",
        )
    ]
    # The next answer continues the kept streak; the next miss without a freeze ends it.
    await play_day(app, clock, ALICE, BOB)
    assert "streak of 3" in await streak_of(app, ALICE)
    await play_day(app, clock, BOB)
    assert "streak of 0 (longest 3)" in await streak_of(app, ALICE)
    assert len(port.private) == 1


async def test_freezes_are_capped_and_each_miss_uses_one(small, clock, port):
    app = small
    await setup(app, DAILY)
    acks = []
    for _ in range(6):
        await at(app, clock, 2)
        acks.append(await answer(app, ALICE))
        await at(app, clock, 22)
    earned = [ack.data.get("freezes") for ack in acks]
    assert earned == [None, 1, None, 2, None, None]  # the sixth would be a third: over the cap of 2
    assert "(2 held)" in acks[3].text
    assert "2 freezes held (the maximum)" in await streak_of(app, ALICE)
    for _ in range(2):
        await play_day(app, clock)
    text = await streak_of(app, ALICE)
    assert "streak of 6 (longest 6)" in text and "0 freezes held" in text
    assert [text.split(" You have ")[1][:17] for _, _, text in port.private] == ["1 freeze left; ev", "0 freezes left; e"]
    await play_day(app, clock)
    assert "streak of 0" in await streak_of(app, ALICE)


async def test_bonus_questions_earn_but_never_use_freezes(small, clock, port):
    app = small
    await setup(app, DAILY)
    for _ in range(2):
        await app.handle_text(CHANNEL, ADMIN, "/qotd post")
        await answer(app, ALICE)
        await app.handle_text(CHANNEL, ADMIN, "/qotd reveal")
    assert await freezes_of(app, ALICE) == 1
    await app.handle_text(CHANNEL, ADMIN, "/qotd post")
    await app.handle_text(CHANNEL, ADMIN, "/qotd reveal")  # a bonus question nobody answered
    assert await freezes_of(app, ALICE) == 1 and port.private == []
    assert "streak of 2" in await streak_of(app, ALICE)


async def test_late_answers_earn_nothing(small, clock):
    app = small
    await setup(app, DAILY)
    await play_day(app, clock, ALICE)
    await at(app, clock, 2)
    await at(app, clock, 8)  # Tuesday's question is revealed
    ack = await answer(app, ALICE, "late")
    assert ack.data["outcome"] == "late" and "freeze" not in ack.text
    assert await freezes_of(app, ALICE) == 0


async def test_a_failure_to_tell_the_member_does_not_fail_the_reveal(settings, clock, caplog):
    class DeafPort(RecordingPort):
        async def send_private(self, channel, member_id, text):
            raise RuntimeError("direct messages are closed")

    port = DeafPort()
    app = await bootstrap(
        replace(settings, freeze_every=1), clock=clock, ports={"test": port}, rng=random.Random(7), bank=make_bank()
    )
    try:
        await setup(app, DAILY)
        await play_day(app, clock, ALICE)
        with caplog.at_level(logging.WARNING):
            await play_day(app, clock)
        assert len(port.reveals) == 2
        text = await streak_of(app, ALICE)
        assert "streak of 1 (longest 1)" in text and "0 freezes held" in text
        assert "could not be told" in caplog.text and "direct messages are closed" in caplog.text
    finally:
        await app.close()


async def test_withdrawing_the_answer_that_earned_a_freeze_takes_the_freeze_back(small, clock, port):
    app = small
    await setup(app, DAILY)
    await play_day(app, clock, ALICE)
    await at(app, clock, 2)
    assert (await answer(app, ALICE, "second")).data["freezes"] == 1
    thread = f"thread-{port.posts[-1][1].post_id}"
    reply = await app.withdraw(AnswerWithdrawn(CHANNEL, ALICE.id, thread_id=thread, text="second"))
    assert reply.data["outcome"] == "withdrawn"
    assert await freezes_of(app, ALICE) == 0 and await ledger(app, ALICE) == []
    # Answering again earns it again.
    assert (await answer(app, ALICE, "second, again")).data["freezes"] == 1
    assert await ledger(app, ALICE) == ["earned"]


def test_freeze_settings_come_from_the_environment():
    defaults = Settings.from_env({})
    assert (defaults.freeze_every, defaults.freeze_max) == (5, 2)
    chosen = Settings.from_env({"QOTD_FREEZE_EVERY": "7", "QOTD_FREEZE_MAX": "0"})
    assert (chosen.freeze_every, chosen.freeze_max) == (7, 0)
    for name, value in [("QOTD_FREEZE_EVERY", "0"), ("QOTD_FREEZE_EVERY", "five"), ("QOTD_FREEZE_MAX", "-1")]:
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({name: value})


async def test_no_freezes_when_the_maximum_is_zero(settings, clock, port):
    app = await bootstrap(
        replace(settings, freeze_every=1, freeze_max=0), clock=clock, ports={"test": port}, rng=random.Random(7), bank=make_bank()
    )
    try:
        await setup(app, DAILY)
        await play_day(app, clock, ALICE)
        await play_day(app, clock)
        text = await streak_of(app, ALICE)
        assert "streak of 0 (longest 1)" in text and "freeze" not in text
    finally:
        await app.close()


async def test_recomputed_totals_match_the_incremental_ones_with_freezes_and_an_admin_override(small, clock, port):
    """Like test_withdrawing's mixed-days check, with freezes earned and used and an admin's streak setting."""
    from tests.test_withdrawing import recomputed, stats_row

    app = small
    await setup(app, DAILY)
    pattern = [(ALICE, BOB), (ALICE, BOB), (BOB,), (), (ALICE, BOB), (ALICE,), (), ()]
    for who in pattern:
        await play_day(app, clock, *who, late=[m for m in (ALICE, BOB) if m not in who][:1])
    assert {member for _, member, _ in port.private} == {ALICE.id, BOB.id}  # both used freezes on the way
    assert (await app.handle_text(CHANNEL, ADMIN, '/qotd admin streak member=bob value=7 reason="restored"')).ok
    await play_day(app, clock, ALICE, BOB)
    for member in (ALICE, BOB):
        row = await stats_row(app, member)
        again = await recomputed(app, member)
        assert (again.current_streak, again.longest_streak, again.on_time_answers, again.late_answers, again.points,
                again.freezes) == (row.current_streak, row.longest_streak, row.on_time_answers, row.late_answers,
                                   row.points, row.freezes), member.name
    assert (await stats_row(app, BOB)).current_streak == 8
    # Withdrawing an answer recomputes from this history and lands on the same numbers as before it.
    before = await stats_row(app, ALICE)
    await at(app, clock, 2)
    await answer(app, ALICE, "to withdraw")
    thread = f"thread-{port.posts[-1][1].post_id}"
    await app.withdraw(AnswerWithdrawn(CHANNEL, ALICE.id, thread_id=thread, text="to withdraw"))
    assert await stats_row(app, ALICE) == before
