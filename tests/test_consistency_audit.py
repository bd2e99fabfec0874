"""`qotd audit`: clean after normal play; each kind of breach is found and named."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from sqlalchemy import update

from bot.consistency_audit import audit
from bot.db.tables import answers, member_stats, posts
from tests.conftest import ALICE, BOB
from tests.support import REPO
from tests.test_lifecycle import advance_to, answer, setup
from tests.test_streaks import play_day


async def run_audit(app, clock):
    return await audit(app.ctx.engine, clock.now())


async def play_a_week(app, clock):
    await setup(app)
    for who in [(ALICE, BOB), (ALICE,), (BOB,), (ALICE, BOB), ()]:
        await play_day(app, clock, *who)
    await advance_to(app, clock, 2)  # Saturday: no question
    assert (await answer(app, ALICE)).data["outcome"] == "late"  # Friday's, after its reveal


async def test_normal_play_is_clean(app, clock):
    await play_a_week(app, clock)
    report = await run_audit(app, clock)
    assert report.clean, report.breaches
    assert report.posts == 5 and report.members == 2 and report.answers == 7


async def test_tampered_stats_an_unrevealed_post_and_a_foreign_answer_are_each_reported(app, clock):
    await play_a_week(app, clock)
    async with app.ctx.engine.begin() as conn:
        await conn.execute(update(member_stats).where(member_stats.c.member_id == BOB.id).values(points=999, current_streak=7))
        await conn.execute(update(posts).where(posts.c.id == 1).values(status="posted"))
        await conn.execute(update(answers).where(answers.c.id == 1).values(workspace_id="someone-else"))
    report = await run_audit(app, clock)
    assert {b.check for b in report.breaches} == {"foreign answer", "stats", "unrevealed"}, report.breaches
    stats = [b.detail for b in report.breaches if b.check == "stats"]
    # alice's moved answer no longer counts for her here either
    assert len(stats) == 2 and "u-alice" in stats[0] and "on_time_answers 3 (history says 2)" in stats[0]
    assert "u-bob" in stats[1] and "points 999" in stats[1] and "current_streak 7" in stats[1]


async def test_a_reveal_in_flight_is_not_a_breach(app, clock):
    await setup(app)
    await advance_to(app, clock, 2)
    clock.advance(timedelta(hours=8, minutes=10))  # due, but the tick that reveals it has not run yet
    assert (await audit(app.ctx.engine, clock.now(), allowance=timedelta(minutes=2))).breaches[0].check == "unrevealed"
    assert (await audit(app.ctx.engine, clock.now(), allowance=timedelta(hours=1))).clean


def test_the_command_exits_0_when_clean_and_1_listing_each_breach(tmp_path):
    db = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "QOTD_DATA_DIR": str(tmp_path)}

    def qotd(*args):
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)

    assert qotd("db", "upgrade", "--db", db).returncode == 0
    clean = qotd("audit", "--db", db)
    assert clean.returncode == 0 and clean.stdout.startswith("OK: 0 posts"), clean.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / "q.sqlite3") as conn:
        conn.execute(
            "INSERT INTO member_stats (platform, workspace_id, channel_id, member_id, display_name, current_streak,"
            " longest_streak, on_time_answers, late_answers, points) VALUES ('test','t','c','m','M',3,3,3,0,30)"
        )
    broken = qotd("audit", "--db", db)
    assert broken.returncode == 1
    assert broken.stdout.startswith("stats: member m in test/t/c: current_streak 3 (history says 0)")
    assert "1 breach(es) found" in broken.stderr
