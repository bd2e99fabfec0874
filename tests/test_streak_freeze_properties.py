"""Property-based: streak and freeze accounting over random sequences of answered, missed, late and paused days.

Each example plays random days in a fresh channel through the real core (scheduler ticks, answers,
pause/resume, admin streak settings) on a real database, then checks three things agree: a small
reference model written here, the incrementally kept `member_stats` rows, and the replay of the history
in `bot.services.member_history` (what withdrawing an answer relies on).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.db.tables import member_stats
from bot.ports import ChannelRef, Member
from bot.scoring import points_for_on_time
from bot.services.answering import AnswerSubmitted
from bot.services.member_history import recompute_member_totals
from tests.conftest import ADMIN

MEMBERS = [Member(f"u-{name}", name) for name in ("ann", "ben", "cat")]
ON_TIME, MISSED, LATE = "on_time", "missed", "late"
_channels = itertools.count(1)


@dataclass
class Model:
    """What the rules promise, written as plainly as possible."""

    streak: int = 0
    longest: int = 0
    freezes: int = 0
    on_time: int = 0
    late: int = 0
    points: int = 0
    known: bool = False  # has a stats row (answered at least once)
    told: int = 0  # freezes used, each one told privately

    def answer_on_time(self, every: int, most: int) -> None:
        self.points += points_for_on_time(self.streak)
        self.streak += 1
        self.longest = max(self.longest, self.streak)
        self.on_time += 1
        self.known = True
        if self.on_time % every == 0 and self.freezes < most:
            self.freezes += 1

    def miss(self) -> None:
        if self.streak == 0:
            return
        if self.freezes > 0:
            self.freezes -= 1
            self.told += 1
        else:
            self.streak = 0

    def answer_late(self) -> None:
        self.late += 1
        self.known = True

    def admin_set(self, value: int) -> None:
        if self.known:
            self.streak = value
            self.longest = max(self.longest, value)


day = st.one_of(
    st.just(("paused", None, ())),
    st.tuples(
        st.just("posted"),
        st.none() | st.tuples(st.integers(0, len(MEMBERS) - 1), st.integers(0, 6)),  # an admin's setting before the post
        st.tuples(*[st.sampled_from([ON_TIME, ON_TIME, MISSED, LATE]) for _ in MEMBERS]),
    ),
)


async def run(app, clock, channel: ChannelRef, command: str, who: Member = ADMIN):
    reply = await app.handle_text(channel, who, command)
    assert reply.ok, (command, reply.text)
    return reply


async def at(app, clock, hours: float) -> None:
    clock.advance(timedelta(hours=hours))
    await app.tick()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    every=st.integers(1, 3),
    most=st.integers(0, 2),
    days=st.lists(day, min_size=1, max_size=6),
)
async def test_incremental_stats_replay_and_model_agree(app, clock, port, every, most, days):
    app.ctx.settings = replace(app.ctx.settings, freeze_every=every, freeze_max=most)
    channel = ChannelRef("test", "team-props", f"c{next(_channels)}")
    # Line the clock up with 06:00 UTC; the channel posts at 09:00 UTC and reveals at 17:00.
    morning = clock.now().replace(hour=6, minute=0, second=0, microsecond=0)
    clock.set(morning if morning > clock.now() else morning + timedelta(days=1))
    await run(app, clock, channel, "/qotd setup time=09:00 tz=UTC days=daily reveal=8h")
    models = {m.id: Model() for m in MEMBERS}
    for kind, setting, actions in days:
        if kind == "paused":
            await run(app, clock, channel, "/qotd pause")
            await at(app, clock, 12)  # 18:00: nothing was posted
            await run(app, clock, channel, "/qotd resume")  # the next post is tomorrow's
            clock.advance(timedelta(hours=12))
            continue
        if setting is not None:
            member, value = MEMBERS[setting[0]], setting[1]
            reply = await app.handle_text(channel, ADMIN, f'/qotd admin streak member={member.name} value={value} reason="fix"')
            assert reply.ok == models[member.id].known, reply.text
            models[member.id].admin_set(value)
            clock.advance(timedelta(minutes=1))
        await at(app, clock, 3)  # 09:00: posted
        for member, action in zip(MEMBERS, actions):
            if action == ON_TIME:
                ack = await app.answer(AnswerSubmitted(channel=channel, member=member, text="on time"))
                assert ack.data["outcome"] == "on_time", ack.text
                models[member.id].answer_on_time(every, most)
        await at(app, clock, 8)  # 17:00: revealed
        for member, action in zip(MEMBERS, actions):
            if action != ON_TIME:
                models[member.id].miss()
            if action == LATE:
                ack = await app.answer(AnswerSubmitted(channel=channel, member=member, text="late"))
                assert ack.data["outcome"] == "late", ack.text
                models[member.id].answer_late()
        clock.advance(timedelta(hours=13))  # 06:00 the next day; nothing falls due on the way
    await run(app, clock, channel, "/qotd pause")  # later examples' ticks leave this channel alone

    async with app.ctx.engine.connect() as conn:
        stored = {
            row.member_id: row
            for row in (await conn.execute(select(member_stats).where(member_stats.c.channel_id == channel.channel_id)))
        }
        replayed = {member_id: await recompute_member_totals(conn, channel, member_id) for member_id in stored}
    assert set(stored) == {member_id for member_id, model in models.items() if model.known}
    for member_id, row in stored.items():
        model = models[member_id]
        expected = (model.streak, model.longest, model.freezes, model.on_time, model.late, model.points)
        assert (row.current_streak, row.longest_streak, row.freezes, row.on_time_answers, row.late_answers, row.points) == expected
        again = replayed[member_id]
        assert (again.current_streak, again.longest_streak, again.freezes, again.on_time_answers, again.late_answers,
                again.points) == expected
        assert 0 <= row.freezes <= most
    told = [member_id for ch, member_id, _ in port.private if ch == channel]
    assert {m: told.count(m) for m in models if told.count(m)} == {m: x.told for m, x in models.items() if x.told}
