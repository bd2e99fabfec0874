"""`qotd schedule preview` and `qotd content validate`, run as real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import REPO


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("QOTD_")}
    env.update(extra)
    return env


def qotd(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def preview(*args: str) -> subprocess.CompletedProcess:
    return qotd("schedule", "preview", *args)


# ---------------------------------------------------------------- schedule preview


def test_preview_spring_forward_in_berlin():
    result = preview("--time", "02:30", "--tz", "Europe/Berlin", "--days", "daily", "--from", "2026-03-28", "--count", "3")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "2026-03-28T01:30:00Z\n2026-03-29T01:30:00Z\n2026-03-30T00:30:00Z\n"


def test_preview_fall_back_prints_one_line_per_day():
    # New York 2026-11-01: 01:30 happens twice (EDT, then EST); only the first counts
    result = preview("--time", "01:30", "--tz", "America/New_York", "--from", "2026-10-31", "--count", "3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]


def test_preview_fall_back_with_a_half_hour_offset():
    result = preview("--time", "01:30", "--tz", "America/St_Johns", "--from", "2026-10-31", "--count", "3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["2026-10-31T04:00:00Z", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z"]


def test_preview_weekdays_skip_the_weekend():
    # 2026-03-27 is a Friday
    result = preview("--time", "09:00", "--tz", "Europe/Berlin", "--days", "mon-fri", "--from", "2026-03-27", "--count", "4")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "2026-03-27T08:00:00Z",
        "2026-03-30T07:00:00Z",
        "2026-03-31T07:00:00Z",
        "2026-04-01T07:00:00Z",
    ]


def test_preview_default_days_and_count():
    result = preview("--time", "02:30", "--tz", "Asia/Kathmandu", "--from", "2026-03-28")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"2026-{day}T20:45:00Z" for day in (
        "03-27", "03-28", "03-29", "03-30", "03-31", "04-01", "04-02",
    )]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--time", "09:00", "--tz", "Mars/Olympus"),
            "qotd: unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/Berlin\n",
        ),
        (("--time", "09:00", "--tz", "../etc"), "qotd: unknown time zone '../etc'; use an IANA name such as Europe/Berlin\n"),
        (("--time", "25:00", "--tz", "UTC"), "qotd: time '25:00' is not a valid time of day; use 00:00 to 23:59\n"),
        (("--time", "9am", "--tz", "UTC"), "qotd: time '9am' is not HH:MM (24-hour), e.g. time=09:00\n"),
        (("--time", "09:00", "--tz", "UTC", "--from", "2026-02-30"), "qotd: --from '2026-02-30' is not a date like 2026-03-29\n"),
        (("--time", "09:00", "--tz", "UTC", "--from", "tomorrow"), "qotd: --from 'tomorrow' is not a date like 2026-03-29\n"),
        (
            ("--time", "09:00", "--tz", "UTC", "--days", "funday"),
            "qotd: days 'funday': 'funday' is not a week day; use daily, mon-fri, or a list like mon,wed,fri\n",
        ),
        (("--time", "09:00", "--tz", "UTC", "--count", "0"), "qotd: --count must be between 1 and 1000\n"),
    ],
)
def test_preview_bad_input_exits_2_naming_the_value(args, message):
    result = preview(*args)
    assert result.returncode == 2
    assert result.stderr == message
    assert result.stdout == ""


# ---------------------------------------------------------------- content validate


def words(n: int) -> str:
    return " ".join(f"w{i}" for i in range(n))


def question(qid: str, topic: str = "databases", difficulty: str = "1", kind: str = "concept") -> str:
    return (
        f"- id: {qid}\n"
        f"  topic: {topic}\n"
        f"  tags: [practice]\n"
        f"  difficulty: {difficulty}\n"
        f"  kind: {kind}\n"
        f"  question: What is {qid}?\n"
        f"  answer: {words(70)}\n"
        f"  key_points: [one, two, three]\n"
    )


@pytest.fixture
def valid_bank(tmp_path) -> Path:
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "databases.yaml").write_text(
        question("db-one") + "\n" + question("db-two", difficulty="2") + "\n" + question("db-three", difficulty="2"),
        encoding="utf-8",
    )
    (bank / "caching.yaml").write_text(question("cache-one", topic="caching", difficulty="3"), encoding="utf-8")
    return bank


TABLE = [
    "topic                 d1  d2  d3  total",
    "databases              1   2   0      3",
    "caching                0   0   1      1",
    "total                  1   2   1      4",
]


def test_validate_a_valid_bank_prints_the_table(valid_bank):
    result = qotd("content", "validate", str(valid_bank))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [*TABLE, f"OK: 4 questions in {valid_bank}"]


def test_validate_defaults_to_the_configured_content_dir(valid_bank):
    result = qotd("content", "validate", QOTD_CONTENT_DIR=str(valid_bank))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [*TABLE, f"OK: 4 questions in {valid_bank}"]


def test_validate_a_single_file(valid_bank):
    path = valid_bank / "caching.yaml"
    result = qotd("content", "validate", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "topic                 d1  d2  d3  total",
        "caching                0   0   1      1",
        "total                  0   0   1      1",
        f"OK: 1 question in {path}",
    ]


def test_validate_a_broken_bank_exits_1_with_file_and_line(valid_bank):
    broken = valid_bank / "zz-broken.yaml"
    broken.write_text(
        question("broken-one", difficulty="5") + "\n" + question("db-one", topic="astrology"),
        encoding="utf-8",
    )
    result = qotd("content", "validate", str(valid_bank))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{broken}:4: difficulty: '5' must be 1, 2 or 3",
        f"{broken}:11: topic: unknown topic 'astrology' (known: apis-http, nodejs, python-runtimes, databases, "
        "caching, messaging, distributed-systems, security, operations, cs-fundamentals, system-design, "
        "engineering-practice)",
    ]
    assert result.stderr.splitlines()[-1] == f"2 problem(s) found in {valid_bank}"
    assert "OK:" not in result.stdout


def test_validate_reports_yaml_syntax_errors_and_duplicates(valid_bank):
    (valid_bank / "dupe.yaml").write_text(question("cache-one", topic="caching"), encoding="utf-8")
    (valid_bank / "syntax.yaml").write_text("- id: x\n  topic: [databases\n", encoding="utf-8")
    result = qotd("content", "validate", str(valid_bank))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{valid_bank / 'dupe.yaml'}:1: duplicate id 'cache-one' (first defined at {valid_bank / 'caching.yaml'}:1)",
        f"{valid_bank / 'syntax.yaml'}:3: YAML syntax error: expected ',' or ']', but got '<stream end>'",
    ]
    assert result.stderr.splitlines()[-1] == f"2 problem(s) found in {valid_bank}"


def test_validate_a_missing_directory(tmp_path):
    missing = tmp_path / "nowhere"
    result = qotd("content", "validate", str(missing))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"{missing}:0: no such file or directory"]


def test_validate_the_shipped_bank():
    result = qotd("content", "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "topic                 d1  d2  d3  total"
    assert lines[-1].startswith("OK: ")
    assert lines[-1].endswith(f" questions in {REPO / 'content'}")
    assert int(lines[-1].split()[1]) >= 20
