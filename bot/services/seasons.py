"""Named leaderboard seasons: admins start and end them; `/qotd leaderboard season` ranks within one.

A season belongs to a workspace (all its channels), runs from `started_at` until `ended_at`
(exclusive), and at most one runs at a time: the table's unique (workspace, open_flag) key makes a
second start fail even when two admins press enter at the same moment. Names are unique per
workspace, compared without regard to case, so `season=NAME` always means one season.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.commands import season_name
from bot.context import Context
from bot.db.scoping import in_channel
from bot.db.tables import schedules, seasons
from bot.errors import InvalidInput, NotFound
from bot.ports import ChannelRef, Member, Reply

LISTED = 10
FINAL_TOP = 3
FINAL_LINES = 10  # many members tied in the top three are summed up after this many


@dataclass(frozen=True)
class Season:
    id: int
    name: str
    started_at: datetime
    ended_at: datetime | None

    @property
    def running(self) -> bool:
        return self.ended_at is None

    @classmethod
    def from_row(cls, row) -> "Season":
        return cls(row.id, row.name, row.started_at, row.ended_at)

    def span(self, zone: ZoneInfo) -> str:
        """'since 1 Dec 2026' or '1 Sep – 30 Nov 2026', in the channel's zone."""
        start = self.started_at.astimezone(zone)
        if self.ended_at is None:
            return f"running since {_day(start)}"
        end = self.ended_at.astimezone(zone)
        first = f"{start.day} {start:%b}" if start.year == end.year else _day(start)
        return f"{first} – {_day(end)}"


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


async def current_season(conn: AsyncConnection, platform: str, workspace_id: str) -> Season | None:
    row = (
        await conn.execute(
            select(seasons).where(
                seasons.c.platform == platform, seasons.c.workspace_id == workspace_id, seasons.c.open_flag == 1
            )
        )
    ).first()
    return Season.from_row(row) if row else None


async def season_named(conn: AsyncConnection, platform: str, workspace_id: str, name: str) -> Season | None:
    row = (
        await conn.execute(
            select(seasons).where(
                seasons.c.platform == platform,
                seasons.c.workspace_id == workspace_id,
                seasons.c.name_key == " ".join(name.split()).lower(),
            )
        )
    ).first()
    return Season.from_row(row) if row else None


async def season_by_id(conn: AsyncConnection, platform: str, workspace_id: str, season_id: int) -> Season | None:
    row = (
        await conn.execute(
            select(seasons).where(
                seasons.c.platform == platform, seasons.c.workspace_id == workspace_id, seasons.c.id == season_id
            )
        )
    ).first()
    return Season.from_row(row) if row else None


async def recent_seasons(conn: AsyncConnection, platform: str, workspace_id: str, limit: int = LISTED) -> list[Season]:
    rows = await conn.execute(
        select(seasons)
        .where(seasons.c.platform == platform, seasons.c.workspace_id == workspace_id)
        .order_by(seasons.c.started_at.desc(), seasons.c.id.desc())
        .limit(limit)
    )
    return [Season.from_row(row) for row in rows]


async def resolve(conn: AsyncConnection, channel: ChannelRef, name: str | None, season_id: int | None) -> Season:
    """The season a leaderboard asks for: by id (a page button), by name, or the one running now."""
    platform, workspace = channel.platform, channel.workspace_id
    if season_id is not None:
        found = await season_by_id(conn, platform, workspace, season_id)
        if found is None:
            raise NotFound("that season no longer exists; try /qotd leaderboard season")
        return found
    if name:
        found = await season_named(conn, platform, workspace, name)
        if found is None:
            known = await recent_seasons(conn, platform, workspace)
            listing = f"; seasons here: {', '.join(s.name for s in known)}" if known else "; no season has been started here yet"
            raise NotFound(f"there is no season called '{' '.join(name.split())}'{listing}")
        return found
    found = await current_season(conn, platform, workspace)
    if found is not None:
        return found
    known = await recent_seasons(conn, platform, workspace, limit=1)
    if known:
        raise NotFound(
            f'no season is running right now; the last one was "{known[0].name}": '
            f'/qotd leaderboard season="{known[0].name}"'
        )
    raise NotFound('no season has been started yet; an admin can start one with /qotd admin season start name="Winter 2026"')


