"""Spaced repetition in /qotd quiz through the core, on real SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.bootstrap import bootstrap
from bot.db.tables import quiz_attempts, review_log, reviews
from bot.ports import ChannelRef
from bot.spaced_repetition import RELEARN_DELAY
from tests.conftest import ADMIN, ALICE, BOB, CHANNEL
from tests.support import make_bank
from tests.test_lifecycle import advance_to, answer, setup

TOPICS3 = ["caching", "databases", "security"]


@pytest.fixture
async def small(settings, clock, port):
    """The bot over a bank of three topics with three questions each."""
    qotd = await bootstrap(
        settings, clock=clock, ports={"test": port}, rng=random.Random(3), bank=make_bank(per_topic=3, topics=TOPICS3)
    )
    yield qotd
    await qotd.close()


async def practise(app, member, grade: str, text: str = "/qotd quiz", channel: ChannelRef = CHANNEL):
    """Ask, show the answer, grade; returns (question id, the ask reply, the grade reply)."""
    asked = await app.handle_text(channel, member, text)
    assert asked.ok, asked.text
    assert (await app.handle_text(channel, member, "/qotd quiz answer")).ok
    graded = await app.handle_text(channel, member, f"/qotd quiz grade {grade}")
    assert graded.ok, graded.text
    return asked.data["question_id"], asked, graded


async def schedule_of(app, member, question_id):
    async with app.ctx.engine.connect() as conn:
        return (
            await conn.execute(select(reviews).where(reviews.c.member_id == member.id, reviews.c.question_id == question_id))
        ).first()


async def log_rows(app, *where):
    async with app.ctx.engine.connect() as conn:
        return (await conn.execute(select(review_log).where(*where).order_by(review_log.c.id))).all()


async def test_each_grade_schedules_the_question_and_says_when_it_comes_back(small, clock):
    qid, asked, graded = await practise(small, ALICE, "good", "/qotd quiz caching")
    assert "Why this one: a new question in Caching, one you have not practised yet." in asked.text
    assert asked.data["reason"] == "new"
    assert graded.text.startswith("Recorded: good. Next review in 1 day.")
    row = await schedule_of(small, ALICE, qid)
    assert (row.repetitions, row.interval_days, row.due_at, row.topic) == (1, 1, clock.now() + timedelta(days=1), "caching")
    (logged,) = await log_rows(small)
    assert (logged.source, logged.grade, logged.question_id, logged.before_ease) == ("quiz", "good", qid, None)

    missed, _, again = await practise(small, ALICE, "again", "/qotd quiz caching")
    assert missed != qid
    assert "It comes back in 10 minutes" in again.text
    assert (await schedule_of(small, ALICE, missed)).due_at == clock.now() + RELEARN_DELAY


async def test_a_member_who_practises_daily_sees_missed_questions_sooner_and_known_ones_later(small, clock):
    """Two weeks of /qotd quiz caching every morning: one question always missed, the others known."""
    forgotten = "caching-q1"
    seen: dict[str, list[int]] = {}
    for day in range(14):
        for _ in range(6):  # a session: everything due, then anything new, until only early reviews are left
            asked = await small.handle_text(CHANNEL, ALICE, "/qotd quiz caching")
            if asked.data["reason"] == "early":
                break
            qid = asked.data["question_id"]
            seen.setdefault(qid, []).append(day)
            await small.handle_text(CHANNEL, ALICE, "/qotd quiz answer")
            await small.handle_text(CHANNEL, ALICE, f"/qotd quiz grade {'again' if qid == forgotten else 'good'}")
        clock.advance(timedelta(days=1))
    assert seen[forgotten] == list(range(14))  # back every day
    for qid in ("caching-q2", "caching-q3"):
        assert len(seen[qid]) == 3  # first seen, then after 1 day, then 6 days later
        first, second, third = seen[qid]
        assert (second - first, third - second) == (1, 6)
        assert (await schedule_of(small, ALICE, qid)).interval_days == 15  # and next time 15 days
    assert (await schedule_of(small, ALICE, forgotten)).lapses == 0  # never recalled, so never lapsed
    assert len(await log_rows(small, review_log.c.question_id == forgotten)) == 14


async def test_the_most_overdue_review_comes_first(small, clock):
    older, _, _ = await practise(small, ALICE, "good", "/qotd quiz caching")
    clock.advance(timedelta(hours=3))
    newer, _, _ = await practise(small, ALICE, "good", "/qotd quiz databases")
    clock.advance(timedelta(days=3))  # both due now; the caching one has been due 3 hours longer
    first = await small.handle_text(CHANNEL, ALICE, "/qotd quiz")
    assert first.data["question_id"] == older and first.data["reason"] == "due"
    assert "Why this one: it has been due for review for 2 days." in first.text
    await small.handle_text(CHANNEL, ALICE, "/qotd quiz answer")
    await small.handle_text(CHANNEL, ALICE, "/qotd quiz grade easy")
    second = await small.handle_text(CHANNEL, ALICE, "/qotd quiz")
    assert second.data["question_id"] == newer and second.data["reason"] == "due"


async def test_new_questions_come_from_untried_topics_then_the_weakest(small):
    first = await small.handle_text(CHANNEL, ALICE, "/qotd quiz")
    assert "a new question from a topic you have not tried yet:" in first.text
    await practise(small, ALICE, "good", "/qotd quiz caching")
    await practise(small, ALICE, "again", "/qotd quiz databases")
    await practise(small, ALICE, "good", "/qotd quiz security")
    await practise(small, ALICE, "hard", "/qotd quiz security")
    # caching 1 of 1, security 1 of 2, databases 0 of 1: nothing is due yet (again comes back in 10 minutes)
    nxt = await small.handle_text(CHANNEL, ALICE, "/qotd quiz")
    assert nxt.data["reason"] == "new" and nxt.data["question_id"].startswith("databases-")
    assert "a new question from your weakest topic: Databases (0 of 1 recent grade good or easy)" in nxt.text


async def test_a_topic_narrows_reviews_and_new_questions(small, clock):
    await practise(small, ALICE, "good", "/qotd quiz databases")
    clock.advance(timedelta(days=2))
    narrowed = await small.handle_text(CHANNEL, ALICE, "/qotd quiz topic=caching")
    assert narrowed.data["question_id"].startswith("caching-") and narrowed.data["reason"] == "new"
    whole = await small.handle_text(CHANNEL, ALICE, "/qotd quiz")
    assert whole.data["question_id"].startswith("databases-") and whole.data["reason"] == "due"


async def test_asking_again_without_grading_moves_on_then_the_review_returns(small, clock):
    qid, _, _ = await practise(small, ALICE, "good", "/qotd quiz caching")
    clock.advance(timedelta(days=1))
    due = await small.handle_text(CHANNEL, ALICE, "/qotd quiz caching")
    assert due.data["question_id"] == qid
    other = await small.handle_text(CHANNEL, ALICE, "/qotd quiz caching")  # not graded: something else
    assert other.data["question_id"] != qid and other.data["reason"] == "new"
    clock.advance(timedelta(hours=2))
    back = await small.handle_text(CHANNEL, ALICE, "/qotd quiz caching")
    assert back.data["question_id"] == qid and back.data["reason"] == "due"


async def test_when_everything_is_known_the_next_due_is_served_early(settings, clock, port):
    app = await bootstrap(settings, clock=clock, ports={"test": port}, bank=make_bank(per_topic=1, topics=["caching"]))
    try:
        qid, _, _ = await practise(app, ALICE, "easy")
        early = await app.handle_text(CHANNEL, ALICE, "/qotd quiz")
        assert early.ok and early.data["question_id"] == qid and early.data["reason"] == "early"
        assert "you have practised every matching question; this one is due next, in 4 days" in early.text
    finally:
        await app.close()


async def test_grading_the_same_attempt_again_replaces_its_first_grade(small, clock):
    qid, _, _ = await practise(small, ALICE, "easy", "/qotd quiz caching")
    assert (await schedule_of(small, ALICE, qid)).interval_days == 4
    changed = await small.handle_text(CHANNEL, ALICE, "/qotd quiz grade again")
    assert changed.text.startswith("Recorded: again. It comes back in 10 minutes") and "Changed your mind" in changed.text
    row = await schedule_of(small, ALICE, qid)
    assert (row.repetitions, row.interval_days, row.due_at, row.lapses) == (0, 0, clock.now() + RELEARN_DELAY, 0)
    assert row.ease == pytest.approx(2.3)  # from the starting 2.5, not from the 2.65 "easy" gave
    (logged,) = await log_rows(small)
    assert logged.grade == "again"

    # Reviewed again since: changing the old grade corrects the record only.
    clock.advance(timedelta(minutes=15))
    old_attempt = (await small.handle_text(CHANNEL, ALICE, "/qotd quiz caching")).data["quiz_attempt"] - 1
    await small.handle_text(CHANNEL, ALICE, "/qotd quiz answer")
    await small.handle_text(CHANNEL, ALICE, "/qotd quiz grade good")
    before = await schedule_of(small, ALICE, qid)
    from bot.commands import Quiz

    late = await small.handle(CHANNEL, ALICE, Quiz(grade="hard", attempt=old_attempt))
    assert late.ok and "stays as it is" in late.text
    assert await schedule_of(small, ALICE, qid) == before
    assert [r.grade for r in await log_rows(small, review_log.c.question_id == qid)] == ["hard", "good"]


async def test_the_schedule_belongs_to_the_workspace_not_the_channel(small, clock):
    other_channel = ChannelRef("test", "team-1", "random")
    other_team = ChannelRef("test", "team-2", "general")
    qid, _, _ = await practise(small, ALICE, "good", "/qotd quiz caching")
    clock.advance(timedelta(days=1, minutes=1))
    here = await small.handle_text(other_channel, ALICE, "/qotd quiz")
    assert here.data["question_id"] == qid and here.data["reason"] == "due"
    elsewhere = await small.handle_text(other_team, ALICE, "/qotd quiz")
    assert elsewhere.data["reason"] == "new"
    bob = await small.handle_text(CHANNEL, BOB, "/qotd quiz")
    assert bob.data["reason"] == "new"
    assert "Due today: nothing yet" in (await small.handle_text(other_team, ALICE, "/qotd quiz stats")).text


async def test_an_on_time_daily_answer_is_a_first_exposure(app, clock):
    await setup(app)
    await advance_to(app, clock, 2)  # the question is out
    post_question = (await app.handle_text(CHANNEL, ALICE, "/qotd status")).text
    assert "Open question" in post_question
    await answer(app, ALICE, "first")
    await answer(app, ALICE, "an edit")  # edits are not new exposures
    (logged,) = await log_rows(app)
    assert (logged.source, logged.grade, logged.member_id, logged.attempt_id) == ("daily", "seen", ALICE.id, None)
    qid = logged.question_id
    row = await schedule_of(app, ALICE, qid)
    assert (row.repetitions, row.interval_days, row.due_at, row.last_grade) == (0, 0, clock.now() + timedelta(days=1), None)

    await advance_to(app, clock, 8)  # revealed
    await answer(app, BOB, "late")  # late answers are not counted as seen
    assert await schedule_of(app, BOB, qid) is None and len(await log_rows(app)) == 1

    topic = app.ctx.bank.get(qid).topic
    before_due = await app.handle_text(CHANNEL, ALICE, f"/qotd quiz {topic}")
    assert before_due.data["question_id"] != qid  # not new any more, not due yet
    clock.advance(timedelta(days=1))
    due = await app.handle_text(CHANNEL, ALICE, f"/qotd quiz {topic}")
    assert due.data["question_id"] == qid and due.data["reason"] == "due"
    await app.handle_text(CHANNEL, ALICE, "/qotd quiz answer")
    graded = await app.handle_text(CHANNEL, ALICE, "/qotd quiz grade good")
    assert "Next review in 1 day" in graded.text  # its first self-graded review
    stats = await app.handle_text(CHANNEL, ALICE, "/qotd quiz stats")
    assert "Reviewed this week: 1 practice grade, 1 daily question answered on time." in stats.text


async def test_stats_show_due_today_this_week_and_retention_by_topic(small, clock):
    empty = await small.handle_text(CHANNEL, ALICE, "/qotd quiz stats")
    assert empty.ok and empty.private
    assert "Due today: nothing yet." in empty.text and "Reviewed this week: 0 practice grades" in empty.text
    assert "Not tried yet: Databases, Caching, Security." in empty.text

    await practise(small, ALICE, "good", "/qotd quiz caching")
    await practise(small, ALICE, "again", "/qotd quiz caching")
    await practise(small, ALICE, "easy", "/qotd quiz databases")
    stats = await small.handle_text(CHANNEL, ALICE, "/qotd quiz stats")
    lines = stats.text.splitlines()
    assert "Due today: 1 (0 due now, the rest later today)." in lines  # the missed one, in 10 minutes
    assert "Reviewed this week: 3 practice grades, 0 daily questions answered on time." in lines
    retention = lines.index(next(line for line in lines if line.startswith("Retention by topic")))
    assert lines[retention + 1 : retention + 3] == ["  Caching: 50% (1 of 2)", "  Databases: 100% (1 of 1)"]
    assert "Not tried yet: Security." in lines
    assert stats.data["due_today"] == 1 and stats.data["reviewed_this_week"] == 3

    clock.advance(timedelta(minutes=10))
    assert "Due today: 1 (1 due now)." in (await small.handle_text(CHANNEL, ALICE, "/qotd quiz stats")).text
    await practise(small, ALICE, "good", "/qotd quiz caching")  # the missed one, remembered now
    clock.advance(timedelta(days=7))  # a new week
    later = await small.handle_text(CHANNEL, ALICE, "/qotd quiz stats")
    assert "Reviewed this week: 0 practice grades" in later.text
    assert "Due today: 3 (3 due now)." in later.text
    assert "  Caching: 67% (2 of 3)" in later.text  # retention is not limited to this week


async def test_due_today_and_this_week_follow_the_channels_time_zone(small, clock):
    await small.handle_text(CHANNEL, ADMIN, "/qotd setup time=09:00 tz=America/Los_Angeles")
    # 06:00 UTC Monday is 22:00 Sunday in Los Angeles: the week there began last Monday.
    await practise(small, ALICE, "good", "/qotd quiz caching")  # due 22:00 Monday local: not today there
    stats = await small.handle_text(CHANNEL, ALICE, "/qotd quiz stats")
    assert "Due today: nothing. Next review in 1 day; 1 question scheduled." in stats.text
    clock.advance(timedelta(hours=3))  # 01:00 Monday in Los Angeles: a new local day and week
    stats = await small.handle_text(CHANNEL, ALICE, "/qotd quiz stats")
    assert "Due today: 1 (0 due now, the rest later today)." in stats.text
    assert "Reviewed this week: 0 practice grades" in stats.text


@pytest.mark.parametrize(
    "text, message",
    [
        ("/qotd quiz stats caching", "/qotd quiz stats takes nothing more; 'caching' is extra"),
        ("/qotd quiz stats topic=caching", "/qotd quiz stats takes nothing more; 'topic=' is extra"),
        ("/qotd quiz grade meh", "grade yourself with one of again, hard, good, easy"),
    ],
)
async def test_bad_input_says_what_is_wrong_and_changes_nothing(small, text, message):
    await practise(small, ALICE, "good", "/qotd quiz caching")
    before = (await log_rows(small), await schedule_of(small, ALICE, "caching-q1"))
    reply = await small.handle_text(CHANNEL, ALICE, text)
    assert not reply.ok and message in reply.text
    assert (await log_rows(small), await schedule_of(small, ALICE, "caching-q1")) == before
    async with small.ctx.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(quiz_attempts))).scalar() == 1


async def test_help_explains_the_schedule_and_stats(small):
    text = (await small.handle_text(CHANNEL, ALICE, "/qotd help quiz")).text
    assert "/qotd quiz stats" in text and "again               back in 10 minutes" in text
    assert "your most overdue review first, then a new question from your weakest topic" in text
    assert "counts as seen (not as a grade)" in text


def test_the_text_form_of_quiz_stats():
    from bot.commands import Quiz, parse_command

    assert parse_command("/qotd quiz stats") == Quiz(stats=True)
    assert parse_command("/qotd quiz STATS") == Quiz(stats=True)
    assert parse_command("/qotd quiz caching") == Quiz(topic="caching")
