"""Spaced repetition for `/qotd quiz`: what to practise next, schedules from self-grades, and the stats.

The rules live in `bot/spaced_repetition.py`; this module stores them. A
member's schedule is per question and per workspace (`reviews`), whatever
channel they practise in; every review is logged (`review_log`): quiz grades
and daily questions answered on time (a first exposure, logged as "seen").

What `/qotd quiz` serves, in this order (within the topic, tag and difficulty
asked for):

1. the review that has been due the longest;
2. a new question (never practised, never answered as a daily question) from
   the member's weakest topic: topics without grades first, then the lowest
   retention (share of good or easy among the latest grades per topic);
3. when every matching question is known and none is due, the one due next.

A question served a moment ago and not graded yet is passed over for a while
(`SKIPPED_FOR`), so asking again gives the member something else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select, update

from bot.context import Context
from bot.db.scoping import in_channel
from bot.db.statements import insert_ignoring_conflict, upsert
from bot.db.tables import quiz_attempts, review_log, reviews, schedules
from bot.ports import ChannelRef, Member, Reply
from bot.question_bank import Question
from bot.question_source import find_question, questions_for
from bot.spaced_repetition import (
    FIRST_INTERVAL_DAYS,
    INITIAL_EASE,
    RELEARN_DELAY,
    RETAINED,
    RETENTION_WINDOW,
    SECOND_INTERVAL_DAYS,
    SEEN_REVIEW_DELAY,
    ReviewState,
    first_exposure,
    schedule_next,
    weakest_first,
)
from bot.topics import TOPICS, topic_title

RECENT_TO_AVOID = 20  # a new question is not offered again while it is among the member's last attempts
SKIPPED_FOR = timedelta(hours=1)  # an ungraded review is passed over this long, then it is first again
KEY = ["platform", "workspace_id", "member_id", "question_id"]


@dataclass(frozen=True)
class Pick:
    question: Question
    kind: str  # due | new | early
    reason: str


def _mine(table, channel: ChannelRef, member_id: str):
    return and_(
        table.c.platform == channel.platform,
        table.c.workspace_id == channel.workspace_id,
        table.c.member_id == member_id,
    )


# ---- choosing a practice question --------------------------------------------------------------------------


async def choose(conn, ctx: Context, channel: ChannelRef, member: Member, candidates: list[Question]) -> Pick:
    """The question to serve from `candidates` (not empty), and why, in the member's words."""
    now = ctx.clock.now()
    by_id = {q.id: q for q in candidates}
    known = {
        row.question_id: row
        for row in await conn.execute(
            select(reviews.c.question_id, reviews.c.due_at).where(_mine(reviews, channel, member.id))
        )
    }
    recent = (
        await conn.execute(
            select(quiz_attempts.c.question_id, quiz_attempts.c.asked_at, quiz_attempts.c.grade)
            .where(_mine(quiz_attempts, channel, member.id))
            .order_by(quiz_attempts.c.id.desc())
            .limit(RECENT_TO_AVOID)
        )
    ).all()
    recently_asked = {row.question_id for row in recent}
    skipped = {row.question_id for row in recent if row.grade is None and row.asked_at >= now - SKIPPED_FOR}

    scheduled = sorted(
        (row for qid, row in known.items() if qid in by_id), key=lambda row: (row.due_at, row.question_id)
    )
    due = [row for row in scheduled if row.due_at <= now]
    for row in due:
        if row.question_id not in skipped:
            return _due_pick(by_id[row.question_id], now - row.due_at)

    new = [q for q in candidates if q.id not in known]
    fresh = [q for q in new if q.id not in recently_asked]
    if fresh:
        return await _new_pick(conn, ctx, channel, member, fresh)
    if due:  # every due review was just served and left ungraded: serve the longest due again
        return _due_pick(by_id[due[0].question_id], now - due[0].due_at)
    if new:
        return await _new_pick(conn, ctx, channel, member, new)
    upcoming = [row for row in scheduled if row.question_id not in skipped] or scheduled
    row = upcoming[0]
    return Pick(
        by_id[row.question_id],
        "early",
        f"you have practised every matching question; this one is due next, in {span(row.due_at - now)}",
    )


