"""Suggestions and topic switches in the terminal console, driven as a real subprocess through a pipe."""

from __future__ import annotations

from tests.test_console_cli import console, reveals_in, sqlite_db  # noqa: F401 - sqlite_db is a fixture used here

SUGGESTION = (
    '/qotd suggest question="Why would you put a TTL on every cache entry, even long-lived ones?" '
    'answer="A TTL bounds how stale a read can be when an invalidation is missed, and lets unused keys age out." '
    'points="bounds staleness; ages out unused keys; add jitter" topic=caching difficulty=3'
)


def test_a_member_suggests_an_admin_approves_and_the_reveal_credits_them(tmp_path, sqlite_db):
    out = console(
        tmp_path,
        sqlite_db,
        f"""
        /as ada
        /qotd setup time=09:00 tz=UTC days=daily reveal=8h
        /as alice
        /qotd suggest
        /qotd suggest question="Why?" topic=cachng
        {SUGGESTION}
        /qotd admin suggestions
        /as ada
        /qotd admin suggestions
        /qotd admin approve id=1
        /qotd admin topics disable=caching
        /qotd setup topics=caching difficulty=3
        /qotd post
        /qotd reveal
        """,
    )
    assert "tell us the question: /qotd suggest question=" in out
    assert "the question is only 4 characters; write at least 15" in out and "unknown topic 'cachng'" in out
    assert "(only alice sees this) Thanks, alice! Your question is suggestion #1 (Caching, difficulty 3)" in out
    assert "only admins can use /qotd admin suggestions" in out
    assert "1 suggestion waiting for review:" in out and "#1 from alice · Caching · difficulty 3 (senior)" in out
    assert "Approve: /qotd admin approve id=N" in out  # the typed next steps, since the console has no buttons
    assert "(only alice sees this) Good news: your suggested question #1 was approved by ada" in out
    assert "Approved suggestion #1 from alice: it joins this workspace's rotation as ws-1. alice was told." in out
    assert "Turned off: caching." in out and "  off  caching" in out
    [reveal] = reveals_in(out)
    assert "A TTL bounds how stale a read can be" in reveal.text and "(Suggested by alice)" in reveal.text
