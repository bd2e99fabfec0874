"""Streak freezes: earned by on-time answers, used up by a missed scheduled question instead of the streak.

* Every `freeze_every`-th on-time answer a member gives in a channel (5th, 10th, ...) earns one freeze,
  unless they already hold `freeze_max`.
* When a scheduled question is revealed, a member with a streak who did not answer it on time either
  loses the streak (no freeze held) or keeps it and uses one freeze; they are told privately.

Each earning and each use is also kept as a `streak_freezes` row, so `member_history` can replay a
member's freezes exactly (an earning row goes away with the answer that earned it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select, update

from bot.context import Context
from bot.db.scoping import channel_values, in_channel
from bot.db.tables import answers, member_stats, streak_freezes
from bot.ports import ChannelRef

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FreezeUsed:
    member_id: str
    streak: int
    freezes_left: int


def earns_freeze(on_time_answers_after: int, freezes_held: int, *, every: int, most: int) -> bool:
    """Does the on-time answer that brings the count to `on_time_answers_after` earn a freeze?"""
    return on_time_answers_after > 0 and on_time_answers_after % every == 0 and freezes_held < most


async def record_on_time_answer(
    conn,
    ctx: Context,
    channel: ChannelRef,
    member_id: str,
    post_id: int,
    answer_id: int,
    *,
    on_time_answers_after: int,
    freezes_held: int,
    now: datetime,
) -> int | None:
    """Grant a freeze if this on-time answer earns one. Returns the freezes now held, or None if none was earned.

    The caller holds the member's stats row (it has just upserted it in the same transaction).
    """
    settings = ctx.settings
    if not earns_freeze(on_time_answers_after, freezes_held, every=settings.freeze_every, most=settings.freeze_max):
        return None
    await conn.execute(
        update(member_stats)
        .where(in_channel(member_stats, channel), member_stats.c.member_id == member_id)
        .values(freezes=member_stats.c.freezes + 1)
    )
    await conn.execute(
        streak_freezes.insert().values(
            **channel_values(channel),
            member_id=member_id,
            kind="earned",
            post_id=post_id,
            answer_id=answer_id,
            created_at=now,
        )
    )
    return freezes_held + 1


async def settle_missed_question(conn, channel: ChannelRef, post_id: int, now: datetime) -> list[FreezeUsed]:
    """At the reveal of a scheduled question: members with a streak who did not answer it on time
    use a freeze if they hold one, otherwise their streak ends. Set-based: three statements per reveal.
    """
    answered = select(answers.c.member_id).where(and_(answers.c.post_id == post_id, answers.c.late.is_(False)))
    missed = and_(
        in_channel(member_stats, channel),
        member_stats.c.current_streak > 0,
        member_stats.c.member_id.not_in(answered),
    )
    saved = (
        await conn.execute(
            select(member_stats.c.member_id, member_stats.c.current_streak, member_stats.c.freezes)
            .where(missed, member_stats.c.freezes > 0)
            .order_by(member_stats.c.member_id)
            .with_for_update()
        )
    ).all()
    # Break first: the rows that keep their streak still match `missed` afterwards, the broken ones no longer do.
    await conn.execute(update(member_stats).where(missed, member_stats.c.freezes <= 0).values(current_streak=0))
    if not saved:
        return []
    await conn.execute(
        update(member_stats).where(missed, member_stats.c.freezes > 0).values(freezes=member_stats.c.freezes - 1)
    )
    await conn.execute(
        streak_freezes.insert(),
        [
            {**channel_values(channel), "member_id": row.member_id, "kind": "used", "post_id": post_id, "created_at": now}
            for row in saved
        ],
    )
    return [FreezeUsed(row.member_id, row.current_streak, row.freezes - 1) for row in saved]


def freeze_used_text(seq: int | None, used: FreezeUsed, every: int) -> str:
    number = f"question #{seq}" if seq is not None else "the last question"
    left = f"{used.freezes_left} freeze{'' if used.freezes_left == 1 else 's'}"
    return (
        f"You missed {number}, so a streak freeze was used and your streak of {used.streak} is safe. "
        f"You have {left} left; {_every(every)} another."
    )


async def tell_members(ctx: Context, channel: ChannelRef, seq: int | None, used: list[FreezeUsed]) -> None:
    """Tell each member privately that a freeze kept their streak. A failure is logged, never raised."""
    for item in used:
        text = freeze_used_text(seq, item, ctx.settings.freeze_every)
        try:
            await ctx.port(channel.platform).send_private(channel, item.member_id, text)
        except Exception as exc:  # the freeze is settled; not being able to say so must not undo the reveal
            log.warning(
                "freeze used by %s in %s/%s/%s but they could not be told: %s",
                item.member_id, channel.platform, channel.workspace_id, channel.channel_id, exc,
            )


def freezes_text(freezes: int) -> str:
    return f"{freezes} freeze{'' if freezes == 1 else 's'} held"


def freeze_status(freezes: int, on_time_answers: int, every: int, most: int) -> str:
    """'1 freeze held (next in 3 on-time answers)' for /qotd streak."""
    if freezes >= most:
        return f"{freezes_text(freezes)} (the maximum)"
    to_go = every - on_time_answers % every
    return f"{freezes_text(freezes)} (next in {to_go} on-time answer{'' if to_go == 1 else 's'})"


def freeze_rules(every: int, most: int) -> str:
    if most <= 0:
        return ""
    return (
        f"{_every(every).capitalize()} a streak freeze (hold up to {most}); "
        "missing a scheduled question uses one instead of ending your streak."
    )


def _every(every: int) -> str:
    return "every on-time answer earns" if every == 1 else f"every {every} on-time answers earn"