def _due_pick(question: Question, overdue: timedelta) -> Pick:
    if overdue < timedelta(minutes=1):
        return Pick(question, "due", "it is due for review now")
    return Pick(question, "due", f"it has been due for review for {span(overdue)}")


async def _new_pick(conn, ctx: Context, channel: ChannelRef, member: Member, pool: list[Question]) -> Pick:
    topics = {q.topic for q in pool}
    if len(topics) == 1:
        question = ctx.bank.pick(ctx.rng, pool)
        return Pick(question, "new", f"a new question in {topic_title(question.topic)}, one you have not practised yet")
    scores = await topic_retention(conn, channel, member.id)
    rates = {topic: retained / total for topic, (retained, total) in scores.items() if total}
    weakest = weakest_first(topics, rates, ctx.rng)[0]
    question = ctx.bank.pick(ctx.rng, [q for q in pool if q.topic == weakest])
    if weakest not in rates:
        return Pick(question, "new", f"a new question from a topic you have not tried yet: {topic_title(weakest)}")
    retained, total = scores[weakest]
    return Pick(
        question,
        "new",
        f"a new question from your weakest topic: {topic_title(weakest)} "
        f"({retained} of {total} recent {_plural(total, 'grade')} good or easy)",
    )


async def topic_retention(conn, channel: ChannelRef, member_id: str) -> dict[str, tuple[int, int]]:
    """Per topic: (good or easy, all) among the member's latest RETENTION_WINDOW quiz grades there."""
    latest = func.row_number().over(partition_by=review_log.c.topic, order_by=review_log.c.id.desc()).label("n")
    graded = (
        select(review_log.c.topic, review_log.c.grade, latest)
        .where(_mine(review_log, channel, member_id), review_log.c.source == "quiz")
        .subquery()
    )
    rows = await conn.execute(
        select(
            graded.c.topic,
            func.sum(case((graded.c.grade.in_(sorted(RETAINED)), 1), else_=0)),
            func.count(),
        )
        .where(graded.c.n <= RETENTION_WINDOW)
        .group_by(graded.c.topic)
    )
    return {topic: (int(retained or 0), int(total)) for topic, retained, total in rows}


# ---- recording reviews -------------------------------------------------------------------------------------


def _state(row, prefix: str = "") -> ReviewState | None:
    """A ReviewState from a `reviews` row, or from a log row's `before_` columns (None when there was none)."""
    ease = getattr(row, f"{prefix}ease")
    if ease is None:
        return None
    return ReviewState(
        due_at=getattr(row, f"{prefix}due_at"),
        repetitions=getattr(row, f"{prefix}repetitions"),
        ease=float(ease),
        interval_days=getattr(row, f"{prefix}interval_days"),
        lapses=getattr(row, f"{prefix}lapses"),
        last_reviewed_at=getattr(row, f"{prefix}reviewed_at" if prefix else "last_reviewed_at"),
        last_grade=getattr(row, f"{prefix}grade" if prefix else "last_grade"),
    )


def _state_values(state: ReviewState) -> dict:
    return {
        "repetitions": state.repetitions,
        "ease": state.ease,
        "interval_days": state.interval_days,
        "lapses": state.lapses,
        "due_at": state.due_at,
        "last_reviewed_at": state.last_reviewed_at,
        "last_grade": state.last_grade,
    }


def _before_values(state: ReviewState | None) -> dict:
    if state is None:
        return {}
    return {
        "before_repetitions": state.repetitions,
        "before_ease": state.ease,
        "before_interval_days": state.interval_days,
        "before_lapses": state.lapses,
        "before_due_at": state.due_at,
        "before_reviewed_at": state.last_reviewed_at,
        "before_grade": state.last_grade,
    }


