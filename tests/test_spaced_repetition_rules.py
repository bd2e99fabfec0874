"""Property-based tests of the spaced-repetition rules (bot/spaced_repetition.py): pure, no database."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.spaced_repetition import (
    EASE_CHANGE,
    FIRST_INTERVAL_DAYS,
    GRADES,
    INITIAL_EASE,
    MAX_EASE,
    MAX_INTERVAL_DAYS,
    MIN_EASE,
    RELEARN_DELAY,
    SECOND_INTERVAL_DAYS,
    SEEN_REVIEW_DELAY,
    ReviewState,
    first_exposure,
    next_intervals,
    retention,
    schedule_next,
    weakest_first,
)

UTC = timezone.utc
SUCCESS = ("hard", "good", "easy")

instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
)
grades = st.sampled_from(GRADES)


@st.composite
def states(draw) -> ReviewState:
    """Any state the rules can produce: ease in bounds, interval within the cap, a run of successes or none."""
    now = draw(instants)
    repetitions = draw(st.integers(0, 30))
    interval = 0 if repetitions == 0 else draw(st.integers(1, MAX_INTERVAL_DAYS))
    return ReviewState(
        due_at=now + timedelta(days=interval),
        repetitions=repetitions,
        ease=draw(st.floats(MIN_EASE, MAX_EASE, allow_nan=False)),
        interval_days=interval,
        lapses=draw(st.integers(0, 50)),
        last_reviewed_at=now,
        last_grade=draw(st.none() | grades),
    )


maybe_states = st.none() | states()
fast = settings(max_examples=60, deadline=None)


@fast
@given(maybe_states, grades, instants)
def test_the_next_review_is_always_in_the_future(state, grade, now):
    after = schedule_next(state, grade, now)
    assert after.due_at > now
    assert after.last_reviewed_at == now and after.last_grade == grade


@fast
@given(maybe_states, instants)
def test_a_missed_question_comes_back_sooner_than_any_remembered_one(state, now):
    """Again < hard <= good < easy (easy only ties good at the cap)."""
    due = {grade: schedule_next(state, grade, now).due_at for grade in GRADES}
    assert due["again"] == now + RELEARN_DELAY
    assert due["again"] < due["hard"] <= due["good"] <= due["easy"]
    if due["good"] < now + timedelta(days=MAX_INTERVAL_DAYS):
        assert due["good"] < due["easy"]


@fast
@given(maybe_states, instants)
def test_again_starts_the_question_over_and_lowers_its_ease(state, now):
    after = schedule_next(state, "again", now)
    assert after.repetitions == 0 and after.interval_days == 0
    before_ease = state.ease if state else INITIAL_EASE
    assert after.ease == pytest.approx(max(MIN_EASE, before_ease + EASE_CHANGE["again"]))
    recalled_before = bool(state and state.repetitions)
    assert after.lapses == (state.lapses if state else 0) + (1 if recalled_before else 0)


@fast
@given(states(), st.sampled_from(SUCCESS), instants)
def test_a_remembered_question_never_comes_back_sooner_than_last_time(state, grade, now):
    after = schedule_next(state, grade, now)
    assert after.repetitions == state.repetitions + 1
    assert 1 <= after.interval_days <= MAX_INTERVAL_DAYS
    assert after.interval_days >= min(state.interval_days, MAX_INTERVAL_DAYS)
    if grade != "hard" and state.repetitions and state.interval_days < MAX_INTERVAL_DAYS:
        assert after.interval_days > state.interval_days  # known ones later
    assert after.due_at == now + timedelta(days=after.interval_days)


@fast
@given(maybe_states, grades, instants)
def test_ease_stays_within_its_bounds_and_moves_with_the_grade(state, grade, now):
    after = schedule_next(state, grade, now)
    assert MIN_EASE <= after.ease <= MAX_EASE
    before = state.ease if state else INITIAL_EASE
    if grade in ("again", "hard"):
        assert after.ease <= before
    elif grade == "easy":
        assert after.ease >= before
    else:
        assert after.ease == pytest.approx(before)


@fast
@given(maybe_states, grades, instants)
def test_the_rules_are_pure(state, grade, now):
    assert schedule_next(state, grade, now) == schedule_next(state, grade, now)


@fast
@given(st.lists(grades, min_size=1, max_size=40), instants)
def test_any_history_keeps_the_state_valid(history, start):
    now, state = start, None
    for grade in history:
        state = schedule_next(state, grade, now)
        assert state.due_at > now
        assert MIN_EASE <= state.ease <= MAX_EASE
        assert 0 <= state.interval_days <= MAX_INTERVAL_DAYS
        assert state.repetitions <= len(history)
        now = state.due_at  # the member reviews exactly when it is due
    assert state.lapses <= history.count("again")


@fast
@given(st.integers(2, 25), instants)
def test_good_every_time_spaces_reviews_further_and_further_apart(count, start):
    now, state, intervals = start, None, []
    for _ in range(count):
        state = schedule_next(state, "good", now)
        intervals.append(state.interval_days)
        now = state.due_at
    assert intervals[:2] == [FIRST_INTERVAL_DAYS["good"], SECOND_INTERVAL_DAYS][: len(intervals)]
    assert all(a < b or b == MAX_INTERVAL_DAYS for a, b in zip(intervals, intervals[1:]))


@fast
@given(st.lists(st.sampled_from(SUCCESS), min_size=1, max_size=15), instants)
def test_missing_a_question_once_brings_it_back_sooner_than_remembering_it(history, start):
    """Two members with the same history; on the last review one misses it and one remembers it."""
    now, state = start, None
    for grade in history:
        state = schedule_next(state, grade, now)
        now = state.due_at
    missed = schedule_next(state, "again", now)
    recalled = schedule_next(state, "good", now)
    assert missed.due_at < recalled.due_at
    # ...and after relearning it, it is still back sooner than the one that was never missed.
    relearned = schedule_next(missed, "good", missed.due_at)
    assert relearned.due_at < recalled.due_at


@fast
@given(maybe_states)
def test_intervals_are_whole_days_in_grade_order(state):
    days = next_intervals(state)
    assert all(isinstance(d, int) and 1 <= d <= MAX_INTERVAL_DAYS for d in days.values())
    assert days["hard"] <= days["good"] <= days["easy"]


@fast
@given(instants)
def test_a_daily_answer_is_a_first_exposure_not_a_grade(now):
    seen = first_exposure(now)
    assert seen.due_at == now + SEEN_REVIEW_DELAY
    assert seen.repetitions == 0 and seen.lapses == 0 and seen.last_grade is None
    # The first self-grade then schedules it like a question seen for the first time.
    for grade in GRADES:
        assert schedule_next(seen, grade, now).due_at == schedule_next(None, grade, now).due_at


@fast
@given(st.lists(grades, max_size=30))
def test_retention_is_the_share_of_good_and_easy(history):
    value = retention(history)
    if not history:
        assert value is None
    else:
        assert value == pytest.approx(sum(g in ("good", "easy") for g in history) / len(history))
        assert 0.0 <= value <= 1.0


@fast
@given(
    st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e"]), st.none() | st.floats(0, 1), min_size=1),
    st.integers(0, 1000),
)
def test_untried_topics_come_first_then_the_lowest_retention(rates, seed):
    topics = list(rates)
    ordered = weakest_first(topics, {t: r for t, r in rates.items() if r is not None}, random.Random(seed))
    assert sorted(ordered) == sorted(topics)
    keys = [(0, 0.0) if rates[t] is None else (1, rates[t]) for t in ordered]
    assert keys == sorted(keys)


def test_schedule_next_refuses_an_unknown_grade():
    with pytest.raises(ValueError, match="grade must be one of again, hard, good, easy"):
        schedule_next(None, "meh", datetime(2026, 1, 1, tzinfo=UTC))


def test_the_first_reviews_follow_sm2():
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    first = schedule_next(None, "good", now)
    second = schedule_next(first, "good", first.due_at)
    third = schedule_next(second, "good", second.due_at)
    assert [first.interval_days, second.interval_days, third.interval_days] == [1, 6, 15]  # 6 x 2.5
    assert schedule_next(None, "easy", now).interval_days == 4
