"""Points and streaks, the rules members see in /qotd help.

* An on-time answer (first answer before the reveal) earns BASE_POINTS plus a
  streak bonus of STREAK_BONUS per question already in the streak, capped at
  MAX_STREAK_BONUS: 10, 12, 14, 16, 18, then 20 from the sixth in a row.
* A late answer is kept and counted, but earns no points and no streak.
* A streak is the run of consecutive scheduled questions answered on time.
  It only breaks when a scheduled question closes (is revealed) without the
  member's on-time answer. Days without a post (unscheduled, paused or
  skipped) never break it; bonus questions from /qotd post can extend a
  streak but never break one.
"""

BASE_POINTS = 10
STREAK_BONUS = 2
MAX_STREAK_BONUS = 10
# Self-checks (bot/services/self_check.py): per key point a member ticks as covered on an on-time answer.
KEY_POINT_BONUS = 1


def points_for_on_time(streak_before: int) -> int:
    return BASE_POINTS + min(STREAK_BONUS * max(streak_before, 0), MAX_STREAK_BONUS)


RULES_TEXT = (
    f"An on-time answer earns {BASE_POINTS} points plus {STREAK_BONUS} per question already in your streak "
    f"(bonus capped at {MAX_STREAK_BONUS}). Late answers are kept but earn nothing. "
    "A streak counts consecutive scheduled questions answered before the reveal; "
    "days without a question never break it, and bonus questions (/qotd post) only add to it."
)