async def channel_zone(conn: AsyncConnection, channel: ChannelRef) -> ZoneInfo:
    name = (await conn.execute(select(schedules.c.timezone).where(in_channel(schedules, channel)))).scalar()
    return ZoneInfo(name or "UTC")


# ---- /qotd admin season ... -------------------------------------------------------------------------------


async def admin_season(ctx: Context, channel: ChannelRef, member: Member, options: dict[str, str]) -> Reply:
    step = options.get("action")
    if step == "start":
        return await start(ctx, channel, member, options["name"])
    if step == "end":
        return await end(ctx, channel, member)
    return await listing(ctx, channel)


async def start(ctx: Context, channel: ChannelRef, member: Member, name: str) -> Reply:
    name = season_name(name)
    now = ctx.clock.now()
    try:
        async with ctx.engine.begin() as conn:
            await _refuse_start(conn, channel, name)
            await conn.execute(
                insert(seasons).values(
                    platform=channel.platform,
                    workspace_id=channel.workspace_id,
                    name=name,
                    name_key=name.lower(),
                    started_at=now,
                    open_flag=1,
                    started_by=member.id,
                )
            )
    except IntegrityError:
        # Someone started a season (or used the name) between our check and our insert: say which.
        async with ctx.engine.connect() as conn:
            await _refuse_start(conn, channel, name)
        raise
    return Reply(
        f'Season "{name}" has started! Points from now on count towards it; '
        "see the standings with /qotd leaderboard season.",
        private=False,
    )


async def _refuse_start(conn: AsyncConnection, channel: ChannelRef, name: str) -> None:
    zone = await channel_zone(conn, channel)
    running = await current_season(conn, channel.platform, channel.workspace_id)
    if running is not None:
        raise InvalidInput(
            f'the season "{running.name}" is still running ({running.span(zone)}); '
            "end it first with /qotd admin season end"
        )
    taken = await season_named(conn, channel.platform, channel.workspace_id, name)
    if taken is not None:
        raise InvalidInput(f'there already was a season called "{taken.name}" ({taken.span(zone)}); pick another name')


async def end(ctx: Context, channel: ChannelRef, member: Member) -> Reply:
    from bot.services.standings import season_totals, rank

    now = ctx.clock.now()
    async with ctx.engine.begin() as conn:
        running = await current_season(conn, channel.platform, channel.workspace_id)
        if running is None:
            raise NotFound('no season is running; start one with /qotd admin season start name="Winter 2026"')
        ended = await conn.execute(
            update(seasons)
            .where(seasons.c.id == running.id, seasons.c.open_flag == 1)
            .values(ended_at=now, open_flag=None, ended_by=member.id)
        )
        if ended.rowcount != 1:
            raise NotFound(f'the season "{running.name}" was just ended by someone else')
        zone = await channel_zone(conn, channel)
        final = Season(running.id, running.name, running.started_at, now)
        top = [s for s in rank(await season_totals(conn, channel, final, "points")) if s.rank <= FINAL_TOP]
    lines = [f'Season "{final.name}" is over ({final.span(zone)}).']
    if top:
        lines.append("Final standings in this channel:")
        lines += [f"{s.rank:>3}. {s.name} — {s.value} points" for s in top[:FINAL_LINES]]
        if len(top) > FINAL_LINES:
            lines.append(f"… and {len(top) - FINAL_LINES} more tied")
        lines.append(f'All of them: /qotd leaderboard season="{final.name}"')
    else:
        lines.append("Nobody scored points in this channel during the season.")
    return Reply("\n".join(lines), private=False)


async def listing(ctx: Context, channel: ChannelRef) -> Reply:
    async with ctx.engine.connect() as conn:
        zone = await channel_zone(conn, channel)
        known = await recent_seasons(conn, channel.platform, channel.workspace_id)
    if not known:
        return Reply('No season has been started yet. Start one with /qotd admin season start name="Winter 2026".')
    lines = ["Seasons in this workspace, newest first:"]
    lines += [f'• "{s.name}" — {s.span(zone)}' for s in known]
    return Reply("\n".join(lines))
