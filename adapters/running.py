"""What the process runner needs from each chat adapter it starts."""

from __future__ import annotations

import asyncio
from typing import Protocol

CONFIG_ERROR = 2  # bad or missing configuration, or the platform refused our credentials
UNREACHABLE = 1  # the platform could not be reached


class StartFailed(Exception):
    """An adapter could not start; `message` is the one log line that says what to fix (no secrets)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class RunningAdapter(Protocol):
    name: str
    finished: asyncio.Future[int]  # resolves with an exit code if the adapter stops on its own

    def connected(self) -> bool:
        """Whether the adapter can reach its platform right now (for /healthz)."""
        ...

    async def stop(self) -> None: ...
