"""What every use case needs, built once by the composition root (`bot.bootstrap`)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.config import Settings
from bot.ports import ChatPort
from bot.question_bank import QuestionBank


@dataclass
class Context:
    engine: AsyncEngine
    clock: Clock
    bank: QuestionBank
    settings: Settings
    ports: dict[str, ChatPort] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)
    instance_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    # Set on shutdown (SIGTERM): due work takes no new claims, finishes the one in hand and returns.
    stopping: bool = False

    def port(self, platform: str) -> ChatPort:
        try:
            return self.ports[platform]
        except KeyError:
            raise LookupError(f"no chat adapter is connected for platform '{platform}'") from None

    def new_token(self) -> str:
        return f"{self.instance_id}-{uuid.uuid4().hex[:16]}"
