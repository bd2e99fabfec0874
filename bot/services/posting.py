"""Posting questions exactly once: claim a slot in the database, then post through the port.

A post's life: `claimed` (a row with a unique (channel, slot) key and a claim
token) -> `posted` -> `revealing` -> `revealed`, or `skipped`. The claim and
the schedule's advance happen in one transaction, so two processes can never
both own a slot; a claim whose owner died goes stale and is taken over with a
compare-and-swap on its token (see `bot.due_work`).

A scheduler pass posting in many channels at once shares a `PostingBatch`: the
claims (and the "posted" marks) made while an earlier batch is in the database
go together in the next transaction, each still its own compare-and-swap.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.context import Context
from bot.db.scoping import channel_values, in_channel
from bot.db.statements import insert_ignoring_conflict
from bot.db.tables import posts, schedules
from bot.errors import NotFound
from bot.ports import ChannelRef, ChannelUnavailable, PostedRef, QuestionPost
from bot.question_bank import Question
from bot.question_source import WorkspaceQuestions, find_question, questions_for
from bot.rotation import pick_next
from bot.schedule import Schedule
from bot.schedule_rules import RevealRule, reveal_from_storage, reveal_to_storage
from bot.topics import topic_title

log = logging.getLogger(__name__)

DEFAULT_REVEAL = RevealRule(delay=timedelta(hours=8))
BATCH_LINGER_SECONDS = 0.01  # how long a batch of claims or marks waits for company (see PostingBatch)


@dataclass(frozen=True)
class ClaimedPost:
    """What a fresh claim already knows, so delivering it needs no second read of the post."""

    channel: ChannelRef
    question: Question
    seq: int
    kind: str
    mode: str
    reveal: RevealRule
    timezone: str
    still_open: tuple[int, ...]  # the channel's questions still open at the claim: revealed before posting


@dataclass(frozen=True)
class Claim:
    post_id: int
    token: str
    # Set by a fresh claim; None when a stale claim was taken over (delivering then reads the post).
    post: ClaimedPost | None = None


class WorkspaceQuestionCache:
    """Each workspace's questions (bank, approved suggestions, disabled topics), read once per scheduler pass.

    A tick posting in many channels of one workspace reads its suggestions and topic settings once
    instead of once per channel; a change made during the tick applies from the next one.
    """

    def __init__(self) -> None:
        self._found: dict[tuple[str, str], WorkspaceQuestions] = {}
        self._eligible: dict[tuple, list[Question]] = {}

    async def get(self, ctx: Context, channel: ChannelRef, conn: AsyncConnection) -> WorkspaceQuestions:
        key = (channel.platform, channel.workspace_id)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = await questions_for(ctx, channel, conn)
        return found

    async def eligible(
        self, ctx: Context, channel: ChannelRef, conn: AsyncConnection, topics: frozenset[str], difficulty: tuple[int, int]
    ) -> list[Question]:
        """The workspace's questions matching a schedule's filters (channels with the same filters share the list)."""
        key = (channel.platform, channel.workspace_id, topics, difficulty)
        found = self._eligible.get(key)
        if found is None:
            found = self._eligible[key] = (await self.get(ctx, channel, conn)).eligible(topics, difficulty)
        return found


class GroupCommit:
    """Requests that arrive while a batch is in the database go together in the next transaction.

    `submit` waits for the request's own result. A batch waits at most `linger` seconds for more
    requests (none by default: then only those that arrived in the same turn of the event loop
    join), and holds at most `most`. A batch that fails is run again one request at a time, so one
    request's problem stays its own.
    """

    def __init__(self, run: Callable[[list], Awaitable[list]], most: int, linger: float = 0.0) -> None:
        self._run = run
        self._most = most
        self._linger = linger
        self._waiting: list[tuple[Any, asyncio.Future]] = []
        self._full = asyncio.Event()
        self._worker: asyncio.Task | None = None

    async def submit(self, item: Any) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._waiting.append((item, future))
        if len(self._waiting) >= self._most:
            self._full.set()
        if self._worker is None:
            # Its own context: the batch belongs to no single request's log context.
            self._worker = loop.create_task(self._work(), context=contextvars.Context())
        return await future

    async def _work(self) -> None:
        batch: list[tuple[Any, asyncio.Future]] = []
        try:
            await asyncio.sleep(0)  # the others asking in this same turn join the first batch
            while self._waiting:
                if self._linger and len(self._waiting) < self._most:
                    self._full.clear()
                    try:
                        await asyncio.wait_for(self._full.wait(), self._linger)
                    except asyncio.TimeoutError:
                        pass
                batch, self._waiting = self._waiting[: self._most], self._waiting[self._most :]
                batch = [(item, future) for item, future in batch if not future.done()]
                if not batch:
                    continue
                try:
                    results = await self._run([item for item, _ in batch])
                except Exception as exc:
                    if len(batch) == 1:
                        _settle(batch[0][1], error=exc)
                    else:  # find whose problem it is: each again on its own
                        log.warning("a batch of %d failed (%s); running them one at a time", len(batch), exc)
                        for item, future in batch:
                            try:
                                (result,) = await self._run([item])
                            except Exception as own:
                                _settle(future, error=own)
                            else:
                                _settle(future, result)
                else:
                    for (_, future), result in zip(batch, results):
                        _settle(future, result)
                batch = []
        finally:
            self._worker = None
            for _, future in batch + self._waiting:  # cancelled half-way: nobody waits for ever
                if not future.done():
                    future.cancel()
            self._waiting = []


def _settle(future: asyncio.Future, result: Any = None, *, error: BaseException | None = None) -> None:
    if future.done():  # its asker was cancelled
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class PostingBatch:
    """What the claims and deliveries of one scheduler pass share, so a fan-out costs few transactions.

    * Each workspace's questions, read once (`WorkspaceQuestionCache`).
    * Claims made at the same time go through the database together (one transaction advances the
      schedules, reads the channels' rotations and inserts the posts), and so do the "posted"
      marks. Each claim is still its own compare-and-swap on its schedule and its own unique
      (channel, slot) row, so exactly-once holds batch or not.
    """

    def __init__(
        self, ctx: Context, *, claims_at_once: int = 50, marks_at_once: int = 100, linger: float | None = None
    ) -> None:
        self.questions = WorkspaceQuestionCache()
        # A short wait for company: at a fan-out's pace, posts finish one by one, and a few
        # milliseconds gather several into one transaction (a lone post waits no longer than that).
        linger = BATCH_LINGER_SECONDS if linger is None else linger
        self._claims = GroupCommit(
            lambda schedules: _claim_scheduled_many(ctx, schedules, self.questions), claims_at_once, linger
        )
        self._marks = GroupCommit(lambda marks: _mark_posted_many(ctx, marks), marks_at_once, linger)

    async def claim(self, schedule: Schedule) -> Claim | None:
        return await self._claims.submit(schedule)

    async def mark_posted(self, mark: _Mark) -> bool:
        return await self._marks.submit(mark)


async def claim_scheduled(ctx: Context, schedule: Schedule, *, batch: PostingBatch | None = None) -> Claim | None:
    """Claim the post due at `schedule.next_post_at` and advance the schedule, atomically.

    Returns None when another process got there first, when the post was
    missed by more than the grace window (it is recorded as skipped), or when
    no question matches the schedule's filters. With `batch`, the claim shares
    a transaction with the other claims of the scheduler pass made meanwhile.
    """
    if batch is not None:
        return await batch.claim(schedule)
    (claim,) = await _claim_scheduled_many(ctx, [schedule], None)
    return claim


async def _claim_scheduled_many(
    ctx: Context, many: list[Schedule], questions: WorkspaceQuestionCache | None
) -> list[Claim | None]:
    """Claim each schedule's due post; one transaction for all. Results are in the order asked."""
    now = ctx.clock.now()
    grace = ctx.settings.missed_post_grace
    plans = []
    for index, schedule in enumerate(many):
        occurrence = schedule.next_post_at
        if occurrence is None:
            continue
        too_late = occurrence < now - grace
        following = schedule.rule.next_after(max(occurrence, now - grace) if too_late else occurrence)
        slot = schedule.rule.local_day_of(occurrence).isoformat()
        plans.append((index, schedule, occurrence, following, slot, too_late))
    claims: list[Claim | None] = [None] * len(many)
    if plans:
        async with ctx.engine.begin() as conn:
            advanced = await _advance(conn, [(plan[1].id, plan[2], plan[3]) for plan in plans])
            wanted: list[tuple[int, _Wanted]] = []
            for index, schedule, occurrence, _, slot, too_late in plans:
                if schedule.id not in advanced:  # another process got there first
                    continue
                if too_late:
                    await _record_skip(conn, schedule, slot, occurrence)
                    log.warning(
                        "skipped the %s post for %s/%s/%s: missed by %s, more than the %s grace window",
                        slot, *_where(schedule.channel), now - occurrence, grace,
                    )
                    continue
                wanted.append((index, _Wanted(schedule.channel, schedule, slot, "scheduled", occurrence)))
            made = await _claim_many(conn, ctx, [want for _, want in wanted], questions)
            for (index, _), claim in zip(wanted, made):
                claims[index] = claim
    return claims


async def claim_manual(ctx: Context, channel: ChannelRef) -> Claim:
    """Claim an on-demand post (`/qotd post`), using the channel's schedule settings if it has one."""
    now = ctx.clock.now()
    async with ctx.engine.begin() as conn:
        row = (await conn.execute(select(schedules).where(in_channel(schedules, channel)))).first()
        schedule = Schedule.from_row(row) if row else None
        slot = f"manual-{now:%Y%m%dT%H%M%S}-{ctx.new_token()[-6:]}"
        (claim,) = await _claim_many(conn, ctx, [_Wanted(channel, schedule, slot, "manual", now)], None)
    if claim is None:
        raise NotFound("no question matches this channel's topic and difficulty filters; change them with /qotd setup")
    return claim


@dataclass(frozen=True)
class _Wanted:
    """A post to claim: where, under which schedule (None: a manual post without one), its slot, kind and due time."""

    channel: ChannelRef
    schedule: Schedule | None
    slot: str
    kind: str
    scheduled_for: datetime


async def _claim_many(
    conn: AsyncConnection, ctx: Context, wanted: list[_Wanted], questions: WorkspaceQuestionCache | None
) -> list[Claim | None]:
    """Pick each channel's next question and insert its claimed post: one read and one insert for all."""
    if not wanted:
        return []
    if len({want.channel for want in wanted}) < len(wanted):  # the same channel twice: one after the other
        return [(await _claim_many(conn, ctx, [want], questions))[0] for want in wanted]
    rotations = await _rotation_states(conn, [want.channel for want in wanted])
    planned: list[tuple[_Wanted, Any, str, RevealRule, tuple] | None] = []
    rows = []
    claimed_at = ctx.clock.now()
    for want in wanted:
        channel, schedule = want.channel, want.schedule
        topics = schedule.topics if schedule else frozenset()
        difficulty = schedule.difficulty if schedule else (1, 3)
        # The workspace's questions: the bank without its disabled topics, plus its approved suggestions.
        if questions is not None:
            eligible = await questions.eligible(ctx, channel, conn, topics, difficulty)
        else:
            eligible = (await questions_for(ctx, channel, conn)).eligible(topics, difficulty)
        cycle, seq, used, last, still_open = rotations[channel]
        pick = pick_next(eligible, used, cycle, ctx.rng, last)
        if pick is None:
            log.warning("no question matches the filters of %s/%s/%s; nothing posted", *_where(channel))
            if schedule is not None and want.kind == "scheduled":
                await _record_skip(conn, schedule, want.slot, want.scheduled_for)
            planned.append(None)
            continue
        reveal = schedule.reveal if schedule else DEFAULT_REVEAL
        reveal_kind, reveal_value = reveal_to_storage(reveal)
        token = ctx.new_token()
        planned.append((want, pick, token, reveal, (seq, still_open)))
        rows.append(
            {
                **channel_values(channel),
                "schedule_id": schedule.id if schedule else None,
                "slot": want.slot,
                "kind": want.kind,
                "status": "claimed",
                "seq": seq,
                "cycle": pick.cycle,
                "question_id": pick.question.id,
                "mode": schedule.mode if schedule else "thread",
                "reveal_kind": reveal_kind,
                "reveal_value": reveal_value,
                "timezone": schedule.timezone_name if schedule else "UTC",
                "claim_token": token,
                "claimed_at": claimed_at,
                "scheduled_for": want.scheduled_for,
            }
        )
    inserted = {}
    if rows:
        result = await conn.execute(_insert_posts(conn.dialect.name), rows)
        inserted = {(r.platform, r.workspace_id, r.channel_id, r.slot): r.id for r in result}
    claims: list[Claim | None] = []
    for plan in planned:
        if plan is None:
            claims.append(None)
            continue
        want, pick, token, reveal, (seq, still_open) = plan
        channel, schedule = want.channel, want.schedule
        post_id = inserted.get((*_where(channel), want.slot))
        if post_id is None:  # the unique (channel, slot): somebody else's post
            log.info("the %s post for %s/%s/%s already exists; not posting again", want.slot, *_where(channel))
            claims.append(None)
            continue
        claimed = ClaimedPost(
            channel=channel,
            question=pick.question,
            seq=seq,
            kind=want.kind,
            mode=schedule.mode if schedule else "thread",
            reveal=reveal,
            timezone=schedule.timezone_name if schedule else "UTC",
            still_open=still_open,
        )
        claims.append(Claim(post_id=post_id, token=token, post=claimed))
    return claims


# ---- statements for many posts at once (a fan-out makes thousands of claims) ------------------------------


_ADVANCE = (
    update(schedules)
    .where(schedules.c.id.in_(bindparam("ids", expanding=True)), schedules.c.next_post_at == bindparam("occurrence"))
    .values(next_post_at=bindparam("following"))
    .returning(schedules.c.id)
)


async def _advance(conn: AsyncConnection, moves: list[tuple[int, datetime, datetime]]) -> set[int]:
    """Move each schedule from its occurrence to the following one, if it is still at that occurrence.

    One compare-and-swap per schedule; schedules due at the same instant with the same next one (most
    of a fan-out) share a statement. Returns the ids this call moved.
    """
    same: dict[tuple[datetime, datetime], list[int]] = {}
    for schedule_id, occurrence, following in moves:
        same.setdefault((occurrence, following), []).append(schedule_id)
    moved: set[int] = set()
    for (occurrence, following), ids in same.items():
        result = await conn.execute(_ADVANCE, {"ids": ids, "occurrence": occurrence, "following": following})
        moved.update(result.scalars())
    return moved


def _in_channels(table, channels: list[ChannelRef]):
    """Rows of these channels, as (platform, workspace, channel IN (...)) per workspace: an index search each."""
    by_workspace: dict[tuple[str, str], list[str]] = {}
    for channel in channels:
        by_workspace.setdefault((channel.platform, channel.workspace_id), []).append(channel.channel_id)
    return or_(
        *(
            and_(table.c.platform == platform, table.c.workspace_id == workspace, table.c.channel_id.in_(ids))
            for (platform, workspace), ids in by_workspace.items()
        )
    )


async def _rotation_states(conn: AsyncConnection, channels: list[ChannelRef]) -> dict[ChannelRef, tuple]:
    """Where each channel is in its rotation, in one indexed query over their posts.

    Per channel: (cycle, next seq, question ids used this cycle, the last question posted, open post ids).
    Every new question's cycle is at least the highest so far and its seq is the highest plus one, so
    the posts of the highest cycle hold both the latest question and the highest seq; skipped slots
    without a question keep the lowest cycle and no seq.
    """
    where = _in_channels(posts, channels)
    highest = (
        select(posts.c.platform, posts.c.workspace_id, posts.c.channel_id, func.max(posts.c.cycle).label("top"))
        .where(where)
        .group_by(posts.c.platform, posts.c.workspace_id, posts.c.channel_id)
        .subquery()
    )
    rows = (
        await conn.execute(
            select(posts.c.platform, posts.c.workspace_id, posts.c.channel_id, posts.c.id, posts.c.question_id,
                   posts.c.cycle, posts.c.seq, posts.c.status, highest.c.top)
            .join_from(
                posts,
                highest,
                (posts.c.platform == highest.c.platform)
                & (posts.c.workspace_id == highest.c.workspace_id)
                & (posts.c.channel_id == highest.c.channel_id),
            )
            .where((posts.c.cycle == highest.c.top) | (posts.c.status == "posted"))
        )
    ).all()
    by_channel: dict[ChannelRef, list] = {channel: [] for channel in channels}
    for row in rows:
        by_channel[ChannelRef(row.platform, row.workspace_id, row.channel_id)].append(row)
    states = {}
    for channel, found in by_channel.items():
        asked = [row for row in found if row.question_id is not None]
        cycle = max((row.cycle for row in asked), default=1)
        current = [row for row in asked if row.cycle == cycle]
        seq = max((row.seq for row in current if row.seq is not None), default=0) + 1
        last = max(current, key=lambda row: row.id).question_id if current else None
        still_open = tuple(sorted(row.id for row in found if row.status == "posted"))
        states[channel] = (cycle, seq, {row.question_id for row in current}, last, still_open)
    return states


@lru_cache(maxsize=None)
def _insert_posts(dialect: str):
    """INSERT ... ON CONFLICT (channel, slot) DO NOTHING RETURNING: the unique slot is the claim.

    Run with many rows at once; the rows returned say which were inserted (a conflict returns none).
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(posts)
        .on_conflict_do_nothing(index_elements=["platform", "workspace_id", "channel_id", "slot"])
        .returning(posts.c.id, posts.c.platform, posts.c.workspace_id, posts.c.channel_id, posts.c.slot)
    )


@dataclass(frozen=True)
class _Mark:
    """A post the platform accepted: mark it posted if it is still this claim's."""

    post_id: int
    token: str
    posted_at: datetime
    reveal_at: datetime
    message_id: str
    thread_id: str | None


_MARK_POSTED = (
    update(posts)
    .where(posts.c.id == bindparam("post_id"), posts.c.status == "claimed", posts.c.claim_token == bindparam("token"))
    .values(
        status="posted",
        posted_at=bindparam("new_posted_at"),
        reveal_at=bindparam("new_reveal_at"),
        message_id=bindparam("new_message_id"),
        thread_id=bindparam("new_thread_id"),
        claim_token=None,
    )
)


_POSTED_AS = select(posts.c.id, posts.c.message_id).where(
    posts.c.id.in_(bindparam("ids", expanding=True)), posts.c.status == "posted"
)


async def _mark_posted_many(ctx: Context, marks: list[_Mark]) -> list[bool]:
    """Mark posts posted, each only if still claimed with its token. True where it was ours.

    One statement run for every mark; when fewer rows changed than marks were given (a claim taken
    over meanwhile), the posts say which: ours now carry the message the platform gave us.
    """
    params = [
        {
            "post_id": mark.post_id,
            "token": mark.token,
            "new_posted_at": mark.posted_at,
            "new_reveal_at": mark.reveal_at,
            "new_message_id": mark.message_id,
            "new_thread_id": mark.thread_id,
        }
        for mark in marks
    ]
    async with ctx.engine.begin() as conn:
        result = await conn.execute(_MARK_POSTED, params if len(params) > 1 else params[0])
        if result.rowcount == len(marks):
            return [True] * len(marks)
        if len(marks) == 1:
            return [False]
        posted_as = dict((await conn.execute(_POSTED_AS, {"ids": [m.post_id for m in marks]})).all())
    return [posted_as.get(mark.post_id) == mark.message_id for mark in marks]


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


async def deliver(ctx: Context, claim: Claim, *, batch: PostingBatch | None = None) -> QuestionPost | None:
    """Post a claimed question through the platform's port and mark it posted.

    Any question still open in the channel is revealed first, so a channel has
    at most one open question. Platform errors propagate; the claim then goes
    stale and is retried. With `batch`, the "posted" mark shares a transaction
    with the other marks of the scheduler pass made meanwhile.
    """
    from bot.services.revealing import reveal_post

    post = claim.post or await _load_claim(ctx, claim)
    if post is None:
        return None
    channel, question = post.channel, post.question
    for open_id in post.still_open:
        await reveal_post(ctx, open_id)
    posted_at = ctx.clock.now()
    reveal_at = post.reveal.reveal_after(posted_at, ZoneInfo(post.timezone))
    message = QuestionPost(
        post_id=claim.post_id,
        seq=post.seq,
        question_id=question.id,
        text=question.question,
        topic=question.topic,
        topic_title=topic_title(question.topic),
        difficulty=question.difficulty,
        kind=question.kind,
        mode=post.mode,
        reveal_at=reveal_at,
        timezone=post.timezone,
        scheduled=post.kind == "scheduled",
        # A fresh claim's first delivery: nothing can have reached the platform yet, so no look-up.
        retry=claim.post is None,
    )
    try:
        where: PostedRef = await ctx.port(channel.platform).post_question(channel, message)
    except ChannelUnavailable as exc:
        from bot.services.schedule_admin import disable

        await skip_claim(ctx, claim.post_id, claim.token, f"the channel is unavailable: {exc.reason}")
        await disable(ctx, channel, exc.reason)
        log.warning("disabled the schedule of %s/%s/%s: %s", *_where(channel), exc.reason)
        return None
    mark = _Mark(claim.post_id, claim.token, posted_at, reveal_at, where.message_id, where.thread_id)
    ours = await batch.mark_posted(mark) if batch is not None else (await _mark_posted_many(ctx, [mark]))[0]
    if not ours:
        log.warning("post %s was taken over by another instance while it was being posted", claim.post_id)
        return None
    log.info("posted question %s as #%s in %s/%s/%s", question.id, post.seq, *_where(channel))
    return message


async def _load_claim(ctx: Context, claim: Claim) -> ClaimedPost | None:
    """A taken-over claim's post as stored, or None if it is no longer ours (or its question is gone)."""
    async with ctx.engine.connect() as conn:
        row = (await conn.execute(select(posts).where(posts.c.id == claim.post_id))).first()
        if row is None or row.status != "claimed" or row.claim_token != claim.token:
            return None
        channel = ChannelRef(row.platform, row.workspace_id, row.channel_id)
        still_open = (
            await conn.execute(
                select(posts.c.id).where(in_channel(posts, channel), posts.c.status == "posted", posts.c.id != row.id)
            )
        ).scalars().all()
    question = await find_question(ctx, channel, row.question_id)
    if question is None:
        await skip_claim(ctx, row.id, claim.token, f"question '{row.question_id}' is no longer in the bank")
        return None
    return ClaimedPost(
        channel=channel,
        question=question,
        seq=row.seq,
        kind=row.kind,
        mode=row.mode,
        reveal=reveal_from_storage(row.reveal_kind, row.reveal_value),
        timezone=row.timezone,
        still_open=tuple(still_open),
    )


def _where(channel: ChannelRef) -> tuple[str, str, str]:
    return channel.platform, channel.workspace_id, channel.channel_id