async def record_grade(conn, ctx: Context, channel: ChannelRef, member: Member, attempt, grade: str) -> ReviewState | None:
    """Apply a quiz self-grade to the member's schedule for that question; returns the new state.

    Grading the same attempt again replaces its first grade (the schedule is worked out again from
    where it stood before that attempt). Once the question has been reviewed again since, a changed
    grade only corrects the record; None is returned and the schedule stays.
    """
    # One grade of an attempt at a time: two quick clicks apply one after the other.
    await conn.execute(select(quiz_attempts.c.id).where(quiz_attempts.c.id == attempt.id).with_for_update())
    logged = (await conn.execute(select(review_log).where(review_log.c.attempt_id == attempt.id))).first()
    scope = {"platform": channel.platform, "workspace_id": channel.workspace_id, "member_id": member.id}
    if logged is not None:
        reviewed_again = (
            await conn.execute(
                select(review_log.c.id)
                .where(
                    _mine(review_log, channel, member.id),
                    review_log.c.question_id == attempt.question_id,
                    review_log.c.source == "quiz",
                    review_log.c.id > logged.id,
                )
                .limit(1)
            )
        ).first()
        if reviewed_again is not None:
            await conn.execute(update(review_log).where(review_log.c.id == logged.id).values(grade=grade))
            return None
        after = schedule_next(_state(logged, "before_"), grade, logged.reviewed_at)
        await conn.execute(update(review_log).where(review_log.c.id == logged.id).values(grade=grade, due_at=after.due_at))
        topic = logged.topic
    else:
        current = (
            await conn.execute(
                select(reviews)
                .where(_mine(reviews, channel, member.id), reviews.c.question_id == attempt.question_id)
                .with_for_update()
            )
        ).first()
        question = await find_question(ctx, channel, attempt.question_id, conn)
        topic = question.topic if question else (current.topic if current else "")
        before = _state(current) if current is not None else None
        now = ctx.clock.now()
        after = schedule_next(before, grade, now)
        await conn.execute(
            review_log.insert().values(
                **scope,
                question_id=attempt.question_id,
                topic=topic,
                source="quiz",
                grade=grade,
                reviewed_at=now,
                attempt_id=attempt.id,
                due_at=after.due_at,
                **_before_values(before),
            )
        )
    values = _state_values(after)
    await upsert(
        conn,
        reviews,
        {**scope, "question_id": attempt.question_id, "topic": topic, "first_seen_at": after.last_reviewed_at, **values},
        KEY,
        values,
    )
    return after


async def record_daily_answer(conn, ctx: Context, channel: ChannelRef, member_id: str, post, now: datetime) -> None:
    """A member answered the daily question on time: they have seen it (a first exposure, not a grade).

    A question new to them is scheduled for its first self-graded review a day later; one they
    already practise keeps its schedule. Recorded once per member and question post.
    """
    question = await find_question(ctx, channel, post.question_id, conn)
    if question is None:
        return
    scope = {"platform": channel.platform, "workspace_id": channel.workspace_id, "member_id": member_id}
    state = first_exposure(now)
    values = {**scope, "question_id": question.id, "topic": question.topic, "first_seen_at": now, **_state_values(state)}
    scheduled = await insert_ignoring_conflict(conn, reviews, values, KEY)  # one already practised keeps its schedule
    await insert_ignoring_conflict(
        conn,
        review_log,
        {
            **scope,
            "question_id": question.id,
            "topic": question.topic,
            "source": "daily",
            "grade": "seen",
            "reviewed_at": now,
            "post_id": post.id,
            "due_at": state.due_at if scheduled else None,
        },
        ["post_id", "member_id"],
    )


# ---- /qotd quiz stats --------------------------------------------------------------------------------------


