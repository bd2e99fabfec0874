"""A member takes their answer back by deleting the reply that holds it.

Before the reveal the answer is withdrawn: its row (and its edits) are deleted and the member's
streak, points and counts are recomputed from what remains, as if it had never been given; the
member can answer again. After the reveal the answer stays on record (the reveal has already
named them), and the member is told so. A deleted reply that is not the member's current answer
text (an older reply, or a message that never counted) changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import delete, select

from bot.context import Context
from bot.db.deliveries import first_delivery
from bot.db.scoping import channel_values, in_channel
from bot.db.statements import upsert
from bot.db.tables import answer_edits, answers, member_stats, posts
from bot.ports import ChannelRef, Reply
from bot.services.member_history import recompute_member_totals


@dataclass(frozen=True)
class AnswerWithdrawn:
    """The platform says a member deleted a message in a question's thread."""

    channel: ChannelRef
    member_id: str
    thread_id: str | None = None
    post_id: int | None = None
    text: str | None = None  # the deleted message's text, when the platform still has it
    event_id: str | None = None


def _quiet(outcome: str) -> Reply:
    return Reply("", private=True, data={"outcome": outcome})


async def withdraw_answer(ctx: Context, event: AnswerWithdrawn) -> Reply:
    """`data["outcome"]`: withdrawn, kept (already revealed), not_current, not_found or duplicate."""
    channel = event.channel
    now = ctx.clock.now()
    async with ctx.engine.begin() as conn:
        if not await first_delivery(conn, channel, event.event_id, now):
            return _quiet("duplicate")
        query = select(posts).where(in_channel(posts, channel), posts.c.status.in_(("posted", "revealing", "revealed")))
        if event.post_id is not None:
            query = query.where(posts.c.id == event.post_id)
        elif event.thread_id is not None:
            query = query.where(posts.c.thread_id == event.thread_id)
        else:
            return _quiet("not_found")
        post = (await conn.execute(query.with_for_update(read=True))).first()
        if post is None:
            return _quiet("not_found")
        answer = (
            await conn.execute(
                select(answers).where(answers.c.post_id == post.id, answers.c.member_id == event.member_id).with_for_update()
            )
        ).first()
        if answer is None:
            return _quiet("not_found")
        latest_edit = (
            await conn.execute(
                select(answer_edits.c.text).where(answer_edits.c.answer_id == answer.id).order_by(answer_edits.c.id.desc()).limit(1)
            )
        ).scalar()
        current = latest_edit if latest_edit is not None else answer.text
        if event.text is not None and event.text.strip() != current.strip():
            return _quiet("not_current")
        if post.status != "posted":
            return Reply(
                f"You deleted your reply, but question #{post.seq} was already revealed, so your answer stays on record.",
                private=True,
                data={"outcome": "kept", "post_id": post.id},
            )
        await conn.execute(delete(answer_edits).where(answer_edits.c.answer_id == answer.id))
        await conn.execute(delete(answers).where(answers.c.id == answer.id))
        # The stats row is locked by the upsert; the answer's own row lock keeps concurrent edits out.
        totals = await recompute_member_totals(conn, channel, event.member_id)
        values = {**channel_values(channel), "member_id": event.member_id, "display_name": answer.member_name, **asdict(totals)}
        await upsert(conn, member_stats, values, ["platform", "workspace_id", "channel_id", "member_id"], asdict(totals))
    streak = f" Your streak is now {totals.current_streak}." if not answer.late else ""
    return Reply(
        f"You deleted your reply, so your answer to question #{post.seq} is withdrawn.{streak} "
        "Answer again any time before the reveal.",
        private=True,
        data={"outcome": "withdrawn", "post_id": post.id},
    )
