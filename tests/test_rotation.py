"""Question rotation: random order, no repeats within a cycle, no back-to-back repeat across cycles."""

from __future__ import annotations

import random

import pytest

from bot.rotation import Pick, pick_next
from tests.support import make_bank


def run_picks(eligible, rng, picks, *, used=None, cycle=1, last=None):
    """Drive pick_next the way the posting service does; returns [(question id, cycle), ...]."""
    used = set(used or ())
    history = []
    for _ in range(picks):
        pick = pick_next(eligible, used, cycle, rng, last)
        assert pick is not None
        if pick.cycle != cycle:
            cycle, used = pick.cycle, set()
        used.add(pick.question.id)
        last = pick.question.id
        history.append((pick.question.id, pick.cycle))
    return history


def test_pool_of_seven_gives_seven_distinct_picks_then_a_new_cycle():
    eligible = make_bank(per_topic=7, topics=["databases"]).eligible()
    assert len(eligible) == 7
    history = run_picks(eligible, random.Random(1), 8)
    first_cycle = [qid for qid, cycle in history[:7]]
    assert sorted(first_cycle) == [f"databases-q{n}" for n in range(1, 8)]
    assert [cycle for _, cycle in history[:7]] == [1] * 7
    assert history[7][1] == 2


@pytest.mark.parametrize("seed", range(25))
def test_no_repeat_within_a_cycle_over_many_picks(seed):
    eligible = make_bank(per_topic=3, topics=["databases", "caching", "security"]).eligible()  # 9 questions
    history = run_picks(eligible, random.Random(seed), 9 * 6)
    for n in range(6):
        cycle = history[9 * n : 9 * (n + 1)]
        assert {c for _, c in cycle} == {n + 1}
        assert sorted(qid for qid, _ in cycle) == sorted(q.id for q in eligible)


@pytest.mark.parametrize("seed", range(40))
def test_first_pick_of_a_new_cycle_is_never_the_previous_last(seed):
    eligible = make_bank(per_topic=2, topics=["databases"]).eligible()  # two questions: the hardest case
    history = run_picks(eligible, random.Random(seed), 20)
    ids = [qid for qid, _ in history]
    assert all(a != b for a, b in zip(ids, ids[1:])), ids
    assert [c for _, c in history] == [n // 2 + 1 for n in range(20)]


def test_new_cycle_excludes_the_last_question_explicitly():
    eligible = make_bank(per_topic=3, topics=["caching"]).eligible()
    everything = {q.id for q in eligible}
    for seed in range(30):
        pick = pick_next(eligible, everything, 4, random.Random(seed), last_question_id="caching-q2")
        assert pick.cycle == 5
        assert pick.question.id in {"caching-q1", "caching-q3"}


def test_single_question_pool_repeats_in_each_new_cycle():
    eligible = make_bank(per_topic=1, topics=["nodejs"]).eligible()
    pick = pick_next(eligible, {"nodejs-q1"}, 3, random.Random(0), last_question_id="nodejs-q1")
    assert pick == Pick(question=eligible[0], cycle=4)


def test_picks_only_from_what_is_left_in_the_cycle():
    eligible = make_bank(per_topic=4, topics=["messaging"]).eligible()
    used = {"messaging-q1", "messaging-q2", "messaging-q4"}
    for seed in range(20):
        pick = pick_next(eligible, used, 2, random.Random(seed), last_question_id="messaging-q4")
        assert (pick.question.id, pick.cycle) == ("messaging-q3", 2)


def test_ids_used_outside_the_eligible_pool_do_not_count():
    # the filters changed mid-cycle: earlier picks from other topics are not in the pool any more
    eligible = make_bank(per_topic=2, topics=["security"]).eligible()
    pick = pick_next(eligible, {"databases-q1", "caching-q2", "security-q1"}, 1, random.Random(3), "caching-q2")
    assert (pick.question.id, pick.cycle) == ("security-q2", 1)


def test_filters_by_topic_and_difficulty():
    bank = make_bank(per_topic=6)  # difficulties 1, 2, 3, 1, 2, 3 in every topic
    eligible = bank.eligible(frozenset({"databases", "caching"}), (2, 3))
    assert sorted(q.id for q in eligible) == [
        "caching-q2", "caching-q3", "caching-q5", "caching-q6",
        "databases-q2", "databases-q3", "databases-q5", "databases-q6",
    ]
    history = run_picks(eligible, random.Random(11), 8)
    assert sorted(qid for qid, _ in history) == sorted(q.id for q in eligible)
    assert {bank.get(qid).topic for qid, _ in history} == {"databases", "caching"}
    assert {bank.get(qid).difficulty for qid, _ in history} == {2, 3}


def test_difficulty_only_filter_and_no_filter():
    bank = make_bank(per_topic=3)
    assert len(bank.eligible()) == 36
    hard = bank.eligible(frozenset(), (3, 3))
    assert len(hard) == 12
    assert {q.id.rsplit("-", 1)[1] for q in hard} == {"q3"}


def test_empty_pool_gives_none():
    bank = make_bank(per_topic=2, topics=["databases"])  # difficulties 1 and 2 only
    assert bank.eligible(frozenset({"databases"}), (3, 3)) == []
    assert pick_next(bank.eligible(frozenset({"databases"}), (3, 3)), set(), 1, random.Random(0)) is None
    assert pick_next([], {"x"}, 5, random.Random(0), "x") is None


def test_same_seed_same_order_regardless_of_input_order():
    eligible = make_bank(per_topic=4, topics=["operations", "security"]).eligible()
    forwards = run_picks(eligible, random.Random(42), 16)
    backwards = run_picks(list(reversed(eligible)), random.Random(42), 16)
    shuffled = list(eligible)
    random.Random(5).shuffle(shuffled)
    assert forwards == backwards == run_picks(shuffled, random.Random(42), 16)


def test_different_seeds_give_different_orders():
    eligible = make_bank(per_topic=7, topics=["databases"]).eligible()
    orders = {tuple(qid for qid, _ in run_picks(eligible, random.Random(seed), 7)) for seed in range(10)}
    assert len(orders) > 1
