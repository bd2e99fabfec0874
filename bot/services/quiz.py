"""On-demand practice questions, shown only to the member who asks; the channel's rotation is untouched.

A practice question is an attempt row: asked, answer shown, then self-graded
(again / hard / good / easy). Buttons refer to the attempt by id; text
commands mean the member's latest attempt.
"""

from __future__ import annotations

from difflib import get_close_matches

from sqlalchemy import select, update

from bot.commands import GRADES, Quiz
from bot.context import Context
from bot.db.tables import quiz_attempts
from bot.errors import InvalidInput, NotFound
from bot.ports import ChannelRef, Member, Reply
from bot.services import spaced_review
from bot.question_source import find_question, questions_for
from bot.topics import DIFFICULTY_LABELS, TOPICS, topic_title


async def ask(ctx: Context, channel: ChannelRef, member: Member, args: Quiz) -> Reply:
    topics = frozenset({args.topic}) if args.topic else frozenset()
    if args.tag and args.tag not in ctx.bank.tags():
        choices = list(TOPICS) + ctx.bank.tags()
        close = get_close_matches(args.tag, choices, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise InvalidInput(f"unknown topic or tag '{args.tag}'{hint}. Topics: {', '.join(TOPICS)}")
    # The workspace's view of the bank: without its disabled topics, with its approved suggestions.
    source = await questions_for(ctx, channel)
    candidates = source.eligible(topics, args.difficulty or (1, 3), tag=args.tag)
    if not candidates and args.topic in source.disabled:
        raise NotFound(f"the topic {args.topic} is turned off in this workspace (an admin can turn it on with /qotd admin topics)")
    if not candidates:
        raise NotFound("no question matches that topic and difficulty; try another difficulty")
    async with ctx.engine.begin() as conn:
        # Spaced repetition: the most overdue review first, then new questions from the weakest topics.
        pick = await spaced_review.choose(conn, ctx, channel, member, candidates)
        question = pick.question
        result = await conn.execute(
            quiz_attempts.insert()
            .values(
                platform=channel.platform,
                workspace_id=channel.workspace_id,
                member_id=member.id,
                question_id=question.id,
                asked_at=ctx.clock.now(),
            )
            .returning(quiz_attempts.c.id)
        )
        attempt_id = result.scalar_one()
    header = (
        f"Practice question ({topic_title(question.topic)}, difficulty {question.difficulty} — "
        f"{DIFFICULTY_LABELS[question.difficulty]})"
    )
    return Reply(
        f"{header}\nWhy this one: {pick.reason}.\n{question.question}",
        data={"quiz_attempt": attempt_id, "question_id": question.id, "reason": pick.kind},
        hint="When you are ready: /qotd quiz answer",
    )


async def _attempt(conn, channel: ChannelRef, member: Member, attempt_id: int | None):
    query = select(quiz_attempts).where(*_mine(channel, member))
    if attempt_id is not None:
        query = query.where(quiz_attempts.c.id == attempt_id)
    attempt = (await conn.execute(query.order_by(quiz_attempts.c.id.desc()).limit(1))).first()
    if attempt is None and attempt_id is not None:  # someone else's, or gone (buttons name attempts by id)
        raise NotFound("that practice question is not one of yours; ask for your own with /qotd quiz")
    if attempt is None:
        raise NotFound("you have no practice question yet; ask for one with /qotd quiz")
    return attempt


async def show_answer(ctx: Context, channel: ChannelRef, member: Member, attempt_id: int | None = None) -> Reply:
    async with ctx.engine.begin() as conn:
        attempt = await _attempt(conn, channel, member, attempt_id)
        await conn.execute(
            update(quiz_attempts)
            .where(quiz_attempts.c.id == attempt.id, quiz_attempts.c.answer_shown_at.is_(None))
            .values(answer_shown_at=ctx.clock.now())
        )
    question = await find_question(ctx, channel, attempt.question_id)
    if question is None:
        raise NotFound("that practice question is no longer in the bank; ask for another with /qotd quiz")
    points = "\n".join(f"  • {p}" for p in question.key_points)
    return Reply(
        f"Reference answer:\n{question.answer}\n\nKey points:\n{points}",
        data={"quiz_attempt": attempt.id, "grades": GRADES},
        hint=f"How did you do? /qotd quiz grade {'|'.join(GRADES)}"
        "\nWhich key points did you cover? /qotd quiz check points=1,3",
    )


async def grade(ctx: Context, channel: ChannelRef, member: Member, value: str | None, attempt_id: int | None = None) -> Reply:
    if value not in GRADES:
        raise InvalidInput(f"grade '{value}' is not one of {', '.join(GRADES)}")
    async with ctx.engine.begin() as conn:
        attempt = await _attempt(conn, channel, member, attempt_id)
        if attempt.answer_shown_at is None:
            raise InvalidInput("look at the answer first (/qotd quiz answer), then grade yourself")
        await conn.execute(update(quiz_attempts).where(quiz_attempts.c.id == attempt.id).values(grade=value))
        review = await spaced_review.record_grade(conn, ctx, channel, member, attempt, value)
    again = " Changed your mind? Grade it again." if attempt.grade else ""
    next_review = spaced_review.next_review_text(review, ctx.clock.now())
    return Reply(f"Recorded: {value}.{next_review}{again}", data={"quiz_attempt": attempt.id, "grade": value}, hint="Another one? /qotd quiz")


def _mine(channel: ChannelRef, member: Member):
    return (
        quiz_attempts.c.platform == channel.platform,
        quiz_attempts.c.workspace_id == channel.workspace_id,
        quiz_attempts.c.member_id == member.id,
    )
