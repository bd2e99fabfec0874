"""A member's overview across the channels of one workspace (what Slack's App Home shows), on real databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.ports import ChannelRef
from bot.services.answering import AnswerSubmitted
from tests.conftest import ADMIN, ALICE, BOB, CHANNEL
from tests.test_lifecycle import advance_to, setup

SECOND = replace(CHANNEL, channel_id="random")
ELSEWHERE = ChannelRef("test", "team-2", "general")  # another workspace: never counted
SPEC = "time=09:00 tz=Europe/Berlin days=mon-fri reveal=8h"


async def answer_in(app, channel, member, text="my answer"):
    reply = await app.answer(AnswerSubmitted(channel=channel, member=member, text=text))
    assert reply.ok, reply.text
    return reply


async def test_nobody_yet_is_an_empty_overview(app):
    overview = await app.member_overview("test", "team-1", ALICE.id)
    assert overview.member_id == ALICE.id and not overview.has_answered
    assert overview.channels == () and overview.recent == ()
    assert (overview.points, overview.on_time_answers, overview.late_answers) == (0, 0, 0)
    assert (overview.current_streak, overview.longest_streak) == (0, 0)
    assert (overview.practice_asked, overview.practice_graded) == (0, 0)
    assert (overview.freezes, overview.reviews_due) == (0, 0)


async def test_totals_streaks_and_recent_answers_span_the_workspaces_channels(app, clock):
    await setup(app, SPEC)
    for channel in (SECOND, ELSEWHERE):
        assert (await app.handle_text(channel, ADMIN, f"/qotd setup {SPEC}")).ok
    # Monday: alice answers in both channels on time; bob only in the first.
    await advance_to(app, clock, 2)
    await answer_in(app, CHANNEL, ALICE, "monday general")
    await answer_in(app, SECOND, ALICE, "monday random")
    await answer_in(app, CHANNEL, BOB)
    await answer_in(app, ELSEWHERE, ALICE, "another workspace")
    await advance_to(app, clock, 22)
    # Tuesday: alice answers in general on time, and in random only after the reveal.
    await advance_to(app, clock, 2)
    await answer_in(app, CHANNEL, ALICE, "tuesday general")
    await advance_to(app, clock, 8)
    await answer_in(app, SECOND, ALICE, "tuesday random, late")

    overview = await app.member_overview("test", "team-1", ALICE.id)
    by_channel = {c.channel_id: c for c in overview.channels}
    assert set(by_channel) == {"general", "random"}
    general, random_ = by_channel["general"], by_channel["random"]
    assert (general.current_streak, general.longest_streak, general.on_time_answers, general.points) == (2, 2, 2, 22)
    assert (random_.current_streak, random_.longest_streak, random_.on_time_answers, random_.late_answers) == (0, 1, 1, 1)
    assert overview.channels[0].channel_id == "general"  # most points first
    assert (overview.points, overview.on_time_answers, overview.late_answers) == (32, 3, 1)
    assert (overview.current_streak, overview.longest_streak) == (2, 2)

    recent = overview.recent
    assert [(r.channel_id, r.late) for r in recent] == [
        ("random", True), ("general", False), ("random", False), ("general", False)
    ]
    assert all(r.topic and r.question.endswith("?") and r.scheduled for r in recent)
    assert recent[0].revealed and recent[0].points == 0 and recent[1].points == 12
    assert recent[0].answered_at > recent[1].answered_at > recent[2].answered_at
    assert [r.seq for r in recent] == [2, 2, 1, 1]

    bob = await app.member_overview("test", "team-1", BOB.id)
    assert [c.channel_id for c in bob.channels] == ["general"] and len(bob.recent) == 1
    other = await app.member_overview("test", "team-2", ALICE.id)
    assert other.points == 10 and [r.channel_id for r in other.recent] == ["general"]


async def test_recent_answers_are_limited_and_practice_is_counted(app, clock):
    await setup(app, "time=09:00 tz=Europe/Berlin days=daily reveal=8h")
    for _ in range(7):
        await advance_to(app, clock, 2)
        await answer_in(app, CHANNEL, ALICE)
        await advance_to(app, clock, 22)
    await app.handle_text(CHANNEL, ALICE, "/qotd quiz")
    await app.handle_text(CHANNEL, ALICE, "/qotd quiz answer")
    await app.handle_text(CHANNEL, ALICE, "/qotd quiz grade good")
    await app.handle_text(CHANNEL, ALICE, "/qotd quiz")

    overview = await app.member_overview("test", "team-1", ALICE.id)
    assert len(overview.recent) == 5 and [r.seq for r in overview.recent] == [7, 6, 5, 4, 3]
    assert overview.current_streak == 7 and overview.on_time_answers == 7
    assert (overview.practice_asked, overview.practice_graded) == (2, 1)
    assert clock.now() - overview.channels[0].last_answered_at < timedelta(days=1)
    # Five on-time answers in a row earn a streak freeze; answered questions come due for review a day later,
    # as /qotd quiz stats counts them (the one just graded "good" is not due again yet).
    assert overview.freezes == overview.channels[0].freezes == 1
    stats = (await app.handle_text(CHANNEL, ALICE, "/qotd quiz stats")).text
    assert f"{overview.reviews_due} due now" in stats and overview.reviews_due == 5
