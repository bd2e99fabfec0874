"""Streak and points rules, driven by a fake clock through the core on real databases."""

from __future__ import annotations

from datetime import timedelta

from bot.scoring import points_for_on_time
from tests.conftest import ADMIN, ALICE, BOB, CHANNEL
from tests.test_lifecycle import advance_to, answer, setup


async def streak_of(app, member) -> str:
    return (await app.handle_text(CHANNEL, member, "/qotd streak")).text


async def play_day(app, clock, *members):
    """From 06:00 UTC: post at 08:00 UTC (09:00 Berlin), members answer, reveal at 16:00, run to next 06:00."""
    await advance_to(app, clock, 2)
    for member in members:
        ack = await answer(app, member, f"answer from {member.name}")
        assert ack.ok, ack.text
    await advance_to(app, clock, 22)


def test_points_rule():
    assert [points_for_on_time(s) for s in range(8)] == [10, 12, 14, 16, 18, 20, 20, 20]


async def test_weekends_do_not_break_a_streak(app, clock, port):
    await setup(app)  # mon-fri, Monday 23 Nov 06:00 UTC
    for _ in range(5):
        await play_day(app, clock, ALICE)
    assert "streak of 5" in await streak_of(app, ALICE)
    await advance_to(app, clock, 48)  # Saturday and Sunday: no posts
    assert len(port.posts) == 5
    assert "streak of 5" in await streak_of(app, ALICE)
    await play_day(app, clock, ALICE)  # Monday
    assert "streak of 6 (longest 6)" in await streak_of(app, ALICE)


async def test_missed_question_breaks_only_when_it_closes(app, clock):
    await setup(app)
    await play_day(app, clock, ALICE, BOB)
    await advance_to(app, clock, 2)  # Tuesday's question is open; bob has not answered yet
    await answer(app, ALICE)
    assert "streak of 1" in await streak_of(app, BOB)  # open and unanswered does not break it
    await advance_to(app, clock, 8)  # revealed
    assert "streak of 0 (longest 1)" in await streak_of(app, BOB)
    assert "streak of 2" in await streak_of(app, ALICE)


async def test_paused_and_skipped_days_do_not_break_a_streak(app, clock):
    await setup(app, "time=09:00 tz=Europe/Berlin days=daily reveal=8h")
    await play_day(app, clock, ALICE)
    await app.handle_text(CHANNEL, ADMIN, "/qotd pause")
    await advance_to(app, clock, 72)
    await app.handle_text(CHANNEL, ADMIN, "/qotd resume")
    await app.handle_text(CHANNEL, ADMIN, "/qotd skip")
    await advance_to(app, clock, 24)
    assert "streak of 1" in await streak_of(app, ALICE)
    await play_day(app, clock, ALICE)
    assert "streak of 2" in await streak_of(app, ALICE)


async def test_late_answers_do_not_count_and_edits_do_not_double(app, clock):
    await setup(app)
    await play_day(app, clock, ALICE, BOB)
    await advance_to(app, clock, 2)
    await answer(app, ALICE, "first")
    await answer(app, ALICE, "edited")  # an edit, not a second answer
    await advance_to(app, clock, 8)
    await answer(app, BOB, "after the reveal")  # late
    text = await streak_of(app, ALICE)
    assert "streak of 2" in text and "2 on-time" in text and "22 points" in text  # 10 + 12
    bob = await streak_of(app, BOB)
    assert "streak of 0" in bob and "1 on-time and 1 late" in bob and "10 points" in bob


async def test_bonus_questions_extend_but_never_break_streaks(app, clock, port):
    await setup(app)
    await play_day(app, clock, ALICE, BOB)
    await app.handle_text(CHANNEL, ADMIN, "/qotd post")  # a bonus question
    await answer(app, ALICE, "bonus answer")
    await app.handle_text(CHANNEL, ADMIN, "/qotd reveal")
    assert "streak of 2" in await streak_of(app, ALICE)
    assert "streak of 1" in await streak_of(app, BOB)  # missing a bonus question is fine


