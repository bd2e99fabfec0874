"""Self-checks in the terminal console, run as a real subprocess (on PostgreSQL too when configured)."""

from __future__ import annotations

import re

from tests.test_console_cli import SETUP, console, db, private_lines, reveals_in  # noqa: F401 - db is a fixture


def test_check_after_the_reveal_then_tick_and_see_the_points(tmp_path, db):
    out = console(
        tmp_path,
        db,
        f"""
        /as alice
        {SETUP}
        /advance 2h
        /qotd check
        I would add an index and check the plan
        /as bob
        Not sure, I'd restart it
        /advance 8h
        /as alice
        /qotd check
        /qotd check points=1,9
        /qotd check points=1
        /qotd streak
        /as bob
        /qotd check points=none
        /as carol
        /qotd check points=2
        /qotd quiz check points=1
        """,
    )
    [reveal] = reveals_in(out)
    assert "Which did your answer cover? /qotd check shows them numbered" in reveal.text
    alice = private_lines(out, "alice")
    assert "Sorry, no question has been revealed in this channel yet; you can check your answer after the reveal." in alice
    shown = out.split("(only alice sees this) Question #1 — key points:", 1)[1]
    numbered = re.findall(r"^\s+(\d)\. \[[ x]\] ", shown.split("Team coverage", 1)[0], flags=re.M)
    assert numbered == [str(n) for n in range(1, len(numbered) + 1)] and 3 <= len(numbered) <= 6
    assert "Tick yours: /qotd check points=" in shown and "Team coverage — 2 answered" in shown
    assert any(f"so 9 is not one of them (use numbers from 1 to {len(numbered)}" in line for line in alice)
    assert f"Saved: on question #1 you covered key point 1 of {len(numbered)}. +1 point" in out
    assert "You have a streak of 1 (longest 1)" in out and ", 11 points." in out
    assert "Saved: on question #1 you covered none of the key points" in out
    carol = private_lines(out, "carol")
    assert carol[0] == "Sorry, you did not answer question #1, so there is nothing of yours to check."
    assert carol[1] == "Sorry, you have no practice question yet; ask for one with /qotd quiz."
