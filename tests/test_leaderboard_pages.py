"""Leaderboard pages read only the names they show, yet rank exactly as ranking the whole board would.

Many members share values here, so ties straddle page boundaries: within a value members are ordered
by name (case-insensitive), then id; ranks are shared and the next rank skips.
"""

from __future__ import annotations

import random
import re

from sqlalchemy import insert

from bot.db.tables import member_stats
from bot.ports import Member
from bot.services.standings import PAGE_SIZE, rank
from tests.conftest import CHANNEL

NAMES = ("alice", "Bob", "carol", "Dave", "erin", "frank", "Grace", "heidi", "Ivan", "judy", "mallory", "Oscar")
LINE = re.compile(r"^\s*(\d+)\. (.+?) — (\d+)(?: \(longest \d+\))?(?:  ← you)?$")


def board_rows(count: int, rng: random.Random) -> list[dict]:
    rows = []
    for n in range(count):
        points = rng.choice((10, 20, 20, 30, 30, 30, 44, 50, 0))
        rows.append({
            "platform": CHANNEL.platform, "workspace_id": CHANNEL.workspace_id, "channel_id": CHANNEL.channel_id,
            "member_id": f"m{rng.randrange(10_000):04d}-{n}", "display_name": rng.choice(NAMES),
            "current_streak": rng.choice((0, 1, 2, 2, 3)), "longest_streak": 3, "on_time_answers": points // 10,
            "points": points,
        })
    return rows


def shown(text: str) -> list[tuple[int, str, int]]:
    return [(int(m[1]), m[2], int(m[3])) for m in map(LINE.match, text.splitlines()) if m]


async def test_every_page_matches_ranking_the_whole_board(app):
    rng = random.Random(11)
    rows = board_rows(57, rng)
    async with app.ctx.engine.begin() as conn:
        await conn.execute(insert(member_stats), rows)
    for metric, column in (("points", "points"), ("answers", "on_time_answers"), ("streak", "current_streak")):
        keep = [r for r in rows if r[column] > 0 or (metric == "streak" and r["longest_streak"] > 0)]
        expected = rank([(r["member_id"], r["display_name"], r[column], "") for r in keep])
        pages = (len(expected) + PAGE_SIZE - 1) // PAGE_SIZE
        for page in range(1, pages + 2):  # one past the last shows the last
            me = rows[rng.randrange(len(rows))]
            reply = await app.handle_text(CHANNEL, Member(me["member_id"], me["display_name"]), f"/qotd leaderboard {metric} {page}")
            first = (min(page, pages) - 1) * PAGE_SIZE
            want = [(s.rank, s.name, s.value) for s in expected[first : first + PAGE_SIZE]]
            assert shown(reply.text) == want, (metric, page, reply.text)
            mine = next((s for s in expected if s.member_id == me["member_id"]), None)
            if mine is None:
                assert "you are not on this board yet" in reply.text
            elif mine not in expected[first : first + PAGE_SIZE]:
                tied = sum(s.rank == mine.rank for s in expected) > 1
                assert f"you are #{mine.rank} with " in reply.text and ("(tied)" in reply.text) == tied, reply.text


async def test_pages_of_period_totals_read_names_for_the_page_only(app):
    """Week, month and season boards rank totals summed from answers; names are read for the page alone."""
    from bot.services.standings import _board

    rng = random.Random(5)
    rows = [r for r in board_rows(45, rng) if r["points"] > 0]
    async with app.ctx.engine.begin() as conn:
        await conn.execute(insert(member_stats), rows)
    values = [(r["member_id"], r["points"]) for r in rows]
    expected = rank([(r["member_id"], r["display_name"], r["points"], "") for r in rows])
    async with app.ctx.engine.connect() as conn:
        for page in range(1, len(expected) // PAGE_SIZE + 2):
            me = rows[rng.randrange(len(rows))]["member_id"]
            board = await _board(conn, CHANNEL, values, page, me, "points")
            first = (page - 1) * PAGE_SIZE
            assert [(s.rank, s.member_id, s.name, s.value) for s in board.shown] == [
                (s.rank, s.member_id, s.name, s.value) for s in expected[first : first + PAGE_SIZE]
            ]
            mine = next(s for s in expected if s.member_id == me)
            assert (board.mine.rank, board.mine.value) == (mine.rank, mine.value)
            assert board.mine_tied == (sum(s.rank == mine.rank for s in expected) > 1)
