"""Turning a parsed question into a bank entry: id, topic, tags, difficulty, kind, key points, draft."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.content_import.ids import question_id
from bot.content_import.key_points import extract_key_points, is_finished
from bot.content_import.records import Candidate
from bot.content_import.topic_guess import guess_kind, guess_topic
from bot.content_import.writer import Entry
from bot.question_bank import TAG_PATTERN
from bot.topics import TOPICS

IMPORT_TAG = "imported"
MAX_TAGS = 6
DEFAULT_DIFFICULTY = 2
_DIFFICULTY_WORDS = {"1": 1, "2": 2, "3": 3, "easy": 1, "medium": 2, "hard": 3, "warm-up": 1, "solid": 2, "senior": 3}


@dataclass
class EntryMaker:
    """Settings shared by every entry of one import run."""

    topic: str | None = None  # --topic
    tags: tuple[str, ...] = ()  # --tag
    vocabulary: frozenset[str] | None = None  # the tag vocabulary the output must follow, if any
    bank_words: list[tuple[frozenset[str], str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tags = self._allowed(self.tags, "--tag")

    def make(self, candidate: Candidate, source_name: str, where: str) -> Entry:
        question = _tidy(candidate.question)
        answer = _tidy(candidate.answer)
        key_points = tuple(extract_key_points(answer)) if answer else ()
        return Entry(
            id=question_id(question),
            topic=self._topic(candidate, question, answer, where),
            tags=self._tags(candidate, where),
            difficulty=self._difficulty(candidate, where),
            kind=guess_kind(question),
            question=question,
            answer=answer,
            key_points=key_points,
            draft=not is_finished(answer, list(key_points)),
            imported_from=f"{source_name}:{candidate.line}",
        )

    def _topic(self, candidate: Candidate, question: str, answer: str, where: str) -> str:
        if candidate.topic:
            given = candidate.topic.strip().lower()
            by_title = {title.lower(): slug for slug, title in TOPICS.items()}
            if given in TOPICS or given in by_title:
                return by_title.get(given, given)
            self.notes.append(f"{where}: unknown topic '{candidate.topic}'; guessing instead")
        return self.topic or guess_topic(question, answer, self.bank_words)

    def _tags(self, candidate: Candidate, where: str) -> tuple[str, ...]:
        tags = list(dict.fromkeys((IMPORT_TAG, *self.tags, *self._allowed(candidate.tags, where))))
        if len(tags) > MAX_TAGS:
            self.notes.append(f"{where}: only the first {MAX_TAGS} tags kept")
        return tuple(tags[:MAX_TAGS])

    def _allowed(self, raw_tags: tuple[str, ...], where: str) -> tuple[str, ...]:
        allowed = []
        for raw in raw_tags:
            tag = normalize_tag(raw)
            if tag is None:
                self.notes.append(f"{where}: tag '{raw}' dropped (tags are lowercase letters, digits and hyphens)")
            elif self.vocabulary is not None and tag not in self.vocabulary:
                self.notes.append(f"{where}: tag '{tag}' dropped (not in the tag vocabulary)")
            else:
                allowed.append(tag)
        return tuple(allowed)

    def _difficulty(self, candidate: Candidate, where: str) -> int:
        if candidate.difficulty is None:
            return DEFAULT_DIFFICULTY
        value = _DIFFICULTY_WORDS.get(candidate.difficulty.strip().lower())
        if value is None:
            self.notes.append(f"{where}: difficulty '{candidate.difficulty}' is not 1, 2 or 3; using {DEFAULT_DIFFICULTY}")
            return DEFAULT_DIFFICULTY
        return value


def normalize_tag(raw: str) -> str | None:
    """"Distributed Systems" -> distributed-systems, "db::postgres" -> db-postgres; None if nothing usable."""
    tag = re.sub(r"[\s_:/.]+", "-", raw.strip().lower())
    tag = re.sub(r"[^a-z0-9-]", "", tag)
    tag = re.sub(r"-{2,}", "-", tag).strip("-")[:40].rstrip("-")
    return tag if TAG_PATTERN.match(tag) else None


def _tidy(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().split("\n")).strip()
