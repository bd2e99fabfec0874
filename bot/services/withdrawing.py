"""A member takes their answer back by deleting the reply that holds it.

Before the reveal the answer is withdrawn: its row (and its edits) are deleted and the member's
streak, points and counts are recomputed from what remains, as if it had never been given; the
member can answer again. After the reveal the answer stays on record (the reveal has already
named them), and the member is told so. A deleted reply that is not the member's current answer
text (an older reply, or a message that never counted) changes nothing.

A platform that names only the deleted message (no author, no text) is answered from the message
ids stored with answers and edits: the message is traced to its member and its text, then judged
the same way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import delete, literal, select, union_all

from bot.context import Context
from bot.db.deliveries import first_delivery
from bot.db.scoping import channel_values, in_channel
from bot.db.statements import upsert
from bot.db.tables import answer_edits, answers, member_stats, posts
from bot.ports import ChannelRef, Reply
from bot.services.member_history import recompute_member_totals


@dataclass(frozen=True)
class AnswerWithdrawn:
    """The platform says a member deleted a message in a question's thread.

    `member_id` None: the platform did not say who wrote it; `message_id` is then how the answer is found.
    """

    channel: ChannelRef
    member_id: str | None
    thread_id: str | None = None
    post_id: int | None = None
    text: str | None = None  # the deleted message's text, when the platform still has it
    event_id: str | None = None
    message_id: str | None = None  # the deleted message's id on the platform


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
        member_id, deleted_text = event.member_id, event.text
        if member_id is None:
            traced = await _traced_message(conn, post.id, event.message_id) if event.message_id else None
            if traced is None:
                return _quiet("not_found")
            member_id, deleted_text = traced
        answer = (
            await conn.execute(
                select(answers).where(answers.c.post_id == post.id, answers.c.member_id == member_id).with_for_update()
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
        if deleted_text is not None and deleted_text.strip() != current.strip():
            return _quiet("not_current")
        if post.status != "posted":
            return Reply(
                f"You deleted your reply, but question #{post.seq} was already revealed, so your answer stays on record.",
                private=True,
                data={"outcome": "kept", "post_id": post.id, "member_id": member_id},
            )
        await conn.execute(delete(answer_edits).where(answer_edits.c.answer_id == answer.id))
        await conn.execute(delete(answers).where(answers.c.id == answer.id))
        # The stats row is locked by the upsert; the answer's own row lock keeps concurrent edits out.
        totals = await recompute_member_totals(conn, channel, member_id)
        values = {**channel_values(channel), "member_id": member_id, "display_name": answer.member_name, **asdict(totals)}
        await upsert(conn, member_stats, values, ["platform", "workspace_id", "channel_id", "member_id"], asdict(totals))
    streak = f" Your streak is now {totals.current_streak}." if not answer.late else ""
    return Reply(
        f"You deleted your reply, so your answer to question #{post.seq} is withdrawn.{streak} "
        "Answer again any time before the reveal.",
        private=True,
        data={"outcome": "withdrawn", "post_id": post.id, "member_id": member_id},
    )


async def _traced_message(conn, post_id: int, message_id: str) -> tuple[str, str] | None:
    """(member id, text) of the answer or edit to post `post_id` that came from platform message `message_id`."""
    first = select(answers.c.member_id, answers.c.text, literal(0).label("edit_id")).where(
        answers.c.post_id == post_id, answers.c.message_id == message_id
    )
    edits = (
        select(answers.c.member_id, answer_edits.c.text, answer_edits.c.id.label("edit_id"))
        .join(answers, answers.c.id == answer_edits.c.answer_id)
        .where(answers.c.post_id == post_id, answer_edits.c.message_id == message_id)
    )
    found = union_all(first, edits).subquery()
    row = (await conn.execute(select(found.c.member_id, found.c.text).order_by(found.c.edit_id.desc()).limit(1))).first()
    return (row.member_id, row.text) if row is not None else None
