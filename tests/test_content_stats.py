"""`qotd content stats`: coverage a maintainer can read, with the gaps named."""

from __future__ import annotations

import subprocess
import sys

from bot.content_stats import gaps, stats_report
from bot.question_bank import load_bank
from tests.support import REPO, make_bank


def test_gaps_name_thin_topics_missing_levels_and_kinds():
    bank = make_bank(per_topic=2, topics=["databases", "engineering-practice"])
    found = gaps(bank)
    assert "databases: 2 questions (aim for at least 10)" in found
    assert "databases: no difficulty 3" in found
    assert any(g.startswith("databases: no ") and "question" in g and "behavioral" not in g for g in found)
    assert "apis-http: 0 questions (aim for at least 10)" in found


def test_report_has_tables_and_says_when_there_are_no_gaps():
    report = stats_report(load_bank(REPO / "content"))
    assert "Questions per topic and difficulty:" in report and "Questions per topic and kind:" in report
    assert "Gaps: none" in report


def test_the_shipped_bank_meets_the_coverage_targets():
    bank = load_bank(REPO / "content")
    assert len(bank) >= 200
    for topic, counts in bank.counts().items():
        assert sum(counts.values()) >= 10, topic
        assert all(counts.get(level, 0) >= 2 for level in (1, 2, 3)), topic
    assert gaps(bank) == []


def test_stats_command_prints_the_report():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "content", "stats"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "Questions per topic and kind:" in result.stdout and "Gaps: none" in result.stdout
