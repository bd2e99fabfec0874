"""Posting questions exactly once: claim a slot in the database, then post through the port.

A post's life: `claimed` (a row with a unique (channel, slot) key and a claim
token) -> `posted` -> `revealing` -> `revealed`, or `skipped`. The claim and
the schedule's advance happen in one transaction, so two processes can never
both own a slot; a claim whose owner died goes stale and is taken over with a
compare-and-swap on its token (see `bot.due_work`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.context import Context
from bot.db.scoping import channel_values, in_channel
from bot.db.statements import insert_ignoring_conflict
from bot.db.tables import posts, schedules
from bot.errors import NotFound
from bot.ports import ChannelRef, ChannelUnavailable, PostedRef, QuestionPost
from bot.question_source import find_question, questions_for
from bot.rotation import pick_next
from bot.schedule import Schedule
from bot.schedule_rules import RevealRule, reveal_from_storage, reveal_to_storage
from bot.topics import topic_title

log = logging.getLogger(__name__)

DEFAULT_REVEAL = RevealRule(delay=timedelta(hours=8))


@dataclass(frozen=True)
class Claim:
    post_id: int
    token: str


async def claim_scheduled(ctx: Context, schedule: Schedule) -> Claim | None:
    """Claim the post due at `schedule.next_post_at` and advance the schedule, atomically.

    Returns None when another process got there first, when the post was
    missed by more than the grace window (it is recorded as skipped), or when
    no question matches the schedule's filters.
    """
    occurrence = schedule.next_post_at
    if occurrence is None:
        return None
    now = ctx.clock.now()
    grace = ctx.settings.missed_post_grace
    too_late = occurrence < now - grace
    following = schedule.rule.next_after(max(occurrence, now - grace) if too_late else occurrence)
    slot = schedule.rule.local_day_of(occurrence).isoformat()
    async with ctx.engine.begin() as conn:
        advanced = await conn.execute(
            update(schedules)
            .where(schedules.c.id == schedule.id, schedules.c.next_post_at == occurrence)
            .values(next_post_at=following)
        )
        if advanced.rowcount != 1:
            return None
        if too_late:
            await _record_skip(conn, schedule, slot, occurrence)
            log.warning(
                "skipped the %s post for %s/%s/%s: missed by %s, more than the %s grace window",
                slot, *_where(schedule.channel), now - occurrence, grace,
            )
            return None
        return await _claim(conn, ctx, schedule.channel, schedule, slot, "scheduled", occurrence)


async def claim_manual(ctx: Context, channel: ChannelRef) -> Claim:
    """Claim an on-demand post (`/qotd post`), using the channel's schedule settings if it has one."""
    now = ctx.clock.now()
    async with ctx.engine.begin() as conn:
        row = (await conn.execute(select(schedules).where(in_channel(schedules, channel)))).first()
        schedule = Schedule.from_row(row) if row else None
        slot = f"manual-{now:%Y%m%dT%H%M%S}-{ctx.new_token()[-6:]}"
        claim = await _claim(conn, ctx, channel, schedule, slot, "manual", now)
    if claim is None:
        raise NotFound("no question matches this channel's topic and difficulty filters; change them with /qotd setup")
    return claim


async def _claim(
    conn: AsyncConnection,
    ctx: Context,
    channel: ChannelRef,
    schedule: Schedule | None,
    slot: str,
    kind: str,
    scheduled_for: datetime,
) -> Claim | None:
    topics = schedule.topics if schedule else frozenset()
    difficulty = schedule.difficulty if schedule else (1, 3)
    # The workspace's questions: the bank without its disabled topics, plus its approved suggestions.
    eligible = (await questions_for(ctx, channel, conn)).eligible(topics, difficulty)
    cycle_row = (
        await conn.execute(select(func.max(posts.c.cycle), func.max(posts.c.seq)).where(in_channel(posts, channel)))
    ).first()
    cycle = (cycle_row[0] if cycle_row and cycle_row[0] else 1)
    seq = (cycle_row[1] if cycle_row and cycle_row[1] else 0) + 1
    used = set(
        (
            await conn.execute(
                select(posts.c.question_id).where(
                    in_channel(posts, channel), posts.c.cycle == cycle, posts.c.question_id.is_not(None)
                )
            )
        ).scalars()
    )
    last = (
        await conn.execute(
            select(posts.c.question_id)
            .where(in_channel(posts, channel), posts.c.question_id.is_not(None))
            .order_by(posts.c.id.desc())
            .limit(1)
        )
    ).scalar()
    pick = pick_next(eligible, used, cycle, ctx.rng, last)
    if pick is None:
        log.warning("no question matches the filters of %s/%s/%s; nothing posted", *_where(channel))
        if schedule is not None and kind == "scheduled":
            await _record_skip(conn, schedule, slot, scheduled_for)
        return None
    reveal = schedule.reveal if schedule else DEFAULT_REVEAL
    reveal_kind, reveal_value = reveal_to_storage(reveal)
    token = ctx.new_token()
    post_id = await insert_ignoring_conflict(
        conn,
        posts,
        {
            **channel_values(channel),
            "schedule_id": schedule.id if schedule else None,
            "slot": slot,
            "kind": kind,
            "status": "claimed",
            "seq": seq,
            "cycle": pick.cycle,
            "question_id": pick.question.id,
            "mode": schedule.mode if schedule else "thread",
            "reveal_kind": reveal_kind,
            "reveal_value": reveal_value,
            "timezone": schedule.timezone_name if schedule else "UTC",
            "claim_token": token,
            "claimed_at": ctx.clock.now(),
            "scheduled_for": scheduled_for,
        },
        conflict=["platform", "workspace_id", "channel_id", "slot"],
        returning="id",
    )
    if post_id is None:
        log.info("the %s post for %s/%s/%s already exists; not posting again", slot, *_where(channel))
        return None
    return Claim(post_id=post_id, token=token)