async def test_leaderboard_ranks_ties_fairly_and_shows_periods(app, clock):
    await setup(app)
    await play_day(app, clock, ALICE, BOB)
    await play_day(app, clock, ALICE)
    board = (await app.handle_text(CHANNEL, BOB, "/qotd leaderboard")).text
    lines = board.splitlines()
    assert lines[0] == "Leaderboard — points, all time"
    assert lines[1].strip() == "1. alice — 22"
    assert lines[2].strip() == "2. bob — 10  ← you"
    answers_board = (await app.handle_text(CHANNEL, BOB, "/qotd leaderboard week answers")).text
    assert "1. alice — 2" in answers_board and "2. bob — 1" in answers_board
    # A new month: the month board starts empty while all-time keeps everything.
    clock.set(clock.now().replace(day=1, month=12) + timedelta(days=1))
    month = (await app.handle_text(CHANNEL, BOB, "/qotd leaderboard month")).text
    assert "Nobody" in month
    streaks = (await app.handle_text(CHANNEL, BOB, "/qotd leaderboard all streak")).text
    assert "alice — 2 (longest 2)" in streaks


async def test_tied_members_share_a_rank(app, clock):
    await setup(app)
    await play_day(app, clock, ALICE, BOB)
    board = (await app.handle_text(CHANNEL, ALICE, "/qotd leaderboard")).text.splitlines()
    assert [line.split(".")[0].strip() for line in board[1:]] == ["1", "1"]


async def test_leaderboard_pages_and_always_shows_your_rank(app, clock):
    from bot.ports import Member

    await setup(app, "time=09:00 tz=Europe/Berlin days=daily reveal=8h")
    members = [Member(f"u{n:02d}", f"m{n:02d}") for n in range(23)]
    await advance_to(app, clock, 2)
    for member in members:
        await answer(app, member)
    await advance_to(app, clock, 22)
    await advance_to(app, clock, 2)
    for member in members[:5]:  # five members get ahead
        await answer(app, member)
    last = members[-1]
    first = await app.handle_text(CHANNEL, last, "/qotd leaderboard")
    lines = first.text.splitlines()
    assert lines[0] == "Leaderboard — points, all time — page 1 of 3"
    assert lines[1].strip() == "1. m00 — 22" and lines[6].strip() == "6. m05 — 10"
    assert lines[-1] == "… you are #6 with 10 points (tied)"  # tied with everyone else on 10, shown below the page
    assert first.hint == "More: /qotd leaderboard all points 2"
    assert first.data == {"period": "all", "metric": "points", "page": 1, "pages": 3}
    third = await app.handle_text(CHANNEL, last, "/qotd leaderboard page=9")
    assert third.data["page"] == 3 and "page 3 of 3" in third.text and third.hint == ""


async def test_quiz_answer_then_self_grade(app):
    asked = await app.handle_text(CHANNEL, ALICE, "/qotd quiz")
    attempt = asked.data["quiz_attempt"]
    early = await app.handle_text(CHANNEL, ALICE, "/qotd quiz grade good")
    assert not early.ok and "look at the answer first" in early.text
    shown = await app.handle_text(CHANNEL, ALICE, "/qotd quiz answer")
    assert shown.data["quiz_attempt"] == attempt and "How did you do?" in shown.hint
    graded = await app.handle_text(CHANNEL, ALICE, "/qotd quiz grade hard")
    assert graded.ok and graded.data == {"quiz_attempt": attempt, "grade": "hard"}
    bad = await app.handle_text(CHANNEL, ALICE, "/qotd quiz grade superb")
    assert not bad.ok and "again, hard, good, easy" in bad.text
    from sqlalchemy import select

    from bot.db.tables import quiz_attempts

    async with app.ctx.engine.connect() as conn:
        assert (await conn.execute(select(quiz_attempts.c.grade))).scalars().all() == ["hard"]
