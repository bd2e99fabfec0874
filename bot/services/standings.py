"""Leaderboards and streaks, read from the incrementally kept member stats and answers.

A leaderboard reads only what ranking needs: each ranked member's id and value (from member_stats, or
summed from the period's answers with one index-only range scan), ranks them here, and then reads names
just for the members on the page shown (and those tied with them, whose order is by name). The largest
channels have thousands of members; reading every member's name with their total made a board of a
channel of 4,000 members two to three times as slow (see benchmarks/bench_queries.py).
"""

from __future__ import annotations

from collections import Counter
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
NAMES_PER_QUERY = 500
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
        if season is not None:
            values = await _values_between(conn, channel, season.started_at, season.ended_at, args.metric)
        elif start is not None and args.metric != "streak":
            values = await _values_between(conn, channel, start, None, args.metric)
        else:
            values = await _member_values(conn, channel, args.metric)
        board = await _board(conn, channel, values, args.page, member.id, args.metric)
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
    if not board.ranked:
        return Reply(f"{title}\nNobody is on it yet. Answer today's question to get started!", private=False, data=data)
    page, pages = board.page, board.pages
    lines = [title + (f" — page {page} of {pages}" if pages > 1 else "")]
    lines += [_line(standing, member.id) for standing in board.shown]
    if board.mine is None:
        lines.append("… you are not on this board yet; answer the next question to get on it")
    elif all(s.member_id != member.id for s in board.shown):
        lines.append(own_rank_line(board.mine, args.metric, tied=board.mine_tied))
    which = f'season="{season.name}"' if season is not None and args.season else args.period
    hint = f"More: /qotd leaderboard {which} {args.metric} {page + 1}" if page < pages else ""
    return Reply("\n".join(lines), private=False, data={**data, "page": page, "pages": pages}, hint=hint)


@dataclass(frozen=True)
class Board:
    """One page of a leaderboard, how many members it ranks, and the asking member's place on it."""

    shown: list[Standing]
    ranked: int
    page: int
    pages: int
    mine: Standing | None = None
    mine_tied: bool = False


async def _member_values(conn, channel: ChannelRef, metric: str) -> list[tuple[str, int]]:
    """(member id, value) from member_stats: all-time points or on-time answers, or current streaks."""
    stats = member_stats.c
    if metric == "streak":
        value, ranked = stats.current_streak, or_(stats.current_streak > 0, stats.longest_streak > 0)
    else:
        value = stats.points if metric == "points" else stats.on_time_answers
        ranked = value > 0
    result = await conn.execute(select(stats.member_id, value).where(in_channel(member_stats, channel), ranked))
    return [(r[0], r[1]) for r in result]


async def _values_between(conn, channel: ChannelRef, start: datetime, end: datetime | None, metric: str) -> list[tuple[str, int]]:
    """(member id, points or on-time answers) from the channel's answers given in [start, end).

    One index range scan, nothing joined: a member who answered has a member_stats row (written with the
    answer), and names are read for the page only. (Joined with member_stats, PostgreSQL's generic plan
    for the prepared statement took seconds on a channel of 4,000 members.)
    """
    value = func.sum(answers.c.points) if metric == "points" else func.count()
    window = [in_channel(answers, channel), answers.c.late.is_(False), answers.c.answered_at >= start]
    if end is not None:
        window.append(answers.c.answered_at < end)
    result = await conn.execute(select(answers.c.member_id, value).where(*window).group_by(answers.c.member_id))
    return [(r[0], int(r[1])) for r in result if r[1]]


async def _board(conn, channel: ChannelRef, values: list[tuple[str, int]], wanted_page: int, me: str, metric: str) -> Board:
    """Rank `values` as `rank` does (equal values share a rank; within one, by name) and build the page asked for."""
    if not values:
        return Board([], 0, 1, 1)
    ordered = sorted(values, key=lambda r: -r[1])
    counts = Counter(value for _, value in ordered)
    first_at: dict[int, int] = {}
    for index, (_, value) in enumerate(ordered):
        first_at.setdefault(value, index)
    pages = (len(ordered) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(wanted_page, pages)
    low, high = (page - 1) * PAGE_SIZE, min(page * PAGE_SIZE, len(ordered))
    # The page's members are ordered by name within equal values: read the names of every member whose
    # value is on the page, which may reach before and after it.
    begin = first_at[ordered[low][1]]
    stop = first_at[ordered[high - 1][1]] + counts[ordered[high - 1][1]]
    named = await _names(conn, channel, [member_id for member_id, _ in ordered[begin:stop]])
    block = sorted(
        ((member_id, named.get(member_id, (member_id, 0))[0], value) for member_id, value in ordered[begin:stop]),
        key=lambda r: (-r[2], r[1].lower(), r[0]),
    )
    shown = [
        Standing(first_at[value] + 1, member_id, name, value, _detail(metric, named.get(member_id, (name, 0))[1]))
        for member_id, name, value in block[low - begin : high - begin]
    ]
    mine = next((s for s in shown if s.member_id == me), None)
    if mine is None:
        my_value = next((value for member_id, value in values if member_id == me), None)
        if my_value is not None:
            mine = Standing(first_at[my_value] + 1, me, "", my_value)
    return Board(shown, len(ordered), page, pages, mine, mine is not None and counts[mine.value] > 1)


async def _names(conn, channel: ChannelRef, member_ids: list[str]) -> dict[str, tuple[str, int]]:
    """Display name and longest streak of each member, by id."""
    stats = member_stats.c
    found: dict[str, tuple[str, int]] = {}
    for at in range(0, len(member_ids), NAMES_PER_QUERY):
        result = await conn.execute(
            select(stats.member_id, stats.display_name, stats.longest_streak).where(
                in_channel(member_stats, channel), stats.member_id.in_(member_ids[at : at + NAMES_PER_QUERY])
            )
        )
        found.update((member_id, (name, longest)) for member_id, name, longest in result)
    return found


def _detail(metric: str, longest: int) -> str:
    return f"longest {longest}" if metric == "streak" else ""


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
