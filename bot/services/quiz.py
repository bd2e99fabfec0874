"""On-demand practice questions, shown only to the member who asks; the channel's rotation is untouched."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.commands import Quiz
from bot.context import Context
from bot.db.tables import quiz_attempts
from bot.errors import NotFound
from bot.ports import ChannelRef, Member, Reply
from bot.topics import DIFFICULTY_LABELS, topic_title

RECENT_TO_AVOID = 20


async def ask(ctx: Context, channel: ChannelRef, member: Member, args: Quiz) -> Reply:
    topics = frozenset({args.topic}) if args.topic else frozenset()
    candidates = ctx.bank.eligible(topics, args.difficulty or (1, 3))
    if not candidates:
        raise NotFound("no question matches that topic and difficulty; try another difficulty")
    async with ctx.engine.begin() as conn:
        recent = set(
            (
                await conn.execute(
                    select(quiz_attempts.c.question_id)
                    .where(*_mine(channel, member))
                    .order_by(quiz_attempts.c.id.desc())
                    .limit(RECENT_TO_AVOID)
                )
            ).scalars()
        )
        fresh = [q for q in candidates if q.id not in recent] or candidates
        question = ctx.bank.pick(ctx.rng, fresh)
        await conn.execute(
            quiz_attempts.insert().values(
                platform=channel.platform,
                workspace_id=channel.workspace_id,
                member_id=member.id,
                question_id=question.id,
                asked_at=ctx.clock.now(),
            )
        )
    header = f"Practice question ({topic_title(question.topic)}, difficulty {question.difficulty} — {DIFFICULTY_LABELS[question.difficulty]})"
    return Reply(f"{header}\n{question.question}\n\nWhen you are ready: /qotd quiz answer")


async def show_answer(ctx: Context, channel: ChannelRef, member: Member) -> Reply:
    async with ctx.engine.begin() as conn:
        attempt = (
            await conn.execute(
                select(quiz_attempts).where(*_mine(channel, member)).order_by(quiz_attempts.c.id.desc()).limit(1)
            )
        ).first()
        if attempt is None:
            raise NotFound("you have no practice question yet; ask for one with /qotd quiz")
        await conn.execute(
            update(quiz_attempts)
            .where(quiz_attempts.c.id == attempt.id, quiz_attempts.c.answer_shown_at.is_(None))
            .values(answer_shown_at=ctx.clock.now())
        )
    question = ctx.bank.get(attempt.question_id)
    if question is None:
        raise NotFound("that practice question is no longer in the bank; ask for another with /qotd quiz")
    points = "\n".join(f"  • {p}" for p in question.key_points)
    return Reply(f"Reference answer:\n{question.answer}\n\nKey points:\n{points}")


def _mine(channel: ChannelRef, member: Member):
    return (
        quiz_attempts.c.platform == channel.platform,
        quiz_attempts.c.workspace_id == channel.workspace_id,
        quiz_attempts.c.member_id == member.id,
    )
