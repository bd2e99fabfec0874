"""One scheduler tick: ask the database what is due and do exactly that.

Cost grows with the number of due items, not configured channels: every query
here is an index range scan on a "due at" column (schedules.next_post_at,
posts (status, reveal_at), posts (status, claimed_at), schedules.champion_next_at,
champion_announcements (status, claimed_at)).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update

from bot.context import Context
from bot.db.tables import posts, schedules
from bot.log_setup import log_context
from bot.schedule import Schedule
from bot.services import champions, posting
from bot.services.revealing import reveal_post

log = logging.getLogger(__name__)

BATCH = 200


@dataclass
class TickReport:
    posted: int = 0
    revealed: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    announced: int = 0  # monthly champion announcements (bot/services/champions.py)

    def __bool__(self) -> bool:
        return bool(self.posted or self.revealed or self.skipped or self.failed or self.announced)


async def run_due_work(ctx: Context) -> TickReport:
    """Reveal, retry and post what is due, for the platforms this process has adapters for.

    A process running only some adapters leaves other platforms' work to the
    processes that run theirs, instead of claiming posts it cannot make.
    """
    report = TickReport()
    await _reveal_due(ctx, report)
    await _retry_stale_claims(ctx, report)
    await champions.run_due(ctx, report)  # index scan on schedules.champion_next_at
    await _post_due(ctx, report)
    return report


async def _reveal_due(ctx: Context, report: TickReport) -> None:
    now = ctx.clock.now()
    platforms = list(ctx.ports)
    async with ctx.engine.connect() as conn:
        due = (
            await conn.execute(
                select(posts.c.id)
                .where(posts.c.status == "posted", posts.c.reveal_at <= now, posts.c.platform.in_(platforms))
                .order_by(posts.c.reveal_at)
                .limit(BATCH)
            )
        ).scalars().all()
        stale = (await conn.execute(_stale(ctx, "revealing", now, posts.c.id, posts.c.claim_token))).all()
    for post_id in due:
        if ctx.stopping:
            return
        await _guard(report, "reveal", post_id, reveal_post(ctx, post_id), "revealed")
    for post_id, old_token in stale:
        if ctx.stopping:
            return
        token = ctx.new_token()
        async with ctx.engine.begin() as conn:
            taken = await conn.execute(
                update(posts)
                .where(posts.c.id == post_id, posts.c.status == "revealing", posts.c.claim_token == old_token)
                .values(claim_token=token, claimed_at=now)
            )
        if taken.rowcount == 1:
            log.warning("retrying the reveal of post %s; the instance revealing it stopped", post_id)
            await _guard(report, "reveal", post_id, reveal_post(ctx, post_id, token=token), "revealed")


def _stale(ctx: Context, status: str, now: datetime, *columns):
    """Posts left in `status` longer than the claim timeout by an instance that stopped."""
    return (
        select(*columns)
        .where(
            posts.c.status == status,
            posts.c.claimed_at < now - ctx.settings.claim_timeout,
            posts.c.platform.in_(list(ctx.ports)),
        )
        .limit(BATCH)
    )


async def _retry_stale_claims(ctx: Context, report: TickReport) -> None:
    now = ctx.clock.now()
    async with ctx.engine.connect() as conn:
        stale = (
            await conn.execute(_stale(ctx, "claimed", now, posts.c.id, posts.c.claim_token, posts.c.scheduled_for))
        ).all()
    for post_id, old_token, scheduled_for in stale:
        if ctx.stopping:
            return
        if scheduled_for < now - ctx.settings.missed_post_grace:
            await posting.skip_claim(ctx, post_id, old_token, "not posted within the grace window")
            report.skipped += 1
            continue
        claim = await posting.retake_stale_claim(ctx, post_id, old_token)
        if claim is not None:
            log.warning("retrying post %s; the instance that claimed it stopped before posting", post_id)
            await _guard(report, "post", post_id, posting.deliver(ctx, claim), "posted")


async def _post_due(ctx: Context, report: TickReport) -> None:
    platforms = list(ctx.ports)
    while not ctx.stopping:
        now = ctx.clock.now()
        async with ctx.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(schedules)
                    .where(schedules.c.next_post_at <= now, schedules.c.platform.in_(platforms))
                    .order_by(schedules.c.next_post_at)
                    .limit(BATCH)
                )
            ).all()
        for row in rows:
            if ctx.stopping:
                return
            schedule = Schedule.from_row(row)
            claim = await posting.claim_scheduled(ctx, schedule)
            if claim is None:
                if schedule.next_post_at and schedule.next_post_at < now - ctx.settings.missed_post_grace:
                    report.skipped += 1
                continue
            await _guard(report, "post", claim.post_id, posting.deliver(ctx, claim), "posted")
        if len(rows) < BATCH:
            return


async def _guard(report: TickReport, action: str, post_id: int, work, counter: str) -> None:
    with log_context(post_id=post_id, action=action):
        await _run_guarded(report, action, post_id, work, counter)


async def _run_guarded(report: TickReport, action: str, post_id: int, work, counter: str) -> None:
    try:
        done = await work
    except Exception as exc:  # one channel's failure must not stop the others
        report.failed += 1
        report.errors.append(f"{action} {post_id}: {exc}")
        log.error("could not %s post %s: %s; it will be retried", action, post_id, exc, exc_info=log.isEnabledFor(logging.DEBUG))
        return
    if done:
        setattr(report, counter, getattr(report, counter) + 1)


async def next_due_at(ctx: Context) -> datetime | None:
    """The earliest instant anything becomes due (a post, a reveal or a stale claim)."""
    async with ctx.engine.connect() as conn:
        platforms = list(ctx.ports)
        candidates = [
            (await conn.execute(select(func.min(schedules.c.next_post_at)).where(schedules.c.platform.in_(platforms)))).scalar(),
            (
                await conn.execute(
                    select(func.min(posts.c.reveal_at)).where(posts.c.status == "posted", posts.c.platform.in_(platforms))
                )
            ).scalar(),
        ]
        stale = (
            await conn.execute(
                select(func.min(posts.c.claimed_at)).where(
                    posts.c.status.in_(("claimed", "revealing")), posts.c.platform.in_(platforms)
                )
            )
        ).scalar()
        candidates.append(await champions.next_due_at(ctx, conn))
    if stale is not None:
        candidates.append(stale + ctx.settings.claim_timeout)
    found = [c for c in candidates if c is not None]
    return min(found) if found else None
