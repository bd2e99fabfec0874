"""Spaced repetition: when a practice question should come back, from a member's own grades.

Pure rules, no database: `schedule_next(state, grade, now)` turns a question's
review state and a self-grade into the next state; the quiz service
(`bot/services/spaced_review.py`) stores the states and picks what to ask.

The algorithm is SM-2 with four grades instead of six:

- **again** (forgot it): the question comes back after `RELEARN_DELAY`, its
  run of successful reviews restarts from the first interval, and its ease
  drops; forgetting a question that had been recalled counts as a lapse.
- **hard / good / easy** (recalled it): the interval grows. The first success
  waits `FIRST_INTERVAL_DAYS[grade]`, the second `SECOND_INTERVAL_DAYS` (good),
  after that the last interval times the ease (good), times `HARD_FACTOR`
  (hard) or times the ease and `EASY_BONUS` (easy). Intervals are whole days,
  never shorter than the last one, good is always at least a day longer than
  the last interval, easy at least a day longer than good, and none is longer
  than `MAX_INTERVAL_DAYS`.
- The **ease** (how fast a question's intervals grow) starts at
  `INITIAL_EASE`, moves by `EASE_CHANGE[grade]` on every grade and stays within
  `MIN_EASE` and `MAX_EASE`.

So a missed question comes back within minutes and then at 1, 6, ... days,
while a known one waits longer each time.

Why SM-2 and not FSRS: FSRS predicts recall better once its weights are fitted
to a learner's history, but a member of a team quiz grades a few questions a
week, far too few to fit them, and with default weights its advantage mostly
goes away. SM-2's handful of rules is easy to explain in a reply ("due for
review since 2 days ago") and to check with property-based tests.

An on-time answer to the daily question is a first exposure, not a grade
(nobody graded it): `first_exposure(now)` schedules the question for its first
self-graded review `SEEN_REVIEW_DELAY` later, and leaves a question the member
already practises as it is.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

GRADES = ("again", "hard", "good", "easy")

# ---- the parameters, all in one place ----------------------------------------------------------------

# "again": how soon a forgotten question comes back (the same practice session or day).
RELEARN_DELAY = timedelta(minutes=10)
# Days until the next review after the first success (also the first after a lapse).
FIRST_INTERVAL_DAYS = {"hard": 1, "good": 1, "easy": 4}
# Days after the second success in a row graded good (SM-2's second interval).
SECOND_INTERVAL_DAYS = 6
# Ease: the factor by which a well-known question's interval grows on "good".
INITIAL_EASE = 2.5
MIN_EASE = 1.3  # SM-2's floor: below it questions come back too often to be useful
MAX_EASE = 3.5  # not in SM-2; stops a run of "easy" from sending a question away for years in a few steps
EASE_CHANGE = {"again": -0.20, "hard": -0.15, "good": 0.0, "easy": 0.15}
# "hard" grows the interval by this factor instead of the ease.
HARD_FACTOR = 1.2
# "easy" grows the interval by the ease and then by this bonus.
EASY_BONUS = 1.3
# No question waits longer than this between reviews.
MAX_INTERVAL_DAYS = 365
# A daily question answered on time is due for its first self-graded review this much later.
SEEN_REVIEW_DELAY = timedelta(days=1)
# Grades that count as "remembered" for retention; retention looks at the latest grades per topic.
RETAINED = frozenset({"good", "easy"})
RETENTION_WINDOW = 20


@dataclass(frozen=True)
class ReviewState:
    """A member's schedule for one question.

    `repetitions` counts successful reviews (hard, good or easy) since the last
    lapse; `interval_days` is the wait that was scheduled by the last review (0
    after a lapse or a first exposure).
    """

    due_at: datetime
    repetitions: int = 0
    ease: float = INITIAL_EASE
    interval_days: int = 0
    lapses: int = 0
    last_reviewed_at: datetime | None = None
    last_grade: str | None = None


def first_exposure(now: datetime) -> ReviewState:
    """A question the member has just seen for the first time without grading it (the daily question)."""
    return ReviewState(due_at=now + SEEN_REVIEW_DELAY)


def next_intervals(state: ReviewState | None) -> dict[str, int]:
    """Days until the next review for each successful grade (hard, good, easy) from `state`."""
    if state is None or state.repetitions == 0:
        hard, good, easy = (float(FIRST_INTERVAL_DAYS[g]) for g in ("hard", "good", "easy"))
        last = 0
    else:
        last = state.interval_days
        hard = last * HARD_FACTOR
        if state.repetitions == 1:
            good = float(SECOND_INTERVAL_DAYS)
            easy = SECOND_INTERVAL_DAYS * EASY_BONUS
        else:
            good = last * state.ease
            easy = last * state.ease * EASY_BONUS
    hard_days = max(_whole_days(hard), last, 1)
    good_days = max(_whole_days(good), hard_days, last + 1 if last else 1)
    easy_days = max(_whole_days(easy), good_days + 1)
    return {
        "hard": min(hard_days, MAX_INTERVAL_DAYS),
        "good": min(good_days, MAX_INTERVAL_DAYS),
        "easy": min(easy_days, MAX_INTERVAL_DAYS),
    }


def schedule_next(state: ReviewState | None, grade: str, now: datetime) -> ReviewState:
    """The state after the member graded the question `grade` at `now`; `state` None means never seen."""
    if grade not in GRADES:
        raise ValueError(f"grade must be one of {', '.join(GRADES)}, not {grade!r}")
    current = state or ReviewState(due_at=now)
    ease = min(MAX_EASE, max(MIN_EASE, current.ease + EASE_CHANGE[grade]))
    if grade == "again":
        return replace(
            current,
            due_at=now + RELEARN_DELAY,
            repetitions=0,
            ease=ease,
            interval_days=0,
            lapses=current.lapses + (1 if current.repetitions else 0),
            last_reviewed_at=now,
            last_grade=grade,
        )
    days = next_intervals(current)[grade]
    return replace(
        current,
        due_at=now + timedelta(days=days),
        repetitions=current.repetitions + 1,
        ease=ease,
        interval_days=days,
        last_reviewed_at=now,
        last_grade=grade,
    )


def retention(grades: Iterable[str]) -> float | None:
    """Share of remembered grades (good or easy); None when there are none."""
    listed = list(grades)
    if not listed:
        return None
    return sum(1 for g in listed if g in RETAINED) / len(listed)


def weakest_first(topics: Iterable[str], retention_by_topic: Mapping[str, float | None], rng: random.Random) -> list[str]:
    """Topics ordered weakest first: untried ones (no grades yet), then by lowest retention; ties in random order."""
    listed = sorted(set(topics))
    rng.shuffle(listed)

    def weakness(topic: str) -> tuple[int, float]:
        value = retention_by_topic.get(topic)
        return (0, 0.0) if value is None else (1, value)

    return sorted(listed, key=weakness)  # stable: the shuffle breaks ties


def _whole_days(days: float) -> int:
    """Round half up (2.5 -> 3), unlike Python's round()."""
    return int(days + 0.5)
