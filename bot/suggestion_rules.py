"""What a suggested question must look like, checked the same way for every way of suggesting one.

The text form (`/qotd suggest question="..." answer="..." points="a; b; c" topic=caching difficulty=2`),
Discord's and Slack's forms and `/qotd admin edit` all go through `check_suggestion`, so a form can
show each problem on its field and a typed command names the bad part. The limits follow the
question bank's rules, a little gentler for members: a question, a short reference answer, 1-8 key
points, one of the twelve topics, difficulty 1-3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import InvalidInput
from bot.topics import TOPICS, suggest_topic

QUESTION_CHARS = (15, 1000)
ANSWER_WORDS = (10, 300)
ANSWER_CHARS = 2500
KEY_POINTS = (1, 8)
KEY_POINT_CHARS = 120
REASON_CHARS = 300
FIELDS = ("question", "answer", "points", "topic", "difficulty")
_BULLET = re.compile(r"^\s*(?:[-*•·–]|\d{1,2}[.)])\s+")


@dataclass(frozen=True)
class SuggestionDraft:
    question: str
    answer: str
    key_points: tuple[str, ...]
    topic: str
    difficulty: int


class SuggestionInvalid(InvalidInput):
    """One or more fields are wrong; `problems` names each field's problem (for forms)."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = dict(problems)
        parts = [f"{text}" for text in problems.values()]
        super().__init__("; ".join(parts) if len(parts) > 1 else parts[0])


def split_key_points(text: str) -> list[str]:
    """One point per line (a form), or points separated by ';' (one line). Bullets and numbering are dropped."""
    pieces = text.splitlines() if "\n" in text.strip() else text.split(";")
    points = []
    for piece in pieces:
        point = " ".join(_BULLET.sub("", piece).split())
        if point:
            points.append(point)
    return points


def _question(text: str) -> str:
    cleaned = text.strip()
    low, high = QUESTION_CHARS
    if len(cleaned) < low:
        raise InvalidInput(
            "the question is empty"
            if not cleaned
            else f"the question is only {len(cleaned)} character{'s' if len(cleaned) != 1 else ''}; write at least {low}"
        )
    if len(cleaned) > high:
        raise InvalidInput(f"the question is {len(cleaned):,} characters; keep it to {high:,}")
    return cleaned


def _answer(text: str) -> str:
    cleaned = text.strip()
    words = len(cleaned.split())
    low, high = ANSWER_WORDS
    if not cleaned:
        raise InvalidInput("the reference answer is empty; say what a good answer covers")
    if words < low:
        raise InvalidInput(f"the reference answer has {words} word{'s' if words != 1 else ''}; write at least {low}")
    if words > high or len(cleaned) > ANSWER_CHARS:
        raise InvalidInput(
            f"the reference answer has {words} words ({len(cleaned):,} characters); "
            f"keep it to {high} words and {ANSWER_CHARS:,} characters"
        )
    return cleaned


def _points(text: str) -> tuple[str, ...]:
    points = split_key_points(text)
    low, high = KEY_POINTS
    if not low <= len(points) <= high:
        got = "no key points" if not points else f"{len(points)} key points"
        raise InvalidInput(f"{got}; give {low} to {high}, one per line or separated by ';'")
    long = next((p for p in points if len(p) > KEY_POINT_CHARS), None)
    if long is not None:
        raise InvalidInput(f"the key point '{long[:40]}…' is {len(long)} characters; keep each to {KEY_POINT_CHARS}")
    return tuple(points)


def _topic(text: str) -> str:
    topic = text.strip().lower()
    if topic not in TOPICS:
        close = suggest_topic(topic) if topic else []
        hint = f" (did you mean {close[0]}?)" if close else ""
        shown = f"'{text.strip()}'" if topic else "(none given)"
        raise InvalidInput(f"unknown topic {shown}{hint}. Topics: {', '.join(TOPICS)}")
    return topic


def _difficulty(text: str) -> int:
    cleaned = text.strip()
    if cleaned not in ("1", "2", "3"):
        raise InvalidInput(f"difficulty '{cleaned}' must be 1 (warm-up), 2 (solid) or 3 (senior)")
    return int(cleaned)


CHECKS = {"question": _question, "answer": _answer, "points": _points, "topic": _topic, "difficulty": _difficulty}
MISSING = {
    "question": 'question= is missing: the question itself, in quotes',
    "answer": 'answer= is missing: a short reference answer, in quotes',
    "points": 'points= is missing: 1 to 8 key points separated by ";"',
    "topic": f"topic= is missing: one of {', '.join(TOPICS)}",
    "difficulty": "difficulty= is missing: 1 (warm-up), 2 (solid) or 3 (senior)",
}


def check_fields(fields: dict[str, str], *, require_all: bool) -> dict[str, object]:
    """Each given field cleaned (points become a tuple, difficulty an int). Raises SuggestionInvalid."""
    problems: dict[str, str] = {}
    cleaned: dict[str, object] = {}
    for name in FIELDS:
        if name not in fields:
            if require_all:
                problems[name] = MISSING[name]
            continue
        try:
            cleaned[name] = CHECKS[name](fields[name])
        except InvalidInput as exc:
            problems[name] = exc.message
    if problems:
        raise SuggestionInvalid(problems)
    return cleaned


def check_suggestion(fields: dict[str, str]) -> SuggestionDraft:
    """A whole suggestion from its five fields as typed. Raises SuggestionInvalid naming every bad field."""
    cleaned = check_fields(fields, require_all=True)
    return SuggestionDraft(
        question=str(cleaned["question"]),
        answer=str(cleaned["answer"]),
        key_points=tuple(cleaned["points"]),  # type: ignore[arg-type]
        topic=str(cleaned["topic"]),
        difficulty=int(cleaned["difficulty"]),  # type: ignore[arg-type]
    )


def check_reason(text: str) -> str:
    reason = " ".join(text.split())
    if not reason:
        raise InvalidInput('a reason is required, e.g. reason="already in the bank"; the member sees it')
    if len(reason) > REASON_CHARS:
        raise InvalidInput(f"the reason is {len(reason)} characters; keep it to {REASON_CHARS}")
    return reason


def check_suggestion_id(text: str) -> int:
    cleaned = text.strip().lstrip("#")
    if not cleaned.isdigit() or int(cleaned) < 1 or len(cleaned) > 9:
        raise InvalidInput(f"id '{text.strip()}' must be a suggestion number such as 3 (see /qotd admin suggestions)")
    return int(cleaned)


def parse_topic_list(text: str, what: str) -> frozenset[str]:
    """'caching, security' -> those topics; 'all' -> every topic. Unknown topics are named with a hint."""
    cleaned = text.strip().lower()
    if cleaned in ("all", "*"):
        return frozenset(TOPICS)
    chosen = set()
    for part in cleaned.split(","):
        topic = part.strip()
        if not topic:
            continue
        if topic not in TOPICS:
            close = suggest_topic(topic)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise InvalidInput(f"{what}=: unknown topic '{topic}'{hint}. Topics: {', '.join(TOPICS)}")
        chosen.add(topic)
    if not chosen:
        raise InvalidInput(f"{what}= is empty; name topics separated by commas, e.g. {what}=caching,security")
    return frozenset(chosen)
