"""A first guess of which key points an answer covers, from the words they share.

Local and predictable, no network and no model: each key point and the answer are reduced to
their content words (lower-cased; filler words dropped; plurals and common endings folded, so
"indexes", "indexing" and "index" meet, and "authenticating" meets "authentication"). A key
point counts as covered when the answer holds at least COVERED_SHARE of the point's words and
at least MIN_SHARED of them (fewer when the point itself has fewer content words).

The guess is only a starting point: a member's own tick always replaces it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

COVERED_SHARE = 0.5
MIN_SHARED = 2

_FILLER = frozenset(
    """
    a an the and or but nor of in on at to for from by with without into onto over under about as is are was were be
    been being do does did done can could should would will shall may might must have has had having this that these
    those it its their there them they you your we our us i me my what which who whom whose why how when where whether
    if then than so such some any each every all both either neither other another more most less very just also only
    even not no yes vs versus via per e.g i.e etc one two same own instead rather still often usually always never
    make makes made get gets got use uses used using thing things way ways
    """.split()
)
_WORD = re.compile(r"[a-z0-9][a-z0-9+#]*")
# Longest first, so "ations" goes before "s". A stem keeps at least four characters.
_ENDINGS = (
    "ations", "ation", "itions", "ition", "ments", "ment", "ness", "ings", "ing", "ions", "ion", "ers", "er",
    "ies", "ied", "ed", "es", "ly", "s", "e",
)


def stem(word: str) -> str:
    """A rough stem: enough for "caching"/"cache" and "authenticating"/"authentication" to meet."""
    if word.isdigit() or len(word) <= 4:
        return word
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            word = word[: -len(ending)]
            break
    if word.endswith("at") and len(word) > 6:  # authenticat(e|ion|ing) -> authentic
        word = word[:-2]
    return word


def content_stems(text: str) -> frozenset[str]:
    """The stems of the words that carry meaning; hyphenated words count by their parts too."""
    found: set[str] = set()
    for raw in _WORD.findall(text.lower().replace("-", " ").replace("_", " ")):
        if raw in _FILLER or (len(raw) == 1 and not raw.isdigit()):
            continue
        found.add(stem(raw))
    return frozenset(found)


def coverage_score(point: str, answer: str) -> float:
    """The share of the key point's content words that the answer holds (0.0 to 1.0)."""
    wanted = content_stems(point)
    if not wanted:
        return 0.0
    return len(wanted & content_stems(answer)) / len(wanted)


def guess_covered(key_points: Sequence[str], answer: str) -> tuple[int, ...]:
    """The 1-based numbers of the key points the answer seems to cover, in order."""
    have = content_stems(answer)
    covered = []
    for number, point in enumerate(key_points, start=1):
        wanted = content_stems(point)
        if not wanted:
            continue
        shared = len(wanted & have)
        if shared >= min(MIN_SHARED, len(wanted)) and shared / len(wanted) >= COVERED_SHARE:
            covered.append(number)
    return tuple(covered)
