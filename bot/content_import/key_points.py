"""Key points drawn from an imported answer, and whether the answer is finished.

Key points are the answer's list items (outside code blocks) when it has at
least three, else its first three sentences (a list item counts as one
sentence, a lead-in ending in ":" does not); at most six, each
without bold/italic marks and cut to MAX_POINT characters at a word
boundary. An answer is finished when it has 60-250 words and 3-6 key points
(the bank's rules for a question that can be posted); anything else is
imported as a draft.
"""

from __future__ import annotations

import re

from bot.question_bank import ANSWER_WORDS, KEY_POINTS

MAX_POINT = 120
SENTENCE_POINTS = 3

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_ITEM = re.compile(r"^\s{0,3}(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`\"'(*])")


def extract_key_points(answer: str) -> list[str]:
    units = _units(answer)
    items = [text for is_item, text in units if is_item]
    if len(items) >= KEY_POINTS[0]:
        points = items
    else:
        sentences = [s for is_item, text in units for s in ([text] if is_item else _SENTENCE_END.split(text))]
        sentences = [s for s in sentences if s.strip() and not s.rstrip().endswith(":")]  # lead-ins such as "Fixes:"
        points = sentences[:SENTENCE_POINTS]
    return [_trim(_plain(p)) for p in points[: KEY_POINTS[1]] if _plain(p)]


def is_finished(answer: str, key_points: list[str]) -> bool:
    words = len(answer.split())
    return ANSWER_WORDS[0] <= words <= ANSWER_WORDS[1] and KEY_POINTS[0] <= len(key_points) <= KEY_POINTS[1]


def _units(answer: str) -> list[tuple[bool, str]]:
    """(is a list item, text) for each list item and prose paragraph, in order, code blocks left out."""
    units: list[tuple[bool, list[str]]] = []
    current: list[str] | None = None  # the item or paragraph whose lines are being read
    in_code = False
    for line in answer.split("\n"):
        if _FENCE.match(line):
            in_code, current = not in_code, None
            continue
        if in_code:
            continue
        if not line.strip() or line.lstrip().startswith(("#", "|", ">")):
            current = None
            continue
        item = _ITEM.match(line)
        if item:
            current = [item.group(1).strip()]
            units.append((True, current))
            continue
        if current is None:
            current = []
            units.append((False, current))
        current.append(line.strip())
    return [(is_item, " ".join(lines)) for is_item, lines in units]


def _plain(text: str) -> str:
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    return " ".join(text.split())


def _trim(text: str) -> str:
    if len(text) <= MAX_POINT:
        return text
    cut = text[: MAX_POINT - 1].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return cut + "…"
