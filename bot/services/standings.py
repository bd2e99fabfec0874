"""Leaderboards and streaks, read from the incrementally kept member stats and answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from bot.commands import Leaderboard, Streak
from bot.context import Context
from bot.db.scoping import in_channel
from bot.db.tables import answers, member_stats, schedules
from bot.errors import NotFound
from bot.ports import ChannelRef, Member, Reply
from bot.scoring import RULES_TEXT
from bot.services.streak_freezes import freeze_rules, freeze_status
from bot.services.seasons import resolve

PAGE_SIZE = 10
PERIOD_TITLES = {"week": "this week", "month": "this month", "all": "all time"}
UNITS = {"points": "points", "answers": "on-time answers", "streak": "current streak"}


@dataclass(frozen=True)
class Standing:
    rank: int
    member_id: str
    name: str
    value: int
    detail: str = ""


def period_start(period: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """Monday 00:00 (week) or the 1st 00:00 (month) in the channel's zone; None for all time."""
    local = now.astimezone(zone)
    if period == "week":
        day = local.date() - timedelta(days=local.weekday())
    elif period == "month":
        day = local.date().replace(day=1)
    else:
        return None
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(ZoneInfo("UTC"))


def rank(rows: list[tuple[str, str, int, str]]) -> list[Standing]:
    """Competition ranking: equal values share a rank and the next rank skips (1, 2, 2, 4)."""
    ordered = sorted(rows, key=lambda r: (-r[2], r[1].lower(), r[0]))
    standings: list[Standing] = []
    for index, (member_id, name, value, detail) in enumerate(ordered):
        if standings and standings[-1].value == value:
            position = standings[-1].rank
        else:
            position = index + 1
        standings.append(Standing(position, member_id, name, value, detail))
    return standings


async def _channel_zone(conn, channel: ChannelRef) -> ZoneInfo:
    name = (await conn.execute(select(schedules.c.timezone).where(in_channel(schedules, channel)))).scalar()
    return ZoneInfo(name or "UTC")


async def totals_between(
    conn, channel: ChannelRef, start: datetime, end: datetime | None, metric: str
) -> list[tuple[str, str, int, str]]:
    """Points (or on-time answers) per member from answers given in [start, end) in this channel."""
    value = func.sum(answers.c.points) if metric == "points" else func.count()
    names = select(member_stats.c.member_id, member_stats.c.display_name).where(in_channel(member_stats, channel)).subquery()
    window = [in_channel(answers, channel), answers.c.late.is_(False), answers.c.answered_at >= start]
    if end is not None:
        window.append(answers.c.answered_at < end)
    totals = select(answers.c.member_id, value.label("value")).where(*window).group_by(answers.c.member_id).subquery()
    result = await conn.execute(
        select(totals.c.member_id, names.c.display_name, totals.c.value).join(names, names.c.member_id == totals.c.member_id)
    )
    return [(r[0], r[1], int(r[2] or 0), "") for r in result if r[2]]


async def season_totals(conn, channel: ChannelRef, season, metric: str) -> list[tuple[str, str, int, str]]:
    return await totals_between(conn, channel, season.started_at, season.ended_at, metric)


