"""Self-checks against key points through the core, on real SQLite and PostgreSQL.

The small test bank's questions all have the key points "first point", "second point", "third point".
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.commands import Check, parse_command, parse_points
from bot.db.tables import answers, key_point_checks, member_stats
from bot.errors import InvalidInput
from bot.ports import ChannelRef, Member
from bot.services.withdrawing import AnswerWithdrawn
from tests.conftest import ADMIN, ALICE, BOB, CHANNEL, START
from tests.test_lifecycle import answer, count, setup
from tests.test_withdrawing import recomputed, stats_row, stored, totals


async def check(app, member, text: str = ""):
    return await app.handle_text(CHANNEL, member, f"/qotd check {text}".strip())


async def points_of(app, member) -> int:
    async with app.ctx.engine.connect() as conn:
        return (await conn.execute(select(member_stats.c.points).where(member_stats.c.member_id == member.id))).scalar()


async def answer_points(app, member) -> list[int]:
    async with app.ctx.engine.connect() as conn:
        rows = await conn.execute(select(answers.c.points).where(answers.c.member_id == member.id).order_by(answers.c.id))
        return list(rows.scalars())


async def checks(app):
    async with app.ctx.engine.connect() as conn:
        return (await conn.execute(select(key_point_checks).order_by(key_point_checks.c.id))).all()


async def at(app, clock, day: int, hour: int):
    """Jump to `hour` UTC on the `day`th day after Monday 23 Nov and run what is due (no stepping)."""
    clock.set(START.replace(hour=hour) + timedelta(days=day))
    await app.tick()


async def revealed_day(app, clock, *given, day: int = 0):
    """Post at 09:00 Berlin (08:00 UTC), the given (member, text) answers come in, reveal at 17:00 Berlin."""
    await at(app, clock, day, 8)
    for member, text in given:
        reply = await answer(app, member, text)
        assert reply.ok, reply.text
    await at(app, clock, day, 16)


async def test_before_the_reveal_there_is_nothing_to_check(app, clock):
    await setup(app)
    await at(app, clock, 0, 8)
    await answer(app, ALICE, "the first point")
    shown = await check(app, ALICE)
    assert not shown.ok and "no question has been revealed" in shown.text
    early = await check(app, ALICE, "points=1 question=1")
    assert not early.ok and "question #1 is not revealed yet" in early.text
    assert await checks(app) == []


async def test_the_guess_comes_first_and_the_members_tick_wins(app, clock):
    await setup(app)
    await revealed_day(app, clock, (ALICE, "I'd cover the first point and the third point."))
    shown = await app.handle_text(CHANNEL, ALICE, "/qotd check")
    assert shown.ok and shown.private
    assert shown.text.splitlines()[:4] == [
        "Question #1 — key points:",
        "  1. [x] first point",
        "  2. [ ] second point",
        "  3. [x] third point",
    ]
    assert "Our guess from your answer: 1 and 3" in shown.text
    assert shown.hint == "Tick yours: /qotd check points=1,3 question=1"
    assert shown.data["selected"] == [1, 3] and shown.data["ticked"] is False
    assert shown.data["key_points"] == ["first point", "second point", "third point"]
    (row,) = await checks(app)
    assert (row.guessed, row.ticked, row.bonus_points) == ("1,3", None, 0)
    assert await points_of(app, ALICE) == 10  # a guess earns nothing

    ticked = await check(app, ALICE, "points=2")
    assert ticked.ok and "you covered key point 2 of 3" in ticked.text and "+1 point" in ticked.text
    (row,) = await checks(app)
    assert (row.guessed, row.ticked, row.bonus_points) == ("1,3", "2", 1)  # the guess is kept, the tick wins
    again = await check(app, ALICE)
    assert "  2. [x] second point" in again.text and "  1. [ ] first point" in again.text
    assert "You ticked: 2 (+1 point)" in again.text and again.data["ticked"] is True


async def test_ticks_add_a_bonus_once_and_ticking_again_moves_only_the_difference(app, clock):
    await setup(app)
    await revealed_day(app, clock, (ALICE, "something"))
    assert await points_of(app, ALICE) == 10
    await check(app, ALICE, "points=1-3")
    assert (await points_of(app, ALICE), await answer_points(app, ALICE)) == (13, [13])
    fewer = await check(app, ALICE, "points=1")
    assert "-2 points (your ticks now earn 1 point on this question)" in fewer.text
    assert (await points_of(app, ALICE), await answer_points(app, ALICE)) == (11, [11])
    same = await check(app, ALICE, "points=3")  # a different point, the same count: no change in points
    assert "Your ticks earn 1 point on this question." in same.text
    await check(app, ALICE, "points=none")
    assert (await points_of(app, ALICE), await answer_points(app, ALICE)) == (10, [10])
    await check(app, ALICE, "points=1,2")
    assert totals(await recomputed(app, ALICE)) == stored(await stats_row(app, ALICE))
    assert "12 points" in (await app.handle_text(CHANNEL, ALICE, "/qotd streak")).text
    week = await app.handle_text(CHANNEL, ALICE, "/qotd leaderboard week")
    assert "alice — 12" in week.text


async def test_the_bonus_survives_a_recompute_after_a_withdrawn_answer(app, clock, port):
    await setup(app)
    await revealed_day(app, clock, (ALICE, "monday"))
    await check(app, ALICE, "points=1,2,3")
    await at(app, clock, 1, 8)  # Tuesday's question
    await answer(app, ALICE, "tuesday answer")
    thread = f"thread-{port.posts[-1][1].post_id}"
    gone = await app.withdraw(AnswerWithdrawn(CHANNEL, ALICE.id, thread_id=thread, text="tuesday answer"))
    assert gone.data["outcome"] == "withdrawn"
    row = await stats_row(app, ALICE)
    assert row.points == 13 and stored(row) == totals(await recomputed(app, ALICE))


async def test_only_members_who_answered_can_tick_and_late_answers_earn_nothing(app, clock):
    await setup(app)
    await revealed_day(app, clock, (ALICE, "the first point"))
    stranger = await check(app, BOB, "points=1")
    assert not stranger.ok and "you did not answer question #1" in stranger.text
    looking = await check(app, BOB)
    assert looking.ok and "You did not answer this one" in looking.text and looking.data["answered"] is False
    assert "  1. first point" in looking.text and looking.hint == ""

    late = await answer(app, BOB, "the second point, late")
    assert late.data["outcome"] == "late"
    ticked = await check(app, BOB, "points=2")
    assert ticked.ok and "Late answers earn no points" in ticked.text
    assert (await answer_points(app, BOB), await points_of(app, BOB)) == ([0], 0)
    assert totals(await recomputed(app, BOB)) == stored(await stats_row(app, BOB))


async def test_team_coverage_counts_ticks_and_guesses_of_everyone_who_answered(app, clock):
    await setup(app)
    carol = Member("u-carol", "carol")
    await revealed_day(
        app, clock, (ALICE, "first point"), (BOB, "nothing useful"), (carol, "the third point and the first point")
    )
    await check(app, BOB, "points=2,3")
    shown = await check(app, ADMIN)
    lines = shown.text.splitlines()
    start = lines.index("Team coverage — 3 answered (1 ticked their own, 2 guessed from their answers):")
    assert lines[start + 1 : start + 4] == [
        "  1. 2 of 3 — first point",
        "  2. 1 of 3 — second point",
        "  3. 2 of 3 — third point",
    ]
    await check(app, carol, "points=none")
    after = await check(app, ALICE, "points=1")
    assert "Team coverage — 3 answered (3 ticked their own):" in after.text
    assert "  1. 1 of 3 — first point" in after.text and "  3. 1 of 3 — third point" in after.text


async def test_question_picks_an_earlier_question_and_the_default_is_the_latest_revealed(app, clock):
    await setup(app)
    await revealed_day(app, clock, (ALICE, "monday"))
    await revealed_day(app, clock, (BOB, "tuesday"), day=1)
    latest = await check(app, ALICE)
    assert latest.text.startswith("Question #2") and "You did not answer this one" in latest.text
    older = await check(app, ALICE, "points=1 question=#1")
    assert older.ok and "on question #1 you covered key point 1 of 3" in older.text
    assert (await check(app, ALICE, "question=9")).text == "Sorry, there is no question #9 in this channel."


async def test_bad_input_is_named_and_changes_nothing(app, clock):
    await setup(app)
    await revealed_day(app, clock, (ALICE, "the first point"))
    await check(app, ALICE)  # stores the guess
    before = (await checks(app), await points_of(app, ALICE))
    cases = {
        "points=4": "question #1 has 3 key points, so 4 is not one of them (use numbers from 1 to 3, or points=none)",
        "points=1,x": "points '1,x' must be key point numbers such as points=1,3 or points=1-3 ('x' is not)",
        "points=0,1": "points '0,1': '0' is not a key point number (they are numbered from 1)",
        "points=3-1": "points '3-1': '3-1' is not a key point number (they are numbered from 1)",
        "points=": "points= is empty",
        "question=last": "question 'last' must be a question's #number, e.g. question=4",
        "points=1 colour=red": "/qotd check does not take 'colour='",
        "1,3": "/qotd check takes key=value options, not '1,3'; for example /qotd check points=1,3",
    }
    for text, message in cases.items():
        reply = await check(app, ALICE, text)
        assert not reply.ok and message in reply.text, (text, reply.text)
    assert (await checks(app), await points_of(app, ALICE)) == before


async def test_a_practice_question_is_checked_by_its_owner_after_show_answer(app):
    none_yet = await app.handle_text(CHANNEL, ALICE, "/qotd quiz check points=1")
    assert not none_yet.ok and "no practice question yet" in none_yet.text
    asked = await app.handle_text(CHANNEL, ALICE, "/qotd quiz")
    attempt = asked.data["quiz_attempt"]
    early = await app.handle_text(CHANNEL, ALICE, "/qotd quiz check points=1")
    assert not early.ok and "look at the answer first" in early.text
    shown = await app.handle_text(CHANNEL, ALICE, "/qotd quiz answer")
    assert "/qotd quiz check points=1,3" in shown.hint

    listed = await app.handle_text(CHANNEL, ALICE, "/qotd quiz check")
    assert listed.ok and "  1. [ ] first point" in listed.text and listed.data["check_attempt"] == attempt
    assert "quiz_attempt" not in listed.data  # quiz buttons are for the quiz itself
    saved = await app.handle_text(CHANNEL, ALICE, "/qotd quiz check points=1,3")
    assert saved.ok and "you covered 2 of 3 key points (1 and 3)" in saved.text and "earns no points" in saved.text
    again = await app.handle_text(CHANNEL, ALICE, "/qotd quiz check points=2")
    assert again.data["selected"] == [2]
    (row,) = await checks(app)
    assert (row.quiz_attempt_id, row.answer_id, row.ticked, row.guessed, row.bonus_points) == (attempt, None, "2", None, 0)

    others = await app.handle(CHANNEL, BOB, Check(points=(1,), quiz=True, attempt=attempt))
    assert not others.ok and "not one of yours" in others.text
    wrong = await app.handle_text(CHANNEL, ALICE, "/qotd quiz check points=7")
    assert not wrong.ok and "this practice question has 3 key points, so 7 is not one of them" in wrong.text
    nope = await app.handle_text(CHANNEL, ALICE, "/qotd quiz check points=1 question=2")
    assert not nope.ok and "no question=" in nope.text
    (row,) = await checks(app)
    assert row.ticked == "2"


async def test_buttons_name_the_post_by_id_and_only_in_this_channel(app, clock, port):
    await setup(app)
    await revealed_day(app, clock, (ALICE, "first point"))
    post_id = port.reveals[-1][1].post_id
    by_id = await app.handle(CHANNEL, ALICE, Check(points=(1, 2), post_id=post_id))
    assert by_id.ok and by_id.data["post_id"] == post_id and by_id.data["selected"] == [1, 2]
    elsewhere = await app.handle(ChannelRef("test", "team-1", "random"), ALICE, Check(post_id=post_id))
    assert not elsewhere.ok and "not one of this channel's" in elsewhere.text


async def test_the_guess_reads_the_answer_as_it_stood_at_the_reveal(app, clock):
    await setup(app)
    await at(app, clock, 0, 8)
    await answer(app, ALICE, "no idea")
    await answer(app, ALICE, "on reflection: the second point")  # an edit before the reveal counts
    await at(app, clock, 0, 16)
    await answer(app, ALICE, "first point, third point, second point")  # an edit after the reveal does not
    shown = await check(app, ALICE)
    assert shown.data["selected"] == [2]


def test_the_text_form_parses_points_and_options():
    assert parse_points("1,3") == (1, 3) and parse_points("3, 1, 1") == (1, 3)
    assert parse_points("1-3") == (1, 2, 3) and parse_points("none") == ()
    assert parse_command("/qotd check") == Check()
    assert parse_command("/qotd check points=2 question=4") == Check(points=(2,), question=4)
    assert parse_command("/qotd quiz check points=1-2") == Check(points=(1, 2), quiz=True)
    assert parse_command("/qotd quiz check") == Check(quiz=True)
    with pytest.raises(InvalidInput, match="numbered from 1"):
        parse_points("0")


async def test_help_explains_check(app):
    overview = await app.handle_text(CHANNEL, ALICE, "/qotd help")
    assert "/qotd check" in overview.text
    detail = await app.handle_text(CHANNEL, ALICE, "/qotd help check")
    assert "points=1,3" in detail.text and "question=N" in detail.text and "/qotd quiz check" in detail.text
    assert "+1 point each" in detail.text or "earns 1 point" in detail.text
    quiz = await app.handle_text(CHANNEL, ALICE, "/qotd help quiz")
    assert "/qotd quiz check" in quiz.text
    assert await count(app, key_point_checks) == 0
