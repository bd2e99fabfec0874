"""Seeded random failures shared by the platform fakes: which kinds exist and how one is drawn.

- "500": answered 500; the request had no effect.
- "429": answered 429 with a retry delay; the request had no effect.
- "timeout_after_accept": the request takes effect, then its answer is held past the client's timeout.
- "disconnect_after_accept": the request takes effect, then the connection closes unanswered.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

FAULT_KINDS = ("500", "429", "timeout_after_accept", "disconnect_after_accept")


def checked_kinds(kinds: Sequence[str]) -> tuple[str, ...]:
    unknown = set(kinds) - set(FAULT_KINDS)
    if unknown or not kinds:
        raise ValueError(f"fault kinds must be among {FAULT_KINDS}, not {sorted(unknown) or 'none'}")
    return tuple(kinds)


@dataclass
class SeededFaults:
    """A seeded share (`rate`) of the requests a fake is asked to fail, each with one of `kinds`."""

    rate: float
    kinds: tuple[str, ...]
    rng: random.Random

    def draw(self) -> str | None:
        """The kind of failure for the next matching request, or None to answer it normally."""
        if self.rng.random() >= self.rate:
            return None
        return self.rng.choice(self.kinds)
