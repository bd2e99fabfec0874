"""Seasons, leaderboard periods, fair ranks and the monthly champion, through the core on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from bot.bootstrap import bootstrap
from bot.commands import Leaderboard, parse_command
from bot.db.tables import champion_announcements, schedules, seasons
from bot.ports import ChannelRef, Member
from bot.services.champions import champion_text, next_month_start
from bot.services.standings import rank
from tests.conftest import ADMIN, ALICE, BOB, CHANNEL
from tests.support import RecordingPort, make_bank

UTC = timezone.utc
CAROL = Member("u-carol", "carol")
DAVE = Member("u-dave", "dave")
OTHER_CHANNEL = ChannelRef(CHANNEL.platform, CHANNEL.workspace_id, "random")
# 1 Dec 00:00 in Berlin is 30 Nov 23:00 UTC.
BERLIN_DECEMBER = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)


async def run(app, member, text, channel=CHANNEL):
    return await app.handle_text(channel, member, text)


async def ok(app, member, text, channel=CHANNEL):
    reply = await run(app, member, text, channel)
    assert reply.ok, reply.text
    return reply


async def bonus_round(app, *members, channel=CHANNEL):
    """A bonus question now: the members answer on time (10 points each plus their streak bonus), then it is revealed."""
    from bot.services.answering import AnswerSubmitted

    await ok(app, ADMIN, "/qotd post", channel)
    for member in members:
        reply = await app.answer(AnswerSubmitted(channel=channel, member=member, text=f"{member.name} answers"))
        assert reply.ok, reply.text
    await ok(app, ADMIN, "/qotd reveal", channel)


async def count(app, table, *where) -> int:
    async with app.ctx.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar()


def board_lines(reply) -> list[str]:
    return [line.strip() for line in reply.text.splitlines()]


# ---- parsing and help ------------------------------------------------------------------------------------------


def test_leaderboard_and_admin_season_parse_and_explain_bad_input():
    assert parse_command('/qotd leaderboard season="Winter  2026" answers') == Leaderboard(
        period="season", metric="answers", season="Winter 2026"
    )
    assert parse_command("/qotd leaderboard season 2").period == "season"
    start = parse_command('/qotd admin season start name=" Winter 2026 "')
    assert (start.action, start.options) == ("season", {"action": "start", "name": "Winter 2026"})
    assert parse_command("/qotd admin season end").options == {"action": "end"}
    problems = {
        "/qotd leaderboard week season=Winter": "goes with the season period",
        "/qotd leaderboard season=": "season= is empty",
        "/qotd admin season": "needs action=",
        "/qotd admin season stop": "use start, end or list",
        "/qotd admin season start": "needs its name",
        "/qotd admin season end name=x": "takes no name",
        f"/qotd admin season start name={'x' * 61}": "keep it to 60",
        "/qotd setup champion=maybe": "champion 'maybe' must be on or off",
    }
    from bot.errors import InvalidInput

    for text, expected in problems.items():
        try:
            parse_command(text)
        except InvalidInput as exc:
            assert expected in exc.message, (text, exc.message)
        else:  # pragma: no cover
            raise AssertionError(f"{text} was accepted")


async def test_help_covers_seasons_periods_and_the_champion(app):
    board = (await ok(app, ALICE, "/qotd help leaderboard")).text
    assert "week|month|season|all" in board and 'season="NAME"' in board and "(1, 1, 3)" in board
    admin = (await ok(app, ALICE, "/qotd help admin")).text
    assert '/qotd admin season start name="Winter 2026"' in admin and "/qotd admin season end" in admin
    setup = (await ok(app, ALICE, "/qotd help setup")).text
    assert "champion=on|off" in setup


# ---- fair ranks and your own line -------------------------------------------------------------------------------


def test_equal_scores_share_a_rank_and_the_next_rank_skips():
    rows = [("a", "ann", 30, ""), ("b", "bob", 30, ""), ("c", "cat", 20, ""), ("d", "dan", 20, ""), ("e", "eve", 5, "")]
    assert [(s.rank, s.name) for s in rank(rows)] == [(1, "ann"), (1, "bob"), (3, "cat"), (3, "dan"), (5, "eve")]


async def test_ties_are_ranked_one_one_three_on_the_board(app):
    await bonus_round(app, ALICE, BOB, CAROL)  # 10 each
    await bonus_round(app, ALICE, BOB)  # 12 each: alice 22, bob 22, carol 10
    lines = board_lines(await ok(app, CAROL, "/qotd leaderboard"))
    assert lines[1:] == ["1. alice — 22", "1. bob — 22", "3. carol — 10  ← you"]


async def test_your_own_rank_is_shown_below_the_page_or_you_are_told_how_to_get_on(app):
    members = [Member(f"u{n:02d}", f"m{n:02d}") for n in range(12)]
    await bonus_round(app, *members[:11])  # 11 members on 10 points
    await bonus_round(app, *members[:2])  # m00 and m01 pull ahead with 22
    await bonus_round(app, members[11])  # m11: 10 points, tied at rank 3 but last by name, on page 2
    own = board_lines(await ok(app, members[11], "/qotd leaderboard"))
    assert own[0] == "Leaderboard — points, all time — page 1 of 2"
    assert own[-1] == "… you are #3 with 10 points (tied)"
    page_two = board_lines(await ok(app, members[11], "/qotd leaderboard 2"))
    assert "3. m11 — 10  ← you" in page_two and not any(line.startswith("… you are") for line in page_two)
    outsider = board_lines(await ok(app, DAVE, "/qotd leaderboard answers"))
    assert outsider[-1] == "… you are not on this board yet; answer the next question to get on it"


# ---- seasons --------------------------------------------------------------------------------------------------


async def test_a_season_counts_only_what_was_scored_while_it_ran(app, clock):
    await bonus_round(app, ALICE, BOB)  # before the season: 10 each
    none_yet = await run(app, ALICE, "/qotd leaderboard season")
    assert not none_yet.ok and "no season has been started yet" in none_yet.text
    clock.advance(timedelta(hours=1))
    started = await ok(app, ADMIN, '/qotd admin season start name="Winter 2026"')
    assert not started.private and 'Season "Winter 2026" has started!' in started.text
    await bonus_round(app, BOB)  # 12 for bob, inside the season
    board = await ok(app, ALICE, "/qotd leaderboard season")
    lines = board_lines(board)
    assert lines[0] == 'Leaderboard — points, season "Winter 2026"'
    assert lines[1:] == ["1. bob — 12", "… you are not on this board yet; answer the next question to get on it"]
    assert board.data["period"] == "season" and isinstance(board.data["season_id"], int)
    all_time = board_lines(await ok(app, ALICE, "/qotd leaderboard all"))
    assert all_time[1:] == ["1. bob — 22", "2. alice — 10  ← you"]
    answers = board_lines(await ok(app, BOB, "/qotd leaderboard season answers"))
    assert answers[1] == "1. bob — 1  ← you"

    # The season belongs to the workspace: another channel ranks its own answers within it.
    elsewhere = await ok(app, ALICE, "/qotd leaderboard season", channel=OTHER_CHANNEL)
    assert "Nobody is on it yet" in elsewhere.text


async def test_one_open_season_per_workspace_and_bad_requests_change_nothing(app, clock):
    await ok(app, ADMIN, '/qotd admin season start name="Winter 2026"')
    again = await run(app, ADMIN, '/qotd admin season start name="Spring 2027"', channel=OTHER_CHANNEL)
    assert not again.ok and 'the season "Winter 2026" is still running' in again.text
    assert "/qotd admin season end" in again.text
    refused = await run(app, ALICE, '/qotd admin season start name="Mine"')
    assert not refused.ok and refused.data["outcome"] == "not_allowed"
    refused_end = await run(app, ALICE, "/qotd admin season end")
    assert not refused_end.ok and refused_end.data["outcome"] == "not_allowed"
    assert await count(app, seasons) == 1
    assert await count(app, seasons, seasons.c.ended_at.is_(None)) == 1

    clock.advance(timedelta(days=3))
    await ok(app, ADMIN, "/qotd admin season end")
    twice = await run(app, ADMIN, "/qotd admin season end")
    assert not twice.ok and "no season is running" in twice.text
    same_name = await run(app, ADMIN, '/qotd admin season start name="winter 2026"')
    assert not same_name.ok and 'there already was a season called "Winter 2026"' in same_name.text
    assert await count(app, seasons) == 1

    # Another workspace has its own seasons.
    team_2 = ChannelRef(CHANNEL.platform, "team-2", "general")
    await ok(app, ADMIN, '/qotd admin season start name="Winter 2026"', channel=team_2)
    assert await count(app, seasons) == 2


async def test_ending_a_season_shows_the_final_top_and_past_seasons_stay_viewable(app, clock):
    await ok(app, ADMIN, "/qotd setup time=09:00 tz=Europe/Berlin days=mon-fri reveal=8h")
    await ok(app, ADMIN, '/qotd admin season start name="Autumn 2026"')
    await bonus_round(app, ALICE, BOB, CAROL, DAVE)  # 10 each
    await bonus_round(app, ALICE, BOB)  # alice and bob 22
    await bonus_round(app, ALICE)  # alice 36
    clock.advance(timedelta(days=6))
    ended = await ok(app, ADMIN, "/qotd admin season end")
    assert not ended.private
    lines = board_lines(ended)
    assert lines[0] == 'Season "Autumn 2026" is over (23 Nov – 29 Nov 2026).'
    assert lines[1:5] == ["Final standings in this channel:", "1. alice — 36 points", "2. bob — 22 points",
                          "3. carol — 10 points"]
    assert "3. dave — 10 points" in lines  # tied third
    assert lines[-1] == 'All of them: /qotd leaderboard season="Autumn 2026"'

    after = await run(app, BOB, "/qotd leaderboard season")
    assert not after.ok and 'the last one was "Autumn 2026"' in after.text
    await bonus_round(app, BOB)  # after the season: does not count in it
    past = board_lines(await ok(app, BOB, '/qotd leaderboard season="autumn 2026"'))
    assert past[0] == 'Leaderboard — points, season "Autumn 2026" (23 Nov – 29 Nov 2026)'
    assert past[1:3] == ["1. alice — 36", "2. bob — 22  ← you"]
    unknown = await run(app, BOB, '/qotd leaderboard season="Summer"')
    assert not unknown.ok and "there is no season called 'Summer'; seasons here: Autumn 2026" in unknown.text

    await ok(app, ADMIN, '/qotd admin season start name="Winter 2026"')
    listed = (await ok(app, ADMIN, "/qotd admin season list")).text
    assert listed.index('"Winter 2026" — running since 29 Nov 2026') < listed.index('"Autumn 2026" — 23 Nov – 29 Nov 2026')


async def test_ending_a_season_nobody_scored_in_says_so(app):
    await ok(app, ADMIN, '/qotd admin season start name="Quiet"')
    ended = await ok(app, ADMIN, "/qotd admin season end")
    assert "Nobody scored points in this channel during the season." in ended.text


async def test_season_pages_are_addressed_by_id(app, clock):
    await ok(app, ADMIN, '/qotd admin season start name="Big"')
    await bonus_round(app, *[Member(f"u{n:02d}", f"m{n:02d}") for n in range(12)])
    clock.advance(timedelta(hours=1))
    first = await ok(app, ALICE, "/qotd leaderboard season")
    assert first.data["pages"] == 2 and first.hint == "More: /qotd leaderboard season points 2"
    season_id = first.data["season_id"]
    await ok(app, ADMIN, "/qotd admin season end")
    clock.advance(timedelta(hours=1))
    await ok(app, ADMIN, '/qotd admin season start name="Next"')
    # A page button made while "Big" ran still turns "Big"'s pages.
    second = await app.handle(CHANNEL, ALICE, Leaderboard(period="season", page=2, season_id=season_id))
    assert second.ok and second.text.startswith('Leaderboard — points, season "Big" (') and "page 2 of 2" in second.text
    named = await ok(app, ALICE, '/qotd leaderboard season=Big')
    assert named.hint == 'More: /qotd leaderboard season="Big" points 2'
    gone = await app.handle(CHANNEL, ALICE, Leaderboard(period="season", season_id=season_id + 100))
    assert not gone.ok and "that season no longer exists" in gone.text


# ---- the monthly champion ------------------------------------------------------------------------------------


def test_champion_text_names_one_or_several():
    assert champion_text("2026-11", [("alice", 120)], 4) == (
        "🏆 Champion of November 2026: alice with 120 points! Congratulations, and thanks to the 4 members who scored points!"
    )
    assert champion_text("2026-11", [("alice", 1)], 1) == "🏆 Champion of November 2026: alice with 1 point! Congratulations!"
    several = champion_text("2026-12", [("alice", 50), ("bob", 50)], 2)
    assert several == "🏆 Champions of December 2026: alice and bob, tied on 50 points! Congratulations!"
    many = champion_text("2026-12", [(f"m{n}", 10) for n in range(8)], 8)
    assert "m0, m1, m2, m3, m4 and 3 more, tied on 10 points" in many


def test_the_next_month_starts_at_local_midnight():
    from zoneinfo import ZoneInfo

    assert next_month_start(datetime(2026, 11, 23, 6, tzinfo=UTC), ZoneInfo("Europe/Berlin")) == BERLIN_DECEMBER
    assert next_month_start(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), ZoneInfo("UTC")) == datetime(2027, 1, 1, tzinfo=UTC)
    # Still 31 Dec in Los Angeles: the next local 1st is 1 Jan 08:00 UTC.
    assert next_month_start(datetime(2027, 1, 1, 3, tzinfo=UTC), ZoneInfo("America/Los_Angeles")) == datetime(
        2027, 1, 1, 8, tzinfo=UTC
    )


async def test_champion_is_opt_in_shown_in_status_and_bad_input_changes_nothing(app):
    await ok(app, ADMIN, "/qotd setup time=09:00 tz=Europe/Berlin days=mon-fri reveal=8h")
    status = (await ok(app, ALICE, "/qotd status")).text
    assert "Monthly champion announcement: off (/qotd setup champion=on turns it on)." in status
    turned_on = (await ok(app, ADMIN, "/qotd setup champion=on")).text
    assert "Monthly champion announcement: on, next Tue 01 Dec 00:00 CET (Mon 30 Nov 23:00 UTC)." in turned_on
    assert "Monthly champion announcement: on, next Tue 01 Dec 00:00 CET" in (await ok(app, ALICE, "/qotd status")).text

    bad = await run(app, ADMIN, "/qotd setup champion=sometimes tz=UTC")
    assert not bad.ok and "champion 'sometimes' must be on or off" in bad.text
    not_admin = await run(app, ALICE, "/qotd setup champion=off")
    assert not not_admin.ok
    async with app.ctx.engine.connect() as conn:
        row = (await conn.execute(select(schedules.c.champion, schedules.c.champion_next_at, schedules.c.timezone))).one()
    assert (row.champion, row.champion_next_at, row.timezone) == (True, BERLIN_DECEMBER, "Europe/Berlin")

    # Moving the channel to another zone moves the announcement to that zone's midnight.
    await ok(app, ADMIN, "/qotd setup tz=America/New_York")
    async with app.ctx.engine.connect() as conn:
        assert (await conn.execute(select(schedules.c.champion_next_at))).scalar() == datetime(2026, 12, 1, 5, tzinfo=UTC)
    await ok(app, ADMIN, "/qotd setup champion=off")
    async with app.ctx.engine.connect() as conn:
        row = (await conn.execute(select(schedules.c.champion, schedules.c.champion_next_at))).one()
    assert (row.champion, row.champion_next_at) == (False, None)


async def test_last_months_champion_is_announced_once_on_the_first_tick_of_the_month(app, clock, port):
    await ok(app, ADMIN, "/qotd setup time=09:00 tz=Europe/Berlin days=mon-fri reveal=8h champion=on")
    await bonus_round(app, ALICE, BOB)  # 10 each
    await bonus_round(app, ALICE)  # alice 22

    clock.set(BERLIN_DECEMBER - timedelta(minutes=1))  # 23:59 on 30 Nov in Berlin
    await app.tick()
    assert port.announcements == []
    assert await app.next_due_at() <= BERLIN_DECEMBER

    clock.set(BERLIN_DECEMBER + timedelta(seconds=20))  # the first tick of December in Berlin
    report = await app.tick()
    assert report.announced == 1
    assert port.announcements == [
        (CHANNEL, "🏆 Champion of November 2026: alice with 22 points! Congratulations, and thanks to the 2 members who scored points!")
    ]
    await bonus_round(app, BOB)  # December's points never count for November
    clock.advance(timedelta(hours=1))
    await app.tick()
    assert len(port.announcements) == 1
    async with app.ctx.engine.connect() as conn:
        row = (await conn.execute(select(champion_announcements))).one()
        next_at = (await conn.execute(select(schedules.c.champion_next_at))).scalar()
    assert (row.month, row.status, row.winners) == ("2026-11", "announced", "alice")
    assert next_at == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)  # 1 Jan 00:00 in Berlin
    assert port.announcement_keys == [("champion-2026-11", False)]  # a fresh claim: adapters look nothing up


async def test_a_tie_for_champion_names_everyone_and_a_quiet_month_posts_nothing(app, clock, port):
    await ok(app, ADMIN, "/qotd setup time=09:00 tz=UTC days=mon-fri reveal=8h champion=on")
    await ok(app, ADMIN, "/qotd setup champion=on", channel=OTHER_CHANNEL)  # nobody ever answers there
    await bonus_round(app, ALICE, BOB)
    clock.set(datetime(2026, 12, 1, 0, 0, 5, tzinfo=UTC))
    await app.tick()
    (only,) = port.announcements
    assert only[0] == CHANNEL and "Champions of November 2026: alice and bob, tied on 10 points!" in only[1]
    async with app.ctx.engine.connect() as conn:
        statuses = dict((await conn.execute(select(champion_announcements.c.channel_id, champion_announcements.c.status))).all())
    assert statuses == {"general": "announced", "random": "nobody"}


async def test_the_month_ends_in_the_channels_own_time_zone(app, clock, port):
    await ok(app, ADMIN, "/qotd setup time=09:00 tz=America/Los_Angeles days=mon-fri reveal=8h champion=on")
    await bonus_round(app, ALICE)
    clock.set(datetime(2026, 12, 1, 0, 30, tzinfo=UTC))  # still 30 Nov in Los Angeles
    await app.tick()
    assert port.announcements == []
    clock.set(datetime(2026, 12, 1, 8, 0, 30, tzinfo=UTC))  # 00:00:30 on 1 Dec in Los Angeles
    await app.tick()
    assert [text.split(":")[0] for _, text in port.announcements] == ["🏆 Champion of November 2026"]


async def test_several_instances_announce_a_month_exactly_once(settings, clock):
    ports = [RecordingPort() for _ in range(3)]
    apps = [
        await bootstrap(settings, clock=clock, ports={"test": p}, bank=make_bank(), rng=random.Random(n))
        for n, p in enumerate(ports)
    ]
    try:
        for n in range(4):
            channel = ChannelRef("test", "team-1", f"c{n}")
            await ok(apps[0], ADMIN, "/qotd setup time=09:00 tz=UTC days=daily reveal=1h champion=on", channel)
            await bonus_round(apps[0], ALICE, channel=channel)
        clock.set(datetime(2026, 12, 1, 0, 0, 10, tzinfo=UTC))
        await asyncio.gather(*(a.tick() for a in apps), *(a.tick() for a in apps))
        announced = sorted(c.channel_id for p in ports for c, _ in p.announcements)
        assert announced == ["c0", "c1", "c2", "c3"]
    finally:
        for a in apps:
            await a.close()

    # A restart (a fresh instance on the same database) does not announce again.
    port = RecordingPort()
    again = await bootstrap(settings, clock=clock, ports={"test": port}, bank=make_bank())
    try:
        clock.advance(timedelta(minutes=10))
        await again.tick()
        assert port.announcements == []
    finally:
        await again.close()


async def test_a_failed_announcement_is_retried_after_the_claim_timeout_and_made_once(app, clock, port):
    await ok(app, ADMIN, "/qotd setup time=09:00 tz=UTC days=mon-fri reveal=8h champion=on")
    await bonus_round(app, ALICE)
    port.fail_announcements = 1  # the platform is down at midnight
    clock.set(datetime(2026, 12, 1, 0, 0, 10, tzinfo=UTC))
    report = await app.tick()
    assert report.failed == 1 and port.announcements == []
    clock.advance(timedelta(seconds=30))  # the claim is not stale yet: nobody else takes it
    await app.tick()
    assert port.announcements == []
    assert await app.next_due_at() <= clock.now() + app.ctx.settings.claim_timeout
    clock.advance(app.ctx.settings.claim_timeout)
    report = await app.tick()
    assert report.announced == 1 and len(port.announcements) == 1
    # Both attempts name the same announcement; the second says an earlier one may have gone out.
    assert port.announcement_keys == [("champion-2026-11", False), ("champion-2026-11", True)]
    clock.advance(app.ctx.settings.claim_timeout * 2)
    await app.tick()
    assert len(port.announcements) == 1


async def test_after_downtime_only_the_latest_finished_month_is_announced(app, clock, port):
    await ok(app, ADMIN, "/qotd setup time=09:00 tz=UTC days=mon-fri reveal=8h champion=on")
    await bonus_round(app, ALICE)  # November
    clock.set(datetime(2026, 12, 10, tzinfo=UTC))
    await bonus_round(app, BOB)  # December
    clock.set(datetime(2027, 1, 3, 12, tzinfo=UTC))  # the bot was down over New Year
    await app.tick()
    assert [text.split("!")[0] for _, text in port.announcements] == ["🏆 Champion of December 2026: bob with 10 points"]


async def test_two_admins_starting_seasons_at_the_same_moment_get_one(settings, clock):
    apps = [await bootstrap(settings, clock=clock, ports={"test": RecordingPort()}, bank=make_bank()) for _ in range(2)]
    try:
        for attempt in range(3):  # a few rounds, so the race really happens on PostgreSQL
            replies = await asyncio.gather(
                *(run(app, ADMIN, f'/qotd admin season start name="Season {attempt}-{n}"') for n, app in enumerate(apps))
            )
            assert sorted(r.ok for r in replies) == [False, True], [r.text for r in replies]
            (refused,) = [r for r in replies if not r.ok]
            assert "is still running" in refused.text and refused.data["outcome"] == "invalid"
            ended = await asyncio.gather(*(run(app, ADMIN, "/qotd admin season end") for app in apps))
            assert sorted(r.ok for r in ended) == [False, True], [r.text for r in ended]
            clock.advance(timedelta(minutes=1))
        assert await count(apps[0], seasons) == 3
    finally:
        for app in apps:
            await app.close()