async def _record_skip(conn: AsyncConnection, schedule: Schedule, slot: str, scheduled_for: datetime) -> None:
    kind, value = reveal_to_storage(schedule.reveal)
    await insert_ignoring_conflict(
        conn,
        posts,
        {
            **channel_values(schedule.channel),
            "schedule_id": schedule.id,
            "slot": slot,
            "kind": "scheduled",
            "status": "skipped",
            "mode": schedule.mode,
            "reveal_kind": kind,
            "reveal_value": value,
            "timezone": schedule.timezone_name,
            "scheduled_for": scheduled_for,
        },
        conflict=["platform", "workspace_id", "channel_id", "slot"],
    )


async def retake_stale_claim(ctx: Context, post_id: int, old_token: str | None) -> Claim | None:
    """Take over a claim whose owner stopped before posting. Only one taker wins."""
    token = ctx.new_token()
    async with ctx.engine.begin() as conn:
        result = await conn.execute(
            update(posts)
            .where(posts.c.id == post_id, posts.c.status == "claimed", posts.c.claim_token == old_token)
            .values(claim_token=token, claimed_at=ctx.clock.now())
        )
    return Claim(post_id, token) if result.rowcount == 1 else None


async def skip_claim(ctx: Context, post_id: int, old_token: str | None, reason: str) -> None:
    async with ctx.engine.begin() as conn:
        result = await conn.execute(
            update(posts)
            .where(posts.c.id == post_id, posts.c.status == "claimed", posts.c.claim_token == old_token)
            .values(status="skipped", claim_token=None)
        )
    if result.rowcount == 1:
        log.warning("gave up on post %s: %s", post_id, reason)


async def deliver(ctx: Context, claim: Claim) -> QuestionPost | None:
    """Post a claimed question through the platform's port and mark it posted.

    Any question still open in the channel is revealed first, so a channel has
    at most one open question. Platform errors propagate; the claim then goes
    stale and is retried.
    """
    from bot.services.revealing import reveal_post

    async with ctx.engine.connect() as conn:
        row = (await conn.execute(select(posts).where(posts.c.id == claim.post_id))).first()
    if row is None or row.status != "claimed" or row.claim_token != claim.token:
        return None
    channel = ChannelRef(row.platform, row.workspace_id, row.channel_id)
    question = await find_question(ctx, channel, row.question_id)
    if question is None:
        await skip_claim(ctx, row.id, claim.token, f"question '{row.question_id}' is no longer in the bank")
        return None
    async with ctx.engine.connect() as conn:
        still_open = (
            await conn.execute(
                select(posts.c.id).where(in_channel(posts, channel), posts.c.status == "posted", posts.c.id != row.id)
            )
        ).scalars().all()
    for open_id in still_open:
        await reveal_post(ctx, open_id)
    posted_at = ctx.clock.now()
    zone = ZoneInfo(row.timezone)
    reveal_at = reveal_from_storage(row.reveal_kind, row.reveal_value).reveal_after(posted_at, zone)
    message = QuestionPost(
        post_id=row.id,
        seq=row.seq,
        question_id=question.id,
        text=question.question,
        topic=question.topic,
        topic_title=topic_title(question.topic),
        difficulty=question.difficulty,
        kind=question.kind,
        mode=row.mode,
        reveal_at=reveal_at,
        timezone=row.timezone,
        scheduled=row.kind == "scheduled",
    )
    try:
        where: PostedRef = await ctx.port(channel.platform).post_question(channel, message)
    except ChannelUnavailable as exc:
        from bot.services.schedule_admin import disable

        await skip_claim(ctx, row.id, claim.token, f"the channel is unavailable: {exc.reason}")
        await disable(ctx, channel, exc.reason)
        log.warning("disabled the schedule of %s/%s/%s: %s", *_where(channel), exc.reason)
        return None
    async with ctx.engine.begin() as conn:
        result = await conn.execute(
            update(posts)
            .where(posts.c.id == row.id, posts.c.status == "claimed", posts.c.claim_token == claim.token)
            .values(
                status="posted",
                posted_at=posted_at,
                reveal_at=reveal_at,
                message_id=where.message_id,
                thread_id=where.thread_id,
                claim_token=None,
            )
        )
    if result.rowcount != 1:
        log.warning("post %s was taken over by another instance while it was being posted", row.id)
        return None
    log.info("posted question %s as #%s in %s/%s/%s", question.id, row.seq, *_where(channel))
    return message


def _where(channel: ChannelRef) -> tuple[str, str, str]:
    return channel.platform, channel.workspace_id, channel.channel_id
