"""Revealing a question: reference answer, key points, who answered; then close it and settle streaks."""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from bot.context import Context
from bot.db.scoping import in_channel
from bot.db.tables import answers, posts
from bot.question_source import find_question
from bot.ports import ChannelRef, ChannelUnavailable, PostedRef, RevealMessage
from bot.services import streak_freezes

log = logging.getLogger(__name__)


async def reveal_post(ctx: Context, post_id: int, *, token: str | None = None) -> bool:
    """Reveal `post_id` if it is open. Returns True when this call revealed it.

    The reveal is claimed first (status `revealing` with a token), so two
    processes never both announce it; the streak settlement commits together
    with the final status, so it happens exactly once. Pass `token` to resume
    a stale `revealing` claim that `bot.due_work` took over.
    """
    now = ctx.clock.now()
    resumed = token is not None  # an earlier attempt may have reached the platform
    if token is None:
        token = ctx.new_token()
        async with ctx.engine.begin() as conn:
            claimed = await conn.execute(
                update(posts)
                .where(posts.c.id == post_id, posts.c.status == "posted")
                .values(status="revealing", claim_token=token, claimed_at=now)
            )
        if claimed.rowcount != 1:
            return False
    async with ctx.engine.connect() as conn:
        post = (await conn.execute(select(posts).where(posts.c.id == post_id))).first()
        on_time = (
            await conn.execute(
                select(answers.c.member_id, answers.c.member_name, answers.c.text)
                .where(answers.c.post_id == post_id, answers.c.late.is_(False))
                .order_by(answers.c.answered_at, answers.c.id)
            )
        ).all()
    channel = ChannelRef(post.platform, post.workspace_id, post.channel_id)
    question = await find_question(ctx, channel, post.question_id)
    message = RevealMessage(
        retry=resumed,
        post_id=post.id,
        seq=post.seq,
        question_id=post.question_id,
        question=question.question if question else "(this question is no longer in the bank)",
        answer=question.answer if question else "The reference answer is no longer available.",
        key_points=question.key_points if question else (),
        follow_ups=question.follow_ups if question else (),
        mode=post.mode,
        answered_on_time=tuple(a.member_name for a in on_time),
        private_answers=tuple((a.member_name, a.text) for a in on_time) if post.mode == "private" else (),
        credit=f"Suggested by {question.suggested_by}" if question and question.suggested_by else "",
    )
    try:
        await ctx.port(channel.platform).reveal(channel, PostedRef(post.message_id, post.thread_id), message)
    except ChannelUnavailable as exc:
        # Nobody can see the reveal, but the question still closes and streaks settle.
        log.warning("could not show the reveal of post %s: %s", post_id, exc.reason)
    freezes_used: list[streak_freezes.FreezeUsed] = []
    async with ctx.engine.begin() as conn:
        closed_at = ctx.clock.now()
        closed = await conn.execute(
            update(posts)
            .where(posts.c.id == post_id, posts.c.status == "revealing", posts.c.claim_token == token)
            .values(status="revealed", revealed_at=closed_at, claim_token=None)
        )
        if closed.rowcount != 1:
            log.warning("reveal of post %s was taken over by another instance", post_id)
            return False
        if post.kind == "scheduled":
            freezes_used = await _break_streaks(conn, channel, post_id, closed_at)
    await streak_freezes.tell_members(ctx, channel, post.seq, freezes_used)
    log.info("revealed post %s (#%s) in %s/%s/%s", post_id, post.seq, channel.platform, channel.workspace_id, channel.channel_id)
    return True


async def _break_streaks(conn, channel: ChannelRef, post_id: int, now) -> list[streak_freezes.FreezeUsed]:
    """Members with a streak who did not answer this scheduled question on time lose it, unless they
    hold a streak freeze, which is used instead (see bot.services.streak_freezes).

    A few set-based statements per reveal; bonus questions posted with /qotd post never break streaks.
    """
    return await streak_freezes.settle_missed_question(conn, channel, post_id, now)


async def open_post_id(ctx: Context, channel: ChannelRef) -> int | None:
    async with ctx.engine.connect() as conn:
        return (
            await conn.execute(
                select(posts.c.id)
                .where(in_channel(posts, channel), posts.c.status == "posted")
                .order_by(posts.c.id.desc())
                .limit(1)
            )
        ).scalar()
