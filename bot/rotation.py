"""Which question a channel gets next: random order, no repeats until the eligible pool is used up."""

from __future__ import annotations

import random
from dataclasses import dataclass

from bot.question_bank import Question


@dataclass(frozen=True)
class Pick:
    question: Question
    cycle: int


def pick_next(
    eligible: list[Question],
    used_this_cycle: set[str],
    cycle: int,
    rng: random.Random,
    last_question_id: str | None = None,
) -> Pick | None:
    """Pick from the eligible questions not yet used in the current cycle.

    When every eligible question has been used, a new cycle starts; its first
    pick avoids the question posted last so the same one never comes twice in a row.
    Returns None when nothing is eligible at all (filters match no question).
    """
    if not eligible:
        return None
    ordered = sorted(eligible, key=lambda q: q.id)
    fresh = [q for q in ordered if q.id not in used_this_cycle]
    if not fresh:
        cycle += 1
        fresh = [q for q in ordered if q.id != last_question_id] or ordered
    return Pick(question=fresh[rng.randrange(len(fresh))], cycle=cycle)
