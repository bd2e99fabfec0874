"""One scheduler tick: ask the database what is due and do exactly that.

Cost grows with the number of due items, not configured channels: every query
here is an index range scan on a "due at" column (schedules.next_post_at,
posts (status, reveal_at), posts (status, claimed_at), schedules.champion_next_at,
champion_announcements (status, claimed_at)).

Due posts and reveals are worked on concurrently, at most `post_concurrency`
(QOTD_POST_CONCURRENCY) at a time: while one waits for the platform, the next
is claimed. Exactly-once still comes from the database claims, each post's
failure is still its own, and on shutdown no new claim is taken while the
ones in hand finish.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

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


async def run_due_work(ctx: Context, snapshot: DueSnapshot | None = None) -> TickReport:
    """Reveal, retry and post what is due, for the platforms this process has adapters for.

    A process running only some adapters leaves other platforms' work to the
    processes that run theirs, instead of claiming posts it cannot make. With a
    `snapshot` (read just before), kinds of work it shows nothing due for are not queried.
    """
    report = TickReport()
    now = ctx.clock.now()
    if snapshot is None or snapshot.reveals_due(now) or snapshot.stale_claims(now):
        await _reveal_due(ctx, report)
    if snapshot is None or snapshot.stale_claims(now):
        await _retry_stale_claims(ctx, report)
    if snapshot is None or snapshot.champions_due(now):
        await champions.run_due(ctx, report)  # index scan on schedules.champion_next_at
    if snapshot is None or snapshot.posts_due(now):
        await _post_due(ctx, report)
    return report


async def _reveal_due(ctx: Context, report: TickReport) -> None:
    now = ctx.clock.now()
    platforms = list(ctx.ports)

    async def due(limit: int):
        async with ctx.engine.connect() as conn:
            return (
                await conn.execute(
                    select(posts.c.id)
                    .where(posts.c.status == "posted", posts.c.reveal_at <= now, posts.c.platform.in_(platforms))
                    .order_by(posts.c.reveal_at)
                    .limit(limit)
                )
            ).all()

    async def reveal(row) -> None:
        if not ctx.stopping:
            await _guard(report, "reveal", row.id, reveal_post(ctx, row.id), "revealed")

    await _each_due(ctx, due, reveal)
    async with ctx.engine.connect() as conn:
        stale = (await conn.execute(_stale(ctx, "revealing", now, posts.c.id, posts.c.claim_token))).all()
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
    # Claims and "posted" marks made meanwhile share transactions; one at a time, nothing waits for company.
    batch = posting.PostingBatch(ctx, linger=None if ctx.settings.post_concurrency > 1 else 0.0)

    async def due(limit: int):
        async with ctx.engine.connect() as conn:
            return (
                await conn.execute(
                    select(schedules)
                    .where(schedules.c.next_post_at <= ctx.clock.now(), schedules.c.platform.in_(platforms))
                    .order_by(schedules.c.next_post_at)
                    .limit(limit)
                )
            ).all()

    async def post(row) -> None:
        if ctx.stopping:  # shutting down: no new claims
            return
        now = ctx.clock.now()
        schedule = Schedule.from_row(row)
        try:
            claim = await posting.claim_scheduled(ctx, schedule, batch=batch)
        except Exception as exc:  # one channel's failure must not stop the others; the schedule stays due
            _failed(report, f"claim {schedule.id}", f"claim the post of schedule {schedule.id}", exc)
            return
        if claim is None:
            if schedule.next_post_at and schedule.next_post_at < now - ctx.settings.missed_post_grace:
                report.skipped += 1
            return
        await _guard(report, "post", claim.post_id, posting.deliver(ctx, claim, batch=batch), "posted")

    await _each_due(ctx, due, post)


async def _each_due(ctx: Context, due, work) -> None:
    """Run `work(row)` for every row `due(limit)` returns, `post_concurrency` at a time, until none is left.

    Rows handed out are remembered: a row whose work has started but not yet committed its claim can
    still look due to the next query (at most `post_concurrency` of them, hence the larger limit), and
    one whose claim failed stays due until the next tick. Stops handing out work on shutdown; leaving
    waits for the work in flight.
    """
    limit = ctx.settings.post_concurrency
    handed_out: set[int] = set()
    async with _InFlight(limit) as in_flight:
        while not ctx.stopping:
            window = BATCH + limit
            rows = await due(window)
            fresh = [row for row in rows if row.id not in handed_out]
            for row in fresh:
                if ctx.stopping:
                    return
                handed_out.add(row.id)
                await in_flight.start(work(row))
            if len(rows) < window or not fresh:
                return


class _InFlight:
    """At most `limit` tasks at once: `start` waits for a free place; leaving the block waits for every task."""

    def __init__(self, limit: int) -> None:
        self._places = asyncio.Semaphore(max(1, limit))
        self._tasks: set[asyncio.Task] = set()

    async def start(self, work) -> None:
        try:
            await self._places.acquire()
        except BaseException:
            work.close()
            raise
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        self._places.release()
        if not task.cancelled() and task.exception() is not None:  # work guards its own failures; this is a bug
            log.error("due work failed unexpectedly", exc_info=task.exception())

    async def __aenter__(self) -> "_InFlight":
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            for task in self._tasks:
                task.cancel()
        while self._tasks:
            await asyncio.wait(set(self._tasks))


async def _guard(report: TickReport, action: str, post_id: int, work, counter: str) -> None:
    with log_context(post_id=post_id, action=action):
        await _run_guarded(report, action, post_id, work, counter)


async def _run_guarded(report: TickReport, action: str, post_id: int, work, counter: str) -> None:
    try:
        done = await work
    except Exception as exc:  # one channel's failure must not stop the others
        _failed(report, f"{action} {post_id}", f"{action} post {post_id}", exc)
        return
    if done:
        setattr(report, counter, getattr(report, counter) + 1)


def _failed(report: TickReport, label: str, doing: str, exc: Exception) -> None:
    report.failed += 1
    report.errors.append(f"{label}: {exc}")
    log.error("could not %s: %s; it will be retried", doing, exc, exc_info=log.isEnabledFor(logging.DEBUG))


@dataclass(frozen=True)
class DueSnapshot:
    """When each kind of due work falls due, read in one statement at the start of a tick.

    Each field is the earliest instant of its kind among this process's platforms, None when there
    is none. A tick reads this first and runs only the queries of the kinds that are due, so a tick
    with nothing due costs one statement. Work added after the snapshot is found by the next tick.
    """

    next_post: datetime | None
    next_reveal: datetime | None
    oldest_claim: datetime | None  # posts claimed or being revealed
    next_champion: datetime | None
    oldest_champion_claim: datetime | None
    claim_timeout: timedelta

    def posts_due(self, now: datetime) -> bool:
        return self.next_post is not None and self.next_post <= now

    def reveals_due(self, now: datetime) -> bool:
        return self.next_reveal is not None and self.next_reveal <= now

    def stale_claims(self, now: datetime) -> bool:
        return self.oldest_claim is not None and self.oldest_claim < now - self.claim_timeout

    def champions_due(self, now: datetime) -> bool:
        stale = self.oldest_champion_claim is not None and self.oldest_champion_claim < now - self.claim_timeout
        return stale or (self.next_champion is not None and self.next_champion <= now)

    def earliest(self) -> datetime | None:
        """The earliest instant anything becomes due (a stale claim: when its timeout runs out)."""
        return _earliest(
            (
                self.next_post,
                self.next_reveal,
                self.next_champion,
                self.oldest_claim + self.claim_timeout if self.oldest_claim is not None else None,
                self.oldest_champion_claim + self.claim_timeout if self.oldest_champion_claim is not None else None,
            )
        )


async def due_snapshot(ctx: Context) -> DueSnapshot:
    """Index lookups in one statement. The earliest post is looked up per platform, which the
    (platform, next_post_at) index answers at once; a minimum over `platform IN (...)` would read every
    schedule of those platforms (see benchmarks/bench_tick.py).
    """
    platforms = list(ctx.ports)
    timeout = ctx.settings.claim_timeout
    if not platforms:
        return DueSnapshot(None, None, None, None, None, timeout)
    earliest_posts = [
        select(func.min(schedules.c.next_post_at)).where(schedules.c.platform == platform).scalar_subquery()
        for platform in platforms
    ]
    earliest_reveal = (
        select(func.min(posts.c.reveal_at)).where(posts.c.status == "posted", posts.c.platform.in_(platforms)).scalar_subquery()
    )
    oldest_claim = (
        select(func.min(posts.c.claimed_at))
        .where(posts.c.status.in_(("claimed", "revealing")), posts.c.platform.in_(platforms))
        .scalar_subquery()
    )
    champion_due, champion_claim = champions.due_queries(ctx)
    async with ctx.engine.connect() as conn:
        row = (await conn.execute(select(*earliest_posts, earliest_reveal, oldest_claim, *champion_due, champion_claim))).one()
    count = len(platforms)
    return DueSnapshot(
        next_post=_earliest(row[:count]),
        next_reveal=row[count],
        oldest_claim=row[count + 1],
        next_champion=_earliest(row[count + 2 : count + 2 + count]),
        oldest_champion_claim=row[-1],
        claim_timeout=timeout,
    )


async def next_due_at(ctx: Context) -> datetime | None:
    """The earliest instant anything becomes due (a post, a reveal, a stale claim or a champion announcement)."""
    return (await due_snapshot(ctx)).earliest()


def _earliest(values) -> datetime | None:
    found = [value for value in values if value is not None]
    return min(found) if found else None
