"""A member's standing in a channel recomputed from the answer history alone.

The stored `member_stats` row is kept up to date incrementally (an on-time answer adds one to the
streak, the reveal of a scheduled question the member did not answer on time ends it). Replaying
the same two kinds of event in time order gives the same numbers; withdrawing an answer uses
this to put the row back exactly as if the answer had never been given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select

from bot.db.scoping import in_channel
from bot.db.tables import answers, posts
from bot.ports import ChannelRef


@dataclass(frozen=True)
class MemberTotals:
    current_streak: int = 0
    longest_streak: int = 0
    on_time_answers: int = 0
    late_answers: int = 0
    points: int = 0
    last_answered_at: datetime | None = None


async def recompute_member_totals(conn, channel: ChannelRef, member_id: str) -> MemberTotals:
    answered = (
        await conn.execute(
            select(answers.c.post_id, answers.c.answered_at, answers.c.late, answers.c.points).where(
                in_channel(answers, channel), answers.c.member_id == member_id
            )
        )
    ).all()
    on_time_posts = {row.post_id for row in answered if not row.late}
    revealed = (
        await conn.execute(
            select(posts.c.id, posts.c.revealed_at).where(
                and_(in_channel(posts, channel), posts.c.kind == "scheduled", posts.c.status == "revealed")
            )
        )
    ).all()
    # (when, order within the same instant, is_answer): an answer recorded before a reveal at the same instant counts first
    events = [(row.answered_at, 0, True) for row in answered if not row.late]
    events += [(row.revealed_at, 1, False) for row in revealed if row.id not in on_time_posts and row.revealed_at is not None]
    streak = longest = 0
    for _, _, is_answer in sorted(events, key=lambda e: (e[0], e[1])):
        streak = streak + 1 if is_answer else 0
        longest = max(longest, streak)
    return MemberTotals(
        current_streak=streak,
        longest_streak=longest,
        on_time_answers=len(on_time_posts),
        late_answers=sum(1 for row in answered if row.late),
        points=sum(row.points for row in answered if not row.late),
        last_answered_at=max((row.answered_at for row in answered), default=None),
    )
