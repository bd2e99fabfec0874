"""Recording members' answers: first answer counts, later ones are kept as edits, late ones are marked."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select, update

from bot.context import Context
from bot.db.deliveries import first_delivery
from bot.db.scoping import channel_values, in_channel
from bot.db.statements import insert_ignoring_conflict, upsert
from bot.db.tables import answer_edits, answers, member_stats, posts
from bot.errors import InvalidInput, NotFound
from bot.ports import AnswerEcho, ChannelRef, Member, PostedRef, Reply
from bot.scoring import points_for_on_time
from bot.services.streak_freezes import record_on_time_answer
from bot.services.spaced_review import record_daily_answer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnswerSubmitted:
    """A member answered. Adapters fill in what they know; the core finds the question.

    `post_id` or `thread_id` pin the question; otherwise the channel's most
    recent question is meant. `event_id` makes platform retries harmless.
    `already_visible` says the platform already shows the text in the thread
    (a thread reply), so the core does not echo it.
    """

    channel: ChannelRef
    member: Member
    text: str
    post_id: int | None = None
    thread_id: str | None = None
    event_id: str | None = None
    already_visible: bool = False


async def submit_answer(ctx: Context, event: AnswerSubmitted) -> Reply:
    text = event.text.strip()
    if not text:
        raise InvalidInput("your answer is empty; nothing was saved")
    limit = ctx.settings.max_answer_chars
    if len(text) > limit:
        raise InvalidInput(
            f"your answer is {len(text):,} characters; the limit is {limit:,}. Nothing was saved — shorten it and send it again"
        )
    now = ctx.clock.now()
    channel = event.channel
    async with ctx.engine.begin() as conn:
        if not await first_delivery(conn, channel, event.event_id, now):
            return Reply("That answer was already recorded.", private=True, data={"outcome": "duplicate"})
        post = await _find_post(conn, event)
        if post is None:
            raise NotFound("there is no question to answer in this channel yet")
        late = post.status != "posted" or (post.reveal_at is not None and now >= post.reveal_at)
        existing = (
            await conn.execute(
                select(answers).where(answers.c.post_id == post.id, answers.c.member_id == event.member.id)
            )
        ).first()
        if existing is not None:
            await _record_edit(conn, channel, existing, text, now, late)
            outcome = "edit"
            streak = freezes_earned = None
        else:
            streak, freezes_earned = await _record_first(conn, ctx, channel, post, event.member, text, now, late)
            outcome = "late" if late else "on_time"
            if not late:  # spaced repetition: the member has now seen this question (a first exposure)
                await record_daily_answer(conn, ctx, channel, event.member.id, post, now)
    if post.mode == "thread" and not event.already_visible and outcome != "edit":
        try:
            await ctx.port(channel.platform).reply_in_thread(
                channel,
                PostedRef(post.message_id or "", post.thread_id),
                AnswerEcho(post_id=post.id, member_name=event.member.name, text=text, late=late),
            )
        except Exception as exc:  # the answer is saved; a failed echo must not say otherwise
            log.warning("answer %s saved but not shown in the thread: %s", post.id, exc)
    return _acknowledge(post, outcome, streak, freezes_earned)


async def _find_post(conn, event: AnswerSubmitted):
    query = select(posts).where(in_channel(posts, event.channel), posts.c.status.in_(("posted", "revealing", "revealed")))
    if event.post_id is not None:
        query = query.where(posts.c.id == event.post_id)
    elif event.thread_id is not None:
        query = query.where(posts.c.thread_id == event.thread_id)
    query = query.order_by(posts.c.id.desc()).limit(1)
    # FOR SHARE: a reveal that flips the status waits for this answer to commit.
    query = query.with_for_update(read=True)
    return (await conn.execute(query)).first()


async def _record_first(
    conn, ctx: Context, channel: ChannelRef, post, member: Member, text: str, now, late: bool
) -> tuple[int | None, int | None]:
    """Returns (streak after, freezes held if this answer earned one)."""
    stats = (
        await conn.execute(
            select(member_stats)
            .where(in_channel(member_stats, channel), member_stats.c.member_id == member.id)
            .with_for_update()
        )
    ).first()
    streak_before = stats.current_streak if stats else 0
    points = 0 if late else points_for_on_time(streak_before)
    answer_id = await insert_ignoring_conflict(
        conn,
        answers,
        {
            **channel_values(channel),
            "post_id": post.id,
            "member_id": member.id,
            "member_name": member.name[:100],
            "text": text,
            "answered_at": now,
            "late": late,
            "points": points,
        },
        conflict=["post_id", "member_id"],
        returning="id",
    )
    if answer_id is None:  # a concurrent first answer won; this one is an edit
        existing = (
            await conn.execute(select(answers).where(answers.c.post_id == post.id, answers.c.member_id == member.id))
        ).first()
        await _record_edit(conn, channel, existing, text, now, late)
        return None, None
    streak_after = streak_before if late else streak_before + 1
    base = {**channel_values(channel), "member_id": member.id, "display_name": member.name[:100]}
    if late:
        values = {**base, "late_answers": 1, "last_answered_at": now}
        changes = {"display_name": member.name[:100], "late_answers": member_stats.c.late_answers + 1, "last_answered_at": now}
    else:
        values = {
            **base,
            "current_streak": streak_after,
            "longest_streak": streak_after,
            "on_time_answers": 1,
            "points": points,
            "last_answered_at": now,
        }
        longest = max(streak_after, stats.longest_streak if stats else 0)
        changes = {
            "display_name": member.name[:100],
            "current_streak": streak_after,
            "longest_streak": longest,
            "on_time_answers": member_stats.c.on_time_answers + 1,
            "points": member_stats.c.points + points,
            "last_answered_at": now,
        }
    await upsert(conn, member_stats, values, ["platform", "workspace_id", "channel_id", "member_id"], changes)
    freezes_earned = None
    if not late:
        freezes_earned = await record_on_time_answer(
            conn,
            ctx,
            channel,
            member.id,
            post.id,
            answer_id,
            on_time_answers_after=(stats.on_time_answers if stats else 0) + 1,
            freezes_held=stats.freezes if stats else 0,
            now=now,
        )
    return streak_after, freezes_earned


async def _record_edit(conn, channel: ChannelRef, existing, text: str, now, late: bool) -> None:
    await conn.execute(
        answer_edits.insert().values(
            platform=channel.platform, workspace_id=channel.workspace_id, answer_id=existing.id, text=text, edited_at=now, late=late
        )
    )
    await conn.execute(
        update(answers)
        .where(answers.c.id == existing.id)
        .values(edit_count=answers.c.edit_count + 1, edited_at=now)
    )


def _acknowledge(post, outcome: str, streak: int | None, freezes_earned: int | None = None) -> Reply:
    """The member's confirmation; `data["outcome"]` is on_time, late or edit for adapters."""
    number = f"question #{post.seq}"
    data = {"outcome": outcome, "post_id": post.id}
    if outcome == "edit":
        text = f"Edit saved for {number}. Your first answer is the one that counts; edits are kept with it."
    elif outcome == "late":
        text = f"Saved as a late answer: {number} was already revealed. Late answers are kept but earn no streak or points."
    else:
        streak_text = f" Your streak is {streak}." if streak else ""
        if freezes_earned:
            held = f"{freezes_earned} held" if freezes_earned > 1 else "it keeps your streak if you miss a day"
            streak_text += f" You earned a streak freeze ({held})."
            data["freezes"] = freezes_earned
        if post.mode == "private":
            text = f"Answer saved privately for {number}; everyone's answers are shown together at the reveal.{streak_text}"
        else:
            text = f"Answer recorded for {number}.{streak_text}"
    return Reply(text, private=True, data=data)
