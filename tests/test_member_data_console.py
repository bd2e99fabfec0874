"""Reports, export and forget-me in the terminal console, driven as a real subprocess through a pipe.

The console writes a reply's files into `$QOTD_DATA_DIR/exports/` and prints their paths.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import replace
from datetime import date
from pathlib import Path

from bot.config import Settings
from bot.report_chart import PNG_SIGNATURE
from bot.services.member_data import confirmation_code
from tests.test_console_cli import MONDAY_0600, SETUP, clean_env, qotd

SECRET = "console-test-secret"


def run(tmp_path: Path, script: str) -> str:
    env = clean_env(tmp_path, QOTD_SECRET=SECRET)
    db = f"sqlite+aiosqlite:///{tmp_path}/q.db"
    result = qotd(tmp_path, "console", "--db", db, "--seed", "3", "--clock", MONDAY_0600, script=textwrap.dedent(script).lstrip(), env=env)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stdout + result.stderr
    return result.stdout


def saved(out: str) -> list[Path]:
    return [Path(p) for p in re.findall(r"saved (\S+) \([\d,]+ bytes\)", out)]


def test_console_reports_exports_and_forgets_with_files_in_the_data_directory(tmp_path):
    settings = replace(Settings.from_env({}), secret=SECRET)
    code = confirmation_code(settings, "console", "local", "bob", date(2026, 11, 23))
    out = run(
        tmp_path,
        f"""
        /as alice
        {SETUP}
        /advance 2h
        alice's answer
        /as bob
        bob's answer
        /as alice
        /advance 8h
        /qotd report team
        /as bob
        /qotd report
        /qotd export
        /qotd forget-me
        /qotd forget-me confirm={code}
        /qotd leaderboard
        """,
    )
    exports = tmp_path / "data" / "exports"
    files = saved(out)
    assert [f.suffix for f in files] == [".png", ".json", ".csv"], out
    assert all(f.parent == exports and f.exists() for f in files)
    assert files[0].read_bytes().startswith(PNG_SIGNATURE)
    assert "Team report — this channel, last 8 weeks" in out and "1 question, 2 on-time answers from 2 members" in out
    assert "(only bob sees this) Your report (this workspace)" in out
    document = json.loads(files[1].read_text())
    assert document["member_id"] == "bob" and [a["text"] for a in document["tables"]["answers"]] == ["bob's answer"]
    assert "bob's answer" in files[2].read_text()
    assert f"/qotd forget-me confirm={code}" in out  # the console has no buttons: the code is typed
    assert "Done: deleted" in out and "Messages already posted stay there" in out
    board = out.split("Leaderboard")[-1]
    assert "alice" in board and "bob" not in board
