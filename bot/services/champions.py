"""The monthly champion announcement: on the first tick after a month ends in a channel's time zone,
one short message names last month's top member(s) by points.

Opt-in per channel (`/qotd setup champion=on`). While it is on, `schedules.champion_next_at` holds the
next local start of a month, so a tick finds due channels with one index range scan. Announcing is
claimed like posting: the schedule's `champion_next_at` is advanced with a compare-and-swap and a row
keyed by (channel, month) is inserted with INSERT ... ON CONFLICT DO NOTHING in the same transaction,
so however many instances tick, and however often they restart, a month is announced once. A claim
whose instance stopped before announcing is retried after the claim timeout, until the month after
has ended too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from bot.context import Context
from bot.db.scoping import in_channel
from bot.db.statements import insert_ignoring_conflict
from bot.db.tables import champion_announcements, schedules
from bot.ports import Announcement, ChannelRef, ChannelUnavailable

log = logging.getLogger(__name__)

UTC = timezone.utc
BATCH = 200
NAMES_SHOWN = 5


def month_start(moment: datetime, zone: ZoneInfo) -> datetime:
    """The local 00:00 on the 1st of `moment`'s month, as a UTC instant."""
    local = moment.astimezone(zone)
    return datetime(local.year, local.month, 1, tzinfo=zone).astimezone(UTC)


def next_month_start(moment: datetime, zone: ZoneInfo) -> datetime:
    """The local 00:00 on the 1st of the month after `moment`'s, as a UTC instant."""
    local = moment.astimezone(zone)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return datetime(year, month, 1, tzinfo=zone).astimezone(UTC)


def month_key(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m}"


def month_title(key: str) -> str:
    """'2026-11' -> 'November 2026'."""
    return f"{datetime.strptime(key + '-01', '%Y-%m-%d'):%B %Y}"


def champion_text(month: str, winners: list[tuple[str, int]], members: int) -> str:
    """One short, friendly line; names as members chose them (adapters keep them from pinging anyone)."""
    points = f"{winners[0][1]} point" + ("" if winners[0][1] == 1 else "s")
    names = [name for name, _ in winners]
    if len(names) > NAMES_SHOWN:
        names = names[:NAMES_SHOWN] + [f"{len(winners) - NAMES_SHOWN} more"]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    who = f"{listed} with {points}" if len(winners) == 1 else f"{listed}, tied on {points}"
    title = "Champion" if len(winners) == 1 else "Champions"
    thanks = f" Congratulations, and thanks to the {members} members who scored points!" if members > len(winners) else (
        " Congratulations!"
    )
    return f"🏆 {title} of {month_title(month)}: {who}!{thanks}"


@dataclass(frozen=True)
class ChampionClaim:
    channel: ChannelRef
    month: str
    token: str
    due_at: datetime
    # False for a fresh claim's first attempt; True when the claim was taken over from a stopped or failed one.
    retry: bool


async def run_due(ctx: Context, report) -> None:
    """Announce every month that has ended in a channel with the announcement on (and retry stale claims).

    `report` is the tick's TickReport: `announced`, `failed` and `errors` are updated.
    """
    platforms = list(ctx.ports)
    table = champion_announcements
    while not ctx.stopping:
        now = ctx.clock.now()
        async with ctx.engine.connect() as conn:
            stale = (
                await conn.execute(
                    select(table).where(
                        table.c.status == "claimed",
                        table.c.claimed_at < now - ctx.settings.claim_timeout,
                        table.c.platform.in_(platforms),
                    ).limit(BATCH)
                )
            ).all()
            rows = (
                await conn.execute(
                    select(schedules)
                    .where(schedules.c.champion_next_at <= now, schedules.c.platform.in_(platforms))
                    .order_by(schedules.c.champion_next_at)
                    .limit(BATCH)
                )
            ).all()
        for claim in await _retake_stale(ctx, stale):
            await _guarded(ctx, report, claim)
        for row in rows:
            if ctx.stopping:  # shutting down: take no new claims
                return
            claim = await _claim(ctx, row)
            if claim is not None:
                await _guarded(ctx, report, claim)
        if len(rows) < BATCH and len(stale) < BATCH:
            return


async def _guarded(ctx: Context, report, claim: ChampionClaim) -> None:
    try:
        if await announce(ctx, claim):
            report.announced += 1
    except Exception as exc:  # one channel's failure must not stop the others; the claim is retried
        report.failed += 1
        report.errors.append(f"champion {claim.channel.channel_id} {claim.month}: {exc}")
        log.error(
            "could not announce the %s champion in %s/%s/%s: %s; it will be retried",
            claim.month, claim.channel.platform, claim.channel.workspace_id, claim.channel.channel_id, exc,
        )


