"""What every parser hands back: the questions it found and the lines it passed over."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Candidate:
    """One question as written in the source, before ids, topics and duplicate checks."""

    question: str
    answer: str
    line: int
    topic: str | None = None
    tags: tuple[str, ...] = ()
    difficulty: str | None = None


@dataclass(frozen=True)
class Skipped:
    """A line (or entry) that is neither question nor answer, and why it was passed over."""

    line: int
    reason: str
    text: str


@dataclass
class Parsed:
    candidates: list[Candidate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


class NotImportable(Exception):
    """The input cannot be read as questions at all (binary, empty, malformed JSON, ...)."""
