"""Seasons and the monthly champion in the terminal console, driven as a real subprocess (SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.test_console_cli import console, db, leaderboards  # noqa: F401 - db is a fixture used here


def test_a_season_and_the_monthly_champion_in_the_console(tmp_path, db):
    out = console(
        tmp_path,
        db,
        """
        /as alice
        /qotd setup time=09:00 tz=Europe/Berlin days=mon-fri reveal=8h champion=on
        /qotd admin season start name="Winter 2026"
        /qotd admin season start name="Another"
        /advance 3h
        I would add an index on (customer_id, created_at)
        /as bob
        A covering index, and check the plan with EXPLAIN ANALYZE
        /as alice
        /advance 8d
        /qotd leaderboard season
        /qotd admin season end
        /qotd leaderboard season
        /quit
        """,
    )
    assert "Monthly champion announcement: on, next Tue 01 Dec 00:00 CET (Mon 30 Nov 23:00 UTC)." in out
    assert 'Season "Winter 2026" has started!' in out
    assert 'Sorry, the season "Winter 2026" is still running (running since 23 Nov 2026)' in out
    champions = [line for line in out.splitlines() if "🏆" in line]
    assert champions == [
        "#general · 🏆 Champions of November 2026: alice and bob, tied on 10 points! Congratulations!"
    ]
    (title, rows), *_ = [board for board in leaderboards(out) if "season" in board[0]]
    assert title == 'Leaderboard — points, season "Winter 2026"'
    assert rows == [(1, "alice", 10), (1, "bob", 10)]
    assert 'Season "Winter 2026" is over (23 Nov – 1 Dec 2026).' in out
    assert 'Sorry, no season is running right now; the last one was "Winter 2026"' in out