async def leaderboard(ctx: Context, channel: ChannelRef, member: Member, args: Leaderboard) -> Reply:
    season = None
    async with ctx.engine.connect() as conn:
        zone = await _channel_zone(conn, channel)
        start = period_start(args.period, ctx.clock.now(), zone)
        if args.period == "season":
            season = await resolve(conn, channel, args.season, args.season_id)
        if args.metric == "streak":
            result = await conn.execute(
                select(member_stats.c.member_id, member_stats.c.display_name, member_stats.c.current_streak, member_stats.c.longest_streak)
                .where(in_channel(member_stats, channel), or_(member_stats.c.current_streak > 0, member_stats.c.longest_streak > 0))
            )
            rows = [(r[0], r[1], r[2], f"longest {r[3]}") for r in result]
        elif season is not None:
            rows = await season_totals(conn, channel, season, args.metric)
        elif start is None:
            column = member_stats.c.points if args.metric == "points" else member_stats.c.on_time_answers
            result = await conn.execute(
                select(member_stats.c.member_id, member_stats.c.display_name, column).where(
                    in_channel(member_stats, channel), column > 0
                )
            )
            rows = [(r[0], r[1], r[2], "") for r in result]
        else:
            rows = await totals_between(conn, channel, start, None, args.metric)
    standings = rank(rows)
    unit = UNITS[args.metric]
    when = PERIOD_TITLES.get(args.period, args.period)
    if season is not None:
        when = f'season "{season.name}"' + ("" if season.running else f" ({season.span(zone)})")
    title = f"Leaderboard — {unit}, {when}"
    if args.metric == "streak" and args.period != "all":
        title += " (streaks are not per period; showing current streaks)"
    data = {"period": args.period, "metric": args.metric, "page": 1, "pages": 1}
    if season is not None:
        data["season_id"] = season.id
    if not standings:
        return Reply(f"{title}\nNobody is on it yet. Answer today's question to get started!", private=False, data=data)
    pages = (len(standings) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(args.page, pages)
    shown = standings[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    lines = [title + (f" — page {page} of {pages}" if pages > 1 else "")]
    lines += [_line(standing, member.id) for standing in shown]
    mine = next((s for s in standings if s.member_id == member.id), None)
    if mine is None:
        lines.append("… you are not on this board yet; answer the next question to get on it")
    elif mine not in shown:
        lines.append(own_rank_line(mine, args.metric, tied=sum(s.rank == mine.rank for s in standings) > 1))
    which = f'season="{season.name}"' if season is not None and args.season else args.period
    hint = f"More: /qotd leaderboard {which} {args.metric} {page + 1}" if page < pages else ""
    return Reply("\n".join(lines), private=False, data={**data, "page": page, "pages": pages}, hint=hint)


def own_rank_line(mine: Standing, metric: str, tied: bool = False) -> str:
    """'… you are #37 with 40 points': the member's own place when it is not on the page shown."""
    if metric == "points":
        value = f"{mine.value} point" + ("" if mine.value == 1 else "s")
    elif metric == "answers":
        value = f"{mine.value} on-time answer" + ("" if mine.value == 1 else "s")
    else:
        value = f"a current streak of {mine.value}"
    return f"… you are #{mine.rank} with {value}" + (" (tied)" if tied else "")


def _line(standing: Standing, me: str) -> str:
    marker = "  ← you" if standing.member_id == me else ""
    detail = f" ({standing.detail})" if standing.detail else ""
    return f"{standing.rank:>3}. {standing.name} — {standing.value}{detail}{marker}"


async def streak(ctx: Context, channel: ChannelRef, member: Member, args: Streak) -> Reply:
    async with ctx.engine.connect() as conn:
        query = select(member_stats).where(in_channel(member_stats, channel))
        if args.member:
            wanted = args.member.strip()
            query = query.where(
                or_(func.lower(member_stats.c.display_name) == wanted.lower(), member_stats.c.member_id == wanted)
            )
        else:
            query = query.where(member_stats.c.member_id == member.id)
        row = (await conn.execute(query)).first()
    if row is None:
        if args.member:
            raise NotFound(f"no member called '{args.member}' has answered in this channel yet")
        return Reply("You have not answered a question here yet. Answer the next one to start a streak!")
    who = "You have" if row.member_id == member.id else f"{row.display_name} has"
    every, most = ctx.settings.freeze_every, ctx.settings.freeze_max
    freezes = f"\n{freeze_status(row.freezes, row.on_time_answers, every, most)}." if most > 0 else ""
    return Reply(
        f"{who} a streak of {row.current_streak} (longest {row.longest_streak}), "
        f"{row.on_time_answers} on-time and {row.late_answers} late answers, {row.points} points.{freezes}\n"
        f"{RULES_TEXT} {freeze_rules(every, most)}".rstrip()
    )
