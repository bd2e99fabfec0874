"""Streak freezes and `/qotd admin streak|audit` in the terminal console, run as a real subprocess."""

from __future__ import annotations

from tests.test_console_cli import MONDAY_0600, clean_env, private_lines, qotd

SCRIPT = """\
/as ada
/qotd setup time=09:00 tz=UTC days=daily reveal=8h
/as alice
/advance 3h
# Monday 09:00: alice answers and earns a freeze (one every answer here)
an index on user_id
/as ada
/advance 1d
# Tuesday's question closes tomorrow without alice's answer: her freeze keeps her streak
/advance 1d
/qotd admin streak member=alice value=6 reason="restored after the outage"
/qotd admin streak member=carol value=1 reason=x
/qotd admin audit
/as alice
/qotd streak
/quit
"""


def test_the_console_earns_uses_and_fixes_streaks_with_an_audit_trail(tmp_path):
    env = clean_env(tmp_path, QOTD_FREEZE_EVERY="1")
    result = qotd(tmp_path, "console", "--clock", MONDAY_0600, "--seed", "1", script=SCRIPT, env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    alice = private_lines(out, "alice")
    assert any("You earned a streak freeze" in line for line in alice), alice
    assert "You missed question #2, so a streak freeze was used and your streak of 1 is safe." in out
    assert "alice's streak is now 6 (was 1); longest is now 6." in out
    assert "no member called 'carol' has answered in this channel yet" in out
    assert 'Wed 25 Nov 09:00 UTC — ada set alice\'s streak: 1 -> 6 · "restored after the outage"' in out
    assert "You have a streak of 6 (longest 6)" in out and "0 freezes held" in out
