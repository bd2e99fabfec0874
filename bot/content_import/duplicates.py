"""The questions an import has already seen, and which of them a new one repeats.

Same text (case and spacing aside) is a duplicate; otherwise the rule of
bot.near_duplicates decides (content-word similarity), and the most similar
match is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.content_import.ids import normalized
from bot.near_duplicates import DuplicateIndex


@dataclass(frozen=True)
class Seen:
    where: str  # file:line
    question: str
    score: float


class SeenQuestions:
    def __init__(self) -> None:
        self._index = DuplicateIndex()
        self._exact: dict[str, str] = {}
        self._seen: dict[str, tuple[str, str]] = {}

    def add(self, question: str, where: str) -> None:
        key = str(len(self._seen))
        self._index.add(key, question)
        self._exact.setdefault(normalized(question), key)
        self._seen[key] = (where, question)

    def match(self, question: str) -> Seen | None:
        key, score = self._exact.get(normalized(question)), 1.0
        if key is None:
            found = self._index.find(question)
            if found is None:
                return None
            key, score = found.right, found.score
        where, text = self._seen[key]
        return Seen(where, text, score)
