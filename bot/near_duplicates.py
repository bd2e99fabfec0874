"""Spotting questions that ask the same thing in other words.

The rule, so a maintainer can predict it: reduce each question to its set of
content words (lower-cased, code blocks and framing words such as "what",
"difference", "compare", "explain" dropped, plurals folded), then compare
sets with Jaccard similarity |A ∩ B| / |A ∪ B|. Two questions are near
duplicates when the similarity is at least THRESHOLD, or when one set is
wholly contained in the other, has at least three words, and the similarity
is at least CONTAINED_THRESHOLD. "What is the difference between SQL and
NoSQL?" and "Compare SQL and NoSQL databases" reduce to {sql, nosql} and
{sql, nosql, database}: 0.67, a near duplicate.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

THRESHOLD = 0.6
CONTAINED_THRESHOLD = 0.5

FRAMING_WORDS = frozenset(
    """
    a an the and or but of in on at to for from by with without into onto over under about as is are was were be been
    being do does did doing done can could should would will shall may might must have has had having this that these
    those it its it's their there them they you your yours we our us i me my what whats what's which who whom whose why
    how when where whether if then than so such some any each every all both either neither other another more most
    less least very just also only even not no yes vs versus difference differences different differ between compare
    comparison contrast explain explanation describe description define definition meaning mean means tell give name
    list walk through discuss talk outline summarize happen happens happening work works working use used using usage
    example examples briefly please question answer interview one two typical typically common commonly main key
    pros cons advantage advantages disadvantage disadvantages benefit benefits tradeoff tradeoffs trade-off trade-offs
    choose pick prefer better best good bad would you're thing things way ways
    """.split()
)
_CODE_BLOCK = re.compile(r"```.*?```", re.DOTALL)
_WORD = re.compile(r"[a-z0-9][a-z0-9+#.\-]*")


def content_words(text: str) -> frozenset[str]:
    cleaned = _CODE_BLOCK.sub(" ", text.lower())
    words = set()
    for raw in _WORD.findall(cleaned):
        word = raw.strip(".-")
        if not word or word in FRAMING_WORDS:
            continue
        words.add(_fold(word))
    return frozenset(words)


def _fold(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 4 and word.endswith("ses"):
        return word[:-1]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def is_near_duplicate(a: frozenset[str], b: frozenset[str]) -> tuple[bool, float]:
    score = similarity(a, b)
    if score >= THRESHOLD:
        return True, score
    smaller, larger = (a, b) if len(a) <= len(b) else (b, a)
    contained = len(smaller) >= 3 and smaller <= larger
    return contained and score >= CONTAINED_THRESHOLD, score


@dataclass(frozen=True)
class Match:
    left: str
    right: str
    score: float


class DuplicateIndex:
    """Finds near duplicates among many questions without comparing every pair of unrelated ones."""

    def __init__(self) -> None:
        self._words: dict[str, frozenset[str]] = {}
        self._postings: dict[str, set[str]] = defaultdict(set)

    def add(self, key: str, text: str) -> None:
        words = content_words(text)
        self._words[key] = words
        for word in words:
            self._postings[word].add(key)

    def find(self, text: str, exclude: str | None = None) -> Match | None:
        """The most similar indexed question that is a near duplicate of `text`, if any."""
        words = content_words(text)
        candidates = set().union(*(self._postings.get(w, set()) for w in words)) if words else set()
        best: Match | None = None
        for key in candidates:
            if key == exclude:
                continue
            duplicate, score = is_near_duplicate(words, self._words[key])
            if duplicate and (best is None or score > best.score):
                best = Match(left="", right=key, score=score)
        return best


def find_near_duplicates(items: Iterable[tuple[str, str]]) -> list[Match]:
    """All near-duplicate pairs among (key, text) items, each pair once, in input order."""
    index = DuplicateIndex()
    matches = []
    for key, text in items:
        match = index.find(text)
        if match is not None:
            matches.append(Match(left=key, right=match.right, score=match.score))
        index.add(key, text)
    return matches
