"""`qotd audit`: the database's invariants, checked; every breach is reported, none is repaired.

1. Every post whose reveal time has passed (by more than the claim timeout, so a reveal in flight
   is not a breach) is revealed.
2. Every member's stored streak, longest streak, points and answer counts equal the values
   recomputed from the answer history (bot/services/member_history.py).
3. No channel has two posts for one scheduled day.
4. No answer belongs to a post of another workspace, platform or channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.tables import answers, member_stats, posts
from bot.ports import ChannelRef
from bot.services.member_history import recompute_member_totals

COMPARED = ("current_streak", "longest_streak", "on_time_answers", "late_answers", "points")


@dataclass(frozen=True)
class Breach:
    check: str
    detail: str

    def __str__(self) -> str:
        return f"{self.check}: {self.detail}"


@dataclass
class AuditReport:
    posts: int = 0
    members: int = 0
    answers: int = 0
    breaches: list[Breach] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.breaches


async def audit(engine: AsyncEngine, now: datetime, allowance: timedelta = timedelta(minutes=2)) -> AuditReport:
    report = AuditReport()
    async with engine.connect() as conn:
        report.posts = (await conn.execute(select(func.count()).select_from(posts))).scalar_one()
        report.answers = (await conn.execute(select(func.count()).select_from(answers))).scalar_one()
        for row in await conn.execute(
            select(posts.c.id, posts.c.platform, posts.c.workspace_id, posts.c.channel_id, posts.c.status, posts.c.reveal_at)
            .where(posts.c.status.in_(("posted", "revealing")), posts.c.reveal_at < now - allowance)
            .order_by(posts.c.id)
        ):
            report.breaches.append(
                Breach("unrevealed", f"post {row.id} in {row.platform}/{row.workspace_id}/{row.channel_id} was due at "
                       f"{row.reveal_at:%Y-%m-%d %H:%M} UTC and is still {row.status}")
            )
        day = (posts.c.platform, posts.c.workspace_id, posts.c.channel_id, posts.c.slot)
        for row in await conn.execute(
            select(*day, func.count()).where(posts.c.kind == "scheduled").group_by(*day).having(func.count() > 1)
        ):
            report.breaches.append(
                Breach("double post", f"{row.platform}/{row.workspace_id}/{row.channel_id} has {row[4]} posts for {row.slot}")
            )
        crossed = (
            select(answers.c.id, answers.c.post_id, answers.c.platform, answers.c.workspace_id, answers.c.channel_id)
            .join(posts, posts.c.id == answers.c.post_id)
            .where(or_(answers.c.platform != posts.c.platform, answers.c.workspace_id != posts.c.workspace_id,
                       answers.c.channel_id != posts.c.channel_id))
        )
        for row in await conn.execute(crossed):
            report.breaches.append(
                Breach("foreign answer", f"answer {row.id} ({row.platform}/{row.workspace_id}/{row.channel_id}) "
                       f"belongs to post {row.post_id} of another channel or workspace")
            )
        for stored in (await conn.execute(select(member_stats).order_by(*member_stats.primary_key.columns))).all():
            report.members += 1
            channel = ChannelRef(stored.platform, stored.workspace_id, stored.channel_id)
            expected = await recompute_member_totals(conn, channel, stored.member_id)
            wrong = [f"{name} {getattr(stored, name)} (history says {getattr(expected, name)})"
                     for name in COMPARED if getattr(stored, name) != getattr(expected, name)]
            if wrong:
                where = f"{stored.platform}/{stored.workspace_id}/{stored.channel_id}"
                report.breaches.append(Breach("stats", f"member {stored.member_id} in {where}: " + ", ".join(wrong)))
    return report

