"""Spaced repetition in the terminal console, run as a real subprocess (on PostgreSQL too when configured)."""

from __future__ import annotations

from tests.test_console_cli import console, db, private_lines  # noqa: F401 - db is a fixture


def test_a_missed_question_comes_back_and_stats_sum_it_up(tmp_path, db):
    out = console(
        tmp_path,
        db,
        """
        /as alice
        /qotd quiz caching
        /qotd quiz answer
        /qotd quiz grade again
        /advance 10m
        /qotd quiz
        /qotd quiz answer
        /qotd quiz grade good
        /qotd quiz stats
        /qotd quiz stats now
        """,
    )
    alice = "\n".join(private_lines(out, "alice"))
    assert "Why this one: a new question in Caching, one you have not practised yet." in out
    assert "Recorded: again. It comes back in 10 minutes, so you can try it again soon." in alice
    assert "Why this one: it is due for review now." in out
    assert "Recorded: good. Next review in 1 day." in alice
    assert "Due today: nothing. Next review in 1 day; 1 question scheduled." in out
    assert "Reviewed this week: 2 practice grades, 0 daily questions answered on time." in out
    assert "Caching: 50% (1 of 2)" in out
    assert "Sorry, /qotd quiz stats takes nothing more; 'now' is extra." in alice