async def stats(ctx: Context, channel: ChannelRef, member: Member) -> Reply:
    """Due today, reviewed this week (Monday 00:00 in the channel's time zone), retention by topic."""
    from bot.services.standings import period_start

    now = ctx.clock.now()
    async with ctx.engine.connect() as conn:
        zone_name = (await conn.execute(select(schedules.c.timezone).where(in_channel(schedules, channel)))).scalar()
        zone = ZoneInfo(zone_name or "UTC")
        offered = {q.id: q.topic for q in (await questions_for(ctx, channel, conn)).eligible()}
        due_times = [  # only what /qotd quiz can still serve (not a topic turned off, not a removed question)
            due
            for question_id, due in await conn.execute(
                select(reviews.c.question_id, reviews.c.due_at).where(_mine(reviews, channel, member.id))
            )
            if question_id in offered
        ]
        week_start = period_start("week", now, zone)
        week = dict(
            (
                await conn.execute(
                    select(review_log.c.source, func.count())
                    .where(_mine(review_log, channel, member.id), review_log.c.reviewed_at >= week_start)
                    .group_by(review_log.c.source)
                )
            ).all()
        )
        scores = await topic_retention(conn, channel, member.id)
    tomorrow = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(0, 0), tzinfo=zone)
    due_now = sum(1 for due in due_times if due <= now)
    due_today = sum(1 for due in due_times if due < tomorrow)
    later = [due for due in due_times if due > now]
    lines = ["Your practice (spaced repetition)"]
    if not due_times:
        lines.append("Due today: nothing yet. Grade a practice question (/qotd quiz) and it is scheduled for review.")
    elif due_today:
        soon = ", the rest later today" if due_today > due_now else ""
        lines.append(f"Due today: {due_today} ({due_now} due now{soon}).")
    else:
        count = len(due_times)
        lines.append(f"Due today: nothing. Next review in {span(min(later) - now)}; {count} {_plural(count, 'question')} scheduled.")
    quiz_count, daily_count = int(week.get("quiz", 0)), int(week.get("daily", 0))
    lines.append(
        f"Reviewed this week: {quiz_count} practice {_plural(quiz_count, 'grade')}, "
        f"{daily_count} daily {_plural(daily_count, 'question')} answered on time."
    )
    tried = sorted(scores.items(), key=lambda item: (item[1][0] / item[1][1], item[0]))
    if tried:
        lines.append(f"Retention by topic (good or easy among your last {RETENTION_WINDOW} grades per topic, weakest first):")
        lines += [
            f"  {topic_title(topic)}: {round(100 * retained / total)}% ({retained} of {total})"
            for topic, (retained, total) in tried
        ]
    topics = set(offered.values())
    untried = [topic_title(t) for t in TOPICS if t in topics and t not in scores]
    untried += sorted(topic_title(t) for t in topics - set(TOPICS) - set(scores))
    if untried:
        lines.append("Not tried yet: " + ", ".join(untried) + ".")
    lines.append("/qotd quiz serves your most overdue review first, then new questions from your weakest topics.")
    return Reply(
        "\n".join(lines),
        data={"quiz_stats": True, "due_now": due_now, "due_today": due_today, "reviewed_this_week": quiz_count},
    )


# ---- words ---------------------------------------------------------------------------------------------------


def span(delta: timedelta) -> str:
    """A friendly length of time: '10 minutes', '5 hours', '3 days' (whole days from 24 hours on)."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 1:
        return "less than a minute"
    if minutes < 60:
        return f"{minutes} {_plural(minutes, 'minute')}"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} {_plural(hours, 'hour')}"
    days = int(hours / 24 + 0.5)
    return f"{days} {_plural(days, 'day')}"


def _plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"


def next_review_text(state: ReviewState | None, now: datetime) -> str:
    """' It comes back in 10 minutes...' / ' Next review in 6 days.', or why the schedule did not change."""
    if state is None:
        return " Your schedule for it stays as it is: you have reviewed it again since."
    if state.last_grade == "again":
        return f" It comes back in {span(state.due_at - now)}, so you can try it again soon."
    return f" Next review in {span(state.due_at - now)}."


HELP_LINES = [
    "Spaced repetition: each grade schedules that question's next review for you.",
    f"  again               back in {span(RELEARN_DELAY)}, and its intervals start over",
    f"  hard | good | easy  back in {FIRST_INTERVAL_DAYS['hard']}, {FIRST_INTERVAL_DAYS['good']} or "
    f"{FIRST_INTERVAL_DAYS['easy']} days the first time, then longer each time"
    f" (good: {SECOND_INTERVAL_DAYS} days, then about x{INITIAL_EASE:g} each time)",
    "  /qotd quiz          your most overdue review first, then a new question from your weakest topic",
    "  /qotd quiz caching  the same within one topic or tag",
    "  /qotd quiz stats    due today, reviewed this week, retention by topic",
    f"A daily question you answer on time counts as seen (not as a grade): it comes up for review "
    f"{span(SEEN_REVIEW_DELAY)} later.",
]
