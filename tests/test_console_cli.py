"""The terminal console and the `qotd` command line, driven as real subprocesses through a pipe.

Every test starts `python -m bot ...` with a scripted stdin and asserts on the plain text that a
person at the terminal would read. The main scenario also runs on PostgreSQL when
TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.question_bank import Question, load_bank
from bot.time_format import local_and_utc
from tests.support import PG_URL, REPO, create_pg_database, drop_pg_database

MONDAY_0600 = "2026-11-23T06:00:00Z"  # Monday 23 Nov 2026, 07:00 in Berlin
RULE = "─" * 64
TIMEOUT = 60
FIRST_TICK_SECONDS = 1.5
SETUP = "/qotd setup time=09:00 tz=Europe/Berlin days=mon-fri reveal=8h"
SCHEDULE_LINE = "09:00 Europe/Berlin, mon-fri, reveal after 8h, thread mode, all topics, difficulty 1-3"


# ---------------------------------------------------------------------------- running the CLI
def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without database or platform settings; data goes to tmp_path."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "DATABASE_URL" and not key.startswith(("DISCORD_", "SLACK_", "QOTD_"))
    }
    env["QOTD_DATA_DIR"] = str(tmp_path / "data")
    env.update(extra)
    return env


def qotd(tmp_path: Path, *args: str, script: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO,
        input=script,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
        env=env if env is not None else clean_env(tmp_path),
    )


def qotd_after_first_tick(tmp_path: Path, *args: str, script: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run a real-clock console (`qotd run`, or `qotd console` without --clock), typing only once it is up.

    Without --clock the console starts the scheduler, whose first tick runs at once. These tests wait
    for the banner and a moment more before typing, so what they check does not depend on racing that
    tick (test_e_run_quits_cleanly_without_a_traceback races it on purpose).
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env if env is not None else clean_env(tmp_path),
    )
    try:
        banner = proc.stdout.readline()
        time.sleep(FIRST_TICK_SECONDS)
        out, err = proc.communicate(script, timeout=TIMEOUT)
    except BaseException:
        proc.kill()
        proc.communicate()
        raise
    return proc.returncode, banner + out, err


def console(tmp_path: Path, db: str, script: str, *, clock: str | None = MONDAY_0600, seed: int = 3) -> str:
    args = ["console", "--db", db, "--seed", str(seed)]
    if clock is not None:
        args += ["--clock", clock]
    result = qotd(tmp_path, *args, script=textwrap.dedent(script).lstrip())
    assert result.returncode == 0, f"console failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout.rstrip().endswith("Bye."), result.stdout[-2000:]
    return result.stdout


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    """A database URL the console can use: a fresh SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/q.db"
        return
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set; PostgreSQL tests are skipped")
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
def sqlite_db(tmp_path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/q.db"


# ---------------------------------------------------------------------------- reading the output
@dataclass
class Post:
    seq: int
    when: str  # "Mon 23 Nov 09:00 CET (08:00 UTC)"
    header: str
    text: str


@dataclass
class Reveal:
    seq: int
    when: str  # "Mon 23 Nov 16:00 UTC"
    text: str
    on_time: list[str] = field(default_factory=list)


def framed_blocks(out: str) -> list[list[str]]:
    """The blocks the console prints between two rule lines (questions and reveals)."""
    blocks, current = [], None
    for line in out.splitlines():
        if line == RULE:
            if current is None:
                current = []
            else:
                blocks.append(current)
                current = None
        elif current is not None:
            current.append(line)
    assert current is None, "unterminated block in the output"
    return blocks


def posts_in(out: str) -> list[Post]:
    found = []
    for block in framed_blocks(out):
        if not block[0].startswith("#general · "):
            continue
        match = re.match(r"(Question|Bonus question) #(\d+) · ", block[1])
        assert match, block[:2]
        found.append(Post(seq=int(match[2]), when=block[0].removeprefix("#general · "), header=block[1], text="\n".join(block)))
    return found


def reveals_in(out: str) -> list[Reveal]:
    found = []
    for block in framed_blocks(out):
        match = re.match(r"Reveal · question #(\d+) · (.+)$", block[0])
        if not match:
            continue
        reveal = Reveal(seq=int(match[1]), when=match[2], text="\n".join(block))
        for line in block:
            on_time = re.match(r"Answered on time \((\d+)\): (.+)$", line)
            if on_time:
                reveal.on_time = on_time[2].split(", ")
                assert len(reveal.on_time) == int(on_time[1])
        found.append(reveal)
    return found


def streak_lines(out: str) -> list[str]:
    """Replies to /qotd streak, in order, without the '(only X sees this)' prefix."""
    return [
        re.sub(r"^\s*\(only \S+ sees this\) ", "", line)
        for line in out.splitlines()
        if re.search(r"(You have|\S+ has) a streak of \d+", line)
    ]


def leaderboards(out: str) -> list[tuple[str, list[tuple[int, str, int]]]]:
    """Each leaderboard printed: its title and (rank, name, value) rows."""
    boards = []
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Leaderboard — "):
            rows = []
            for row in lines[i + 1 :]:
                match = re.match(r"^\s+(\d+)\. (\S+) — (\d+)(  ← you)?$", row)
                if not match:
                    break
                rows.append((int(match[1]), match[2], int(match[3])))
            boards.append((line, rows))
    return boards


def private_lines(out: str, member: str) -> list[str]:
    marker = f"(only {member} sees this) "
    return [line.split(marker, 1)[1] for line in out.splitlines() if marker in line]


def indented(text: str) -> str:
    return textwrap.indent(text.rstrip(), "  ")


@pytest.fixture(scope="module")
def bank():
    return load_bank(REPO / "content")


def question_posted(bank, post: Post) -> Question:
    matches = [q for q in bank.questions.values() if indented(q.question) in post.text]
    assert len(matches) == 1, f"cannot tell which bank question #{post.seq} is:\n{post.text}"
    return matches[0]


# ---------------------------------------------------------------------------- a. a full week
WEEK = f"""
    # Monday 23 Nov 2026, 06:00 UTC. alice acts first, so she is the admin.
    /as alice
    {SETUP}
    /as bob
    /advance 2h
    bob monday
    /as alice
    alice monday
    /advance 8h
    # Tuesday: only alice answers; bob's streak must survive until the reveal.
    /advance 16h
    alice tuesday
    /as bob
    /qotd streak
    /advance 8h
    /qotd streak
    /as alice
    /qotd streak bob
    # Wednesday
    /advance 16h
    /as bob
    bob wednesday
    /as alice
    alice wednesday
    /advance 8h
    # Thursday
    /advance 16h
    alice thursday
    /as bob
    bob thursday
    /advance 8h
    # Friday
    /advance 16h
    bob friday
    /as alice
    alice friday
    /advance 8h
    /qotd streak alice
    /qotd streak bob
    /qotd leaderboard week answers
    # The weekend: nothing is posted and nobody's streak breaks.
    /advance 1d
    /now
    /advance 1d
    /qotd streak alice
    /qotd streak bob
    /qotd status
    # Monday 30 Nov
    /advance 16h
    alice monday again
    /as bob
    bob monday again
    /advance 8h
    /qotd leaderboard
    /qotd leaderboard week answers
    /qotd streak alice
    /qotd streak bob
    /quit
    this line comes after /quit and must be ignored
"""


def test_a_full_simulated_week(tmp_path, db, bank):
    out = console(tmp_path, db, WEEK)

    assert "Now acting as alice (admin)." in out
    assert "Now acting as bob." in out and "Now acting as bob (admin)." not in out
    assert f"Scheduled: {SCHEDULE_LINE}." in out

    # Posts only on weekdays: Mon..Fri, nothing on the weekend, then Monday again.
    posts = posts_in(out)
    assert [p.seq for p in posts] == [1, 2, 3, 4, 5, 6]
    assert [p.when for p in posts] == [
        "Mon 23 Nov 09:00 CET (08:00 UTC)",
        "Tue 24 Nov 09:00 CET (08:00 UTC)",
        "Wed 25 Nov 09:00 CET (08:00 UTC)",
        "Thu 26 Nov 09:00 CET (08:00 UTC)",
        "Fri 27 Nov 09:00 CET (08:00 UTC)",
        "Mon 30 Nov 09:00 CET (08:00 UTC)",
    ]
    assert all(p.header.startswith(f"Question #{p.seq} · ") for p in posts), "scheduled posts are not bonus questions"
    assert not [p for p in posts if p.when.startswith(("Sat", "Sun"))]
    assert "Clock: Sat 28 Nov 17:00 CET (16:00 UTC)" in out
    assert "Next question: Mon 30 Nov 09:00 CET (08:00 UTC)." in out  # /qotd status on Sunday
    questions = [question_posted(bank, p) for p in posts]
    assert len({q.id for q in questions}) == 6, "a question was repeated within the week"

    # Each reveal: the reference answer, the key points, who answered on time.
    reveals = reveals_in(out)
    assert [r.seq for r in reveals] == [1, 2, 3, 4, 5, 6]
    assert [r.when for r in reveals] == [
        "Mon 23 Nov 16:00 UTC",
        "Tue 24 Nov 16:00 UTC",
        "Wed 25 Nov 16:00 UTC",
        "Thu 26 Nov 16:00 UTC",
        "Fri 27 Nov 16:00 UTC",
        "Mon 30 Nov 16:00 UTC",
    ]
    for reveal, question in zip(reveals, questions):
        assert "Reference answer:\n" + indented(question.answer) in reveal.text, f"reveal #{reveal.seq}"
        assert "Key points:" in reveal.text
        for point in question.key_points:
            assert f"  • {point}" in reveal.text, f"reveal #{reveal.seq} lacks key point {point!r}"
        assert f"Question #{reveal.seq} is closed." in reveal.text
    assert [r.on_time for r in reveals] == [
        ["bob", "alice"],
        ["alice"],
        ["bob", "alice"],
        ["alice", "bob"],
        ["bob", "alice"],
        ["alice", "bob"],
    ]

    # Answers appear in the thread as they come, acknowledged privately with the streak.
    for line in ("bob: bob monday", "alice: alice tuesday", "bob: bob friday", "alice: alice monday again"):
        assert f"  ↳ [thread] {line}" in out
    assert [line for line in private_lines(out, "alice") if line.startswith("Answer recorded")] == [
        f"Answer recorded for question #{n}. Your streak is {n}."
        + (" You earned a streak freeze (it keeps your streak if you miss a day)." if n == 5 else "")
        for n in range(1, 7)
    ]
    assert [line for line in private_lines(out, "bob") if line.startswith("Answer recorded")] == [
        "Answer recorded for question #1. Your streak is 1.",
        "Answer recorded for question #3. Your streak is 1.",
        "Answer recorded for question #4. Your streak is 2.",
        "Answer recorded for question #5. Your streak is 3.",
        # Fri then Mon: the weekend did not break it; his fifth on-time answer earns a freeze.
        "Answer recorded for question #6. Your streak is 4. You earned a streak freeze (it keeps your streak if you miss a day).",
    ]

    streaks = streak_lines(out)
    assert len(streaks) == 9, streaks
    # Tuesday, question #2 still open and bob has not answered: his streak still stands.
    assert streaks[0].startswith("You have a streak of 1 (longest 1)")
    # After #2's reveal bob's streak is reset.
    assert streaks[1].startswith("You have a streak of 0 (longest 1)")
    assert streaks[2].startswith("bob has a streak of 0 (longest 1)")
    # Friday evening and again on Sunday: the weekend changes nothing.
    assert streaks[3].startswith("You have a streak of 5 (longest 5), 5 on-time")  # alice asks about herself
    assert streaks[4].startswith("bob has a streak of 3 (longest 3), 4 on-time")
    assert streaks[5].startswith("You have a streak of 5 (longest 5)")
    assert streaks[6].startswith("bob has a streak of 3 (longest 3)")
    # Monday: both answered Friday and Monday, so both streaks carried over the weekend.
    assert streaks[7].startswith("alice has a streak of 6 (longest 6), 6 on-time and 0 late answers, 90 points")
    assert streaks[8].startswith("You have a streak of 4 (longest 4), 5 on-time and 0 late answers, 62 points")

    boards = leaderboards(out)
    assert boards == [
        ("Leaderboard — on-time answers, this week", [(1, "alice", 5), (2, "bob", 4)]),  # Friday
        # 10 points plus 2 per question already in the streak:
        # alice 10+12+14+16+18+20, bob 10 (Mon) + 10+12+14 (Wed-Fri) + 16 (Mon).
        ("Leaderboard — points, all time", [(1, "alice", 90), (2, "bob", 62)]),
        ("Leaderboard — on-time answers, this week", [(1, "alice", 1), (1, "bob", 1)]),  # a new week
    ]
    assert "this line comes after /quit" not in out


# ---------------------------------------------------------------------------- b. bad input
def test_b_bad_input_changes_nothing_and_says_what_is_wrong(tmp_path, sqlite_db):
    long_answer = "x" * 4001
    limit_answer = "y" * 4000
    out = console(
        tmp_path,
        sqlite_db,
        f"""
        /as alice
        {SETUP}
        /qotd setup tz=Mars/Olympus
        /qotd setup time=25:00
        /qotd setup days=funday
        /qotd setup reveal=-1h
        /qotd setup topics=astrology
        /qotd setup time=10:00 tz=Mars/Olympus
        /qotd status
        /as bob
        /qotd setup time=10:00 reveal=1h
        /qotd status
        /foo
        /advance soon
        /advance 2h
        {long_answer}
        /qotd streak
        {limit_answer}
        /qotd streak
        """,
    )
    alice = private_lines(out, "alice")
    sorry = [line for line in alice if line.startswith("Sorry")]
    assert len(sorry) == 6, sorry
    for line, bad in zip(sorry, ["'Mars/Olympus'", "'25:00'", "'funday'", "'-1h'", "'astrology'", "'Mars/Olympus'"]):
        assert bad in line, f"{line!r} does not name {bad}"
    assert "time zone" in sorry[0] and "Europe/Berlin" in sorry[0], "the message should say how to fix it"

    # The schedule is still the first one, for the admin and for everyone else.
    statuses = [line for line in out.splitlines() if "Schedule (active):" in line]
    assert len(statuses) == 2
    assert all(SCHEDULE_LINE in line for line in statuses), statuses
    assert out.count("Next question: Mon 23 Nov 09:00 CET (08:00 UTC).") == 3  # setup + two statuses
    assert "Schedule updated" not in out

    bob = private_lines(out, "bob")
    assert bob[0].startswith("Sorry, only admins can use /qotd setup")
    assert "Unknown console command '/foo'. Type /help" in out
    assert "Sorry," in out.split("Unknown console command '/foo'")[1].splitlines()[1]  # /advance soon
    assert "soon" in out.split("Unknown console command '/foo'")[1].splitlines()[1]

    # The schedule still posts at 09:00 Berlin, with the 8h reveal.
    [post] = posts_in(out)
    assert post.when == "Mon 23 Nov 09:00 CET (08:00 UTC)"
    assert "Reveal: Mon 23 Nov 17:00 CET (16:00 UTC)." in post.text

    # Too long: refused with its length, nothing saved, nothing echoed. At the limit: accepted.
    refused = [line for line in bob if "4,001" in line]
    assert refused == ["Sorry, your answer is 4,001 characters; the limit is 4,000. Nothing was saved — shorten it and send it again."]
    assert long_answer not in out
    assert f"  ↳ [thread] bob: {limit_answer}" in out
    after_refusal = bob[bob.index(refused[0]) + 1]
    assert after_refusal.startswith("You have not answered a question here yet"), after_refusal
    assert streak_lines(out) == ["You have a streak of 1 (longest 1), 1 on-time and 0 late answers, 10 points."]


def clock_lines_between(start: datetime, end: datetime, zone: str, offset: timedelta = timedelta()) -> set[str]:
    """Every 'Clock: ...' line the console could print for a real instant in [start, end], shifted by offset."""
    instant = (start + offset).replace(second=0, microsecond=0) - timedelta(minutes=1)
    lines = set()
    while instant <= end + offset + timedelta(minutes=1):
        lines.add(f"Clock: {local_and_utc(instant, zone)}")
        instant += timedelta(minutes=1)
    return lines


def test_b_without_clock_the_console_follows_real_time_and_advance_jumps_it(tmp_path, sqlite_db):
    """The README's first session, on the real clock: /advance 7d plays a week, with the scheduler ticking too."""
    script = textwrap.dedent(
        """
        /now
        /as alice
        /qotd setup time=09:00 tz=Europe/Berlin days=mon-fri reveal=8h
        /qotd post
        I would add an index
        /as bob
        A covering index
        /as alice
        /qotd reveal
        /advance 7d
        /qotd streak
        /now
        /quit
        """
    ).lstrip()
    started = datetime.now(timezone.utc)
    code, out, err = qotd_after_first_tick(tmp_path, "console", "--db", sqlite_db, script=script)
    finished = datetime.now(timezone.utc)
    assert code == 0, err
    assert "Traceback" not in err, err
    clocks = [line for line in out.splitlines() if line.startswith("Clock: ")]
    assert clocks[0] in clock_lines_between(started, finished, "UTC"), clocks[0]
    week_later = clock_lines_between(started, finished, "Europe/Berlin", timedelta(days=7))
    assert clocks[-2] in week_later and clocks[-1] in week_later, clocks[-2:]

    assert "Sorry" not in out  # alice acted first, so she is the admin

    posts = posts_in(out)
    assert [p.seq for p in posts] == [1, 2, 3, 4, 5, 6], "each question exactly once, ticker or not"
    assert posts[0].header.startswith("Bonus question #1 · ")
    scheduled = posts[1:]
    assert all(p.header.startswith(f"Question #{p.seq} · ") for p in scheduled)
    for post in scheduled:
        assert re.match(r"(Mon|Tue|Wed|Thu|Fri) \d\d \w{3} 09:00 CES?T \(0[78]:00 UTC\)$", post.when), post.when
    assert len({p.when[:10] for p in scheduled}) == 5, "one question per weekday"

    reveals = reveals_in(out)
    assert [r.seq for r in reveals] == list(range(1, len(reveals) + 1)), "reveals in order"
    assert len(reveals) >= 5  # the bonus question and at least four weekdays (the fifth may still be open)
    assert reveals[0].on_time == ["alice", "bob"]
    assert streak_lines(out)[0].startswith("You have a streak of 0 (longest 1), 1 on-time")  # bob missed the week


# ---------------------------------------------------------------------------- c. private mode
def test_c_private_mode_shows_answers_only_at_the_reveal(tmp_path, sqlite_db):
    out = console(
        tmp_path,
        sqlite_db,
        """
        /as alice
        /qotd setup time=09:00 tz=Europe/Berlin days=daily reveal=8h mode=private
        /advance 2h
        /as bob
        bob's secret answer
        /as carol
        carol's secret answer
        /advance 8h
        """,
    )
    [post] = posts_in(out)
    assert "Type a line to answer privately; all answers are shown together at the reveal." in post.text
    before, _, after = out.partition("Reveal · question #1")
    assert after, "question #1 was not revealed"
    assert "↳ [thread]" not in out
    assert "secret answer" not in before
    for member in ("bob", "carol"):
        assert private_lines(before, member) == [
            "Answer saved privately for question #1; everyone's answers are shown together at the reveal. Your streak is 1."
        ]
    [reveal] = reveals_in(out)
    assert "Answers:\n  bob: bob's secret answer\n  carol: carol's secret answer\n" in reveal.text
    assert reveal.on_time == ["bob", "carol"]


# ---------------------------------------------------------------------------- d. late answers
def test_d_late_answers_are_marked_and_earn_nothing(tmp_path, sqlite_db):
    out = console(
        tmp_path,
        sqlite_db,
        """
        /as alice
        /qotd setup time=09:00 tz=Europe/Berlin days=daily reveal=8h
        /advance 2h
        /as bob
        bob on time
        /advance 8h
        /as carol
        carol too late
        /qotd streak
        /advance 16h
        /advance 8h
        /as bob
        bob late for two
        /qotd streak
        /qotd leaderboard
        """,
    )
    reveals = reveals_in(out)
    assert [(r.seq, r.on_time) for r in reveals] == [(1, ["bob"]), (2, [])]
    assert "Nobody answered this one on time." in reveals[1].text
    assert "  ↳ [thread] bob: bob on time" in out
    assert "  ↳ [thread] carol (late): carol too late" in out
    assert "  ↳ [thread] bob (late): bob late for two" in out
    assert private_lines(out, "carol")[0] == (
        "Saved as a late answer: question #1 was already revealed. Late answers are kept but earn no streak or points."
    )
    assert any(line.startswith("Saved as a late answer: question #2") for line in private_lines(out, "bob"))
    streaks = streak_lines(out)
    assert streaks[0].startswith("You have a streak of 0 (longest 0), 0 on-time and 1 late answers, 0 points")
    assert streaks[1].startswith("You have a streak of 0 (longest 1), 1 on-time and 1 late answers, 10 points")
    [(title, rows)] = leaderboards(out)
    assert title == "Leaderboard — points, all time"
    assert rows[0] == (1, "bob", 10)
    assert all(points == 0 for _, name, points in rows if name == "carol")


# ---------------------------------------------------------------------------- e. qotd run
def test_e_run_without_tokens_starts_the_console_on_the_default_sqlite_file(tmp_path):
    code, out, err = qotd_after_first_tick(tmp_path, "run", script="/qotd help\n/quit\n")
    assert code == 0, err
    assert out.startswith("qotd console — channel #general.")
    assert "(only you see this) qotd — a question of the day" in out  # the bot's help
    assert "/qotd setup key=value" in out and "/qotd help setup" in out
    assert out.rstrip().endswith("Bye.")
    assert "Traceback" not in err, err
    assert (tmp_path / "data" / "qotd.sqlite3").is_file()


def test_e_run_quits_cleanly_without_a_traceback(tmp_path):
    """`qotd run` fed a script on a pipe, several times at once: each must exit 0, promptly and quietly.

    The first tick starts at once, so a piped /quit arrives while it runs. Before the scheduler's clean stop
    (bot/scheduler.py Ticker.stop) this logged an APScheduler ERROR with a CancelledError traceback, and about
    one run in four never exited (asyncio.run's teardown waited on SQLAlchemy's aiosqlite connection close).
    """
    runs = []
    for n in range(4):
        env = clean_env(tmp_path / f"run{n}")
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        proc.stdin.write("/qotd help\n/quit\n")  # /quit reaches every run at once, before any is awaited
        proc.stdin.flush()
        runs.append(proc)
    problems = []
    for n, proc in enumerate(runs):
        try:
            _, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
            problems.append(f"run {n}: still running 15 s after /quit")
        if proc.returncode not in (0, -9):
            problems.append(f"run {n}: exit code {proc.returncode}")
        if "Traceback" in err or "ERROR" in err:
            problems.append(f"run {n}: {err.splitlines()[0]}")
    assert problems == []


def test_e_run_with_a_discord_token_starts_discord_not_the_console(tmp_path):
    secret = "s3cr3t-token-value-DO-NOT-PRINT"
    env = clean_env(tmp_path, DISCORD_TOKEN=secret, DISCORD_API_BASE="http://127.0.0.1:9/api/v10")
    result = qotd(tmp_path, "run", script="/qotd help\n/quit\n", env=env)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "could not reach Discord at http://127.0.0.1:9/api/v10" in errors[0]
    assert "Traceback" not in result.stderr
    assert secret not in result.stderr and secret not in result.stdout
    assert "qotd console" not in result.stdout, "the console must not start"


def test_e_run_with_a_slack_token_starts_slack_not_the_console(tmp_path):
    secret = "xoxb-s3cr3t-token-value-DO-NOT-PRINT"
    env = clean_env(tmp_path, SLACK_BOT_TOKEN=secret, SLACK_SIGNING_SECRET="sign", SLACK_API_URL="http://127.0.0.1:9/api/")
    result = qotd(tmp_path, "run", script="/qotd help\n/quit\n", env=env)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "could not reach Slack at http://127.0.0.1:9/api/" in errors[0]
    assert secret not in result.stderr and secret not in result.stdout
    assert "qotd console" not in result.stdout


def test_e_run_with_both_platforms_starts_both_in_one_process_and_fails_as_one(tmp_path):
    """Discord and Slack together: a platform that cannot start stops the process with one clear line."""
    secret = "s3cr3t-token-value-DO-NOT-PRINT"
    env = clean_env(
        tmp_path, DISCORD_TOKEN=secret + "-discord", DISCORD_API_BASE="http://127.0.0.1:9/api/v10",
        SLACK_BOT_TOKEN="xoxb-" + secret, SLACK_SIGNING_SECRET="sign", SLACK_API_URL="http://127.0.0.1:9/api/",
    )
    result = qotd(tmp_path, "run", script="/qotd help\n/quit\n", env=env)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "could not reach Slack" in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert secret not in result.stderr and secret not in result.stdout
    assert "qotd console" not in result.stdout, "the console must not start"


def test_e_run_with_half_a_slack_configuration_says_what_is_missing(tmp_path):
    env = clean_env(tmp_path, SLACK_BOT_TOKEN="xoxb-s3cr3t-DO-NOT-PRINT")
    result = qotd(tmp_path, "run", script="/quit\n", env=env)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "SLACK_SIGNING_SECRET" in errors[0] and "SLACK_APP_TOKEN" in errors[0]
    assert "DO-NOT-PRINT" not in result.stderr


# ---------------------------------------------------------------------------- f. persistence
def test_f_state_persists_across_console_restarts(tmp_path, db):
    first = console(
        tmp_path,
        db,
        f"""
        /as alice
        {SETUP}
        /advance 2h
        answer from the first run
        """,
    )
    assert [p.seq for p in posts_in(first)] == [1]
    second = console(
        tmp_path,
        db,
        """
        /as bob
        /qotd status
        /qotd streak alice
        /advance 8h
        """,
        clock="2026-11-23T10:00:00Z",
    )
    assert f"Schedule (active): {SCHEDULE_LINE}." in second
    assert "Open question: #1" in second and "reveal Mon 23 Nov 17:00 CET (16:00 UTC)" in second
    assert streak_lines(second)[0].startswith("alice has a streak of 1 (longest 1), 1 on-time")
    assert posts_in(second) == [], "question #1 must not be posted again"
    [reveal] = reveals_in(second)
    assert (reveal.seq, reveal.on_time) == (1, ["alice"])


# ---------------------------------------------------------------------------- g. db commands
def test_g_db_upgrade_then_current(tmp_path, db):
    from alembic.script import ScriptDirectory

    from bot.db.engine import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    upgraded = qotd(tmp_path, "db", "upgrade", "--db", db)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"schema at revision {head}" in upgraded.stdout
    current = qotd(tmp_path, "db", "current", "--db", db)
    assert current.returncode == 0, current.stderr
    assert current.stdout.strip().endswith(f"schema at revision {head}")
    password = make_url(db).password
    if password:
        assert password not in current.stdout + upgraded.stdout, "the database password must not be printed"