async def _claim(ctx: Context, row) -> ChampionClaim | None:
    """Advance the channel's next announcement and claim the month that just ended, atomically."""
    now = ctx.clock.now()
    zone = ZoneInfo(row.timezone)
    ended_at = month_start(now, zone)  # the latest month boundary that has passed
    month = month_key(ended_at - timedelta(days=1), zone)
    following = next_month_start(now, zone)
    channel = ChannelRef(row.platform, row.workspace_id, row.channel_id)
    token = ctx.new_token()
    async with ctx.engine.begin() as conn:
        advanced = await conn.execute(
            update(schedules)
            .where(schedules.c.id == row.id, schedules.c.champion_next_at == row.champion_next_at)
            .values(champion_next_at=following)
        )
        if advanced.rowcount != 1:
            return None  # another instance got there first
        if row.disabled_reason:
            log.info("not announcing the %s champion in %s: the channel is disabled", month, row.channel_id)
            return None
        claimed = await insert_ignoring_conflict(
            conn,
            champion_announcements,
            {
                "platform": channel.platform,
                "workspace_id": channel.workspace_id,
                "channel_id": channel.channel_id,
                "month": month,
                "status": "claimed",
                "claim_token": token,
                "claimed_at": now,
                "due_at": ended_at,
                "expires_at": following,
            },
            conflict=["platform", "workspace_id", "channel_id", "month"],
        )
    return ChampionClaim(channel, month, token, ended_at, retry=False) if claimed else None


async def _retake_stale(ctx: Context, stale) -> list[ChampionClaim]:
    """Claims left by an instance that stopped: retaken (one taker wins), or given up once too old."""
    now = ctx.clock.now()
    table = champion_announcements
    taken: list[ChampionClaim] = []
    for row in stale:
        token = ctx.new_token()
        too_old = now >= row.expires_at
        async with ctx.engine.begin() as conn:
            result = await conn.execute(
                update(table)
                .where(_key(row), table.c.status == "claimed", table.c.claim_token == row.claim_token)
                .values(**({"status": "skipped", "claim_token": None} if too_old else {"claim_token": token, "claimed_at": now}))
            )
        if result.rowcount == 1 and not too_old:
            log.warning("retrying the %s champion announcement in %s; the instance making it stopped", row.month, row.channel_id)
            channel = ChannelRef(row.platform, row.workspace_id, row.channel_id)
            taken.append(ChampionClaim(channel, row.month, token, row.due_at, retry=True))
    return taken


def _key(row):
    table = champion_announcements
    return (
        (table.c.platform == row.platform)
        & (table.c.workspace_id == row.workspace_id)
        & (table.c.channel_id == row.channel_id)
        & (table.c.month == row.month)
    )


async def announce(ctx: Context, claim: ChampionClaim) -> bool:
    """Find the month's top member(s) by points and announce them; True if a message went out."""
    from bot.services.schedule_admin import disable
    from bot.services.standings import rank, totals_between

    channel = claim.channel
    async with ctx.engine.connect() as conn:
        zone_name = (await conn.execute(select(schedules.c.timezone).where(in_channel(schedules, channel)))).scalar()
        zone = ZoneInfo(zone_name or "UTC")
        year, month = (int(part) for part in claim.month.split("-"))
        start = datetime(year, month, 1, tzinfo=zone).astimezone(UTC)
        totals = await totals_between(conn, channel, start, claim.due_at, "points")
    standings = rank(totals)
    winners = [(s.name, s.value) for s in standings if s.rank == 1]
    if not winners:
        await _finish(ctx, claim, status="nobody")
        return False
    text = champion_text(claim.month, winners, len(standings))
    try:
        await ctx.port(channel.platform).announce(channel, Announcement(f"champion-{claim.month}", text, retry=claim.retry))
    except ChannelUnavailable as exc:
        await _finish(ctx, claim, status="skipped")
        await disable(ctx, channel, exc.reason)
        log.warning("disabled the schedule of %s/%s/%s: %s", channel.platform, channel.workspace_id, channel.channel_id, exc.reason)
        return False
    await _finish(ctx, claim, status="announced", winners=", ".join(name for name, _ in winners)[:400])
    log.info("announced the %s champion in %s/%s/%s", claim.month, channel.platform, channel.workspace_id, channel.channel_id)
    return True


async def _finish(ctx: Context, claim: ChampionClaim, *, status: str, winners: str | None = None) -> None:
    table = champion_announcements
    channel = claim.channel
    async with ctx.engine.begin() as conn:
        await conn.execute(
            update(table)
            .where(
                table.c.platform == channel.platform,
                table.c.workspace_id == channel.workspace_id,
                table.c.channel_id == channel.channel_id,
                table.c.month == claim.month,
                table.c.claim_token == claim.token,
            )
            .values(status=status, claim_token=None, announced_at=ctx.clock.now() if status == "announced" else None, winners=winners)
        )


def due_queries(ctx: Context) -> tuple[list, object]:
    """Scalar subqueries for the scheduler's snapshot (bot.due_work): the earliest announcement per platform,
    and the oldest claim left by a stopped instance.

    One lookup per platform in the (platform, champion_next_at) index; a minimum over `platform IN (...)`
    would read every schedule of those platforms.
    """
    platforms = list(ctx.ports)
    table = champion_announcements
    due = [
        select(func.min(schedules.c.champion_next_at)).where(schedules.c.platform == platform).scalar_subquery()
        for platform in platforms
    ]
    stale = select(func.min(table.c.claimed_at)).where(table.c.status == "claimed", table.c.platform.in_(platforms))
    return due, stale.scalar_subquery()


def schedule_values(champion: bool, was_on: bool, zone_changed: bool, now: datetime, zone: ZoneInfo) -> dict:
    """What `/qotd setup` stores: turning it on (or moving zones) sets the next local 1st; off clears it."""
    if not champion:
        return {"champion": False, "champion_next_at": None}
    if was_on and not zone_changed:
        return {"champion": True}
    return {"champion": True, "champion_next_at": next_month_start(now, zone)}
