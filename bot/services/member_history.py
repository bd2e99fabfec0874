"""A member's standing in a channel recomputed from the answer history alone.

The stored `member_stats` row is kept up to date incrementally (an on-time answer adds one to the
streak, the reveal of a scheduled question the member did not answer on time ends it). Replaying
the same two kinds of event in time order gives the same numbers; withdrawing an answer uses
this to put the row back exactly as if the answer had never been given.

Two more kinds of event take part (see bot.services.streak_freezes and streak_admin): an on-time
answer that earned a streak freeze adds one (a `streak_freezes` "earned" row tied to that answer),
a missed scheduled question with a "used" row takes one and leaves the streak alone, and an admin's
`/qotd admin streak` (an `admin_audit` row) sets the streak to its new value at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select

from bot.db.scoping import in_channel
from bot.db.tables import admin_audit, answers, posts, streak_freezes
from bot.ports import ChannelRef


@dataclass(frozen=True)
class MemberTotals:
    current_streak: int = 0
    longest_streak: int = 0
    on_time_answers: int = 0
    late_answers: int = 0
    points: int = 0
    last_answered_at: datetime | None = None
    freezes: int = 0


async def recompute_member_totals(conn, channel: ChannelRef, member_id: str) -> MemberTotals:
    answered = (
        await conn.execute(
            select(answers.c.id, answers.c.post_id, answers.c.answered_at, answers.c.late, answers.c.points).where(
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
    freeze_rows = (
        await conn.execute(
            select(streak_freezes.c.kind, streak_freezes.c.answer_id, streak_freezes.c.post_id).where(
                in_channel(streak_freezes, channel), streak_freezes.c.member_id == member_id
            )
        )
    ).all()
    earned_by = {row.answer_id for row in freeze_rows if row.kind == "earned"}
    used_at = {row.post_id for row in freeze_rows if row.kind == "used"}
    settings = (
        await conn.execute(
            select(admin_audit.c.id, admin_audit.c.created_at, admin_audit.c.after).where(
                in_channel(admin_audit, channel), admin_audit.c.member_id == member_id, admin_audit.c.action == "streak"
            )
        )
    ).all()
    # (when, order within the same instant, tie-break, kind, detail): at one instant an answer counts before
    # a reveal, and an admin's setting comes last.
    events = [(row.answered_at, 0, row.id, "answer", row.id) for row in answered if not row.late]
    events += [
        (row.revealed_at, 1, row.id, "missed", row.id)
        for row in revealed
        if row.id not in on_time_posts and row.revealed_at is not None
    ]
    events += [(row.created_at, 2, row.id, "set", int(row.after)) for row in settings if (row.after or "").isdigit()]
    streak = longest = freezes = 0
    for _, _, _, kind, detail in sorted(events, key=lambda e: e[:3]):
        if kind == "answer":
            streak += 1
            freezes += 1 if detail in earned_by else 0
        elif kind == "missed" and detail in used_at:
            freezes = max(freezes - 1, 0)  # a freeze kept the streak
        elif kind == "missed":
            streak = 0
        else:
            streak = detail
        longest = max(longest, streak)
    return MemberTotals(
        current_streak=streak,
        longest_streak=longest,
        on_time_answers=len(on_time_posts),
        late_answers=sum(1 for row in answered if row.late),
        points=sum(row.points for row in answered if not row.late),
        last_answered_at=max((row.answered_at for row in answered), default=None),
        freezes=freezes,
    )
