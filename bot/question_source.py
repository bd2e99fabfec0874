"""The questions one workspace can see: the built-in bank, minus the topics it turned off, plus its own.

Every lookup of a question by id (posting, revealing, quizzes, status) and every choice of eligible
questions (the rotation, quizzes, setup checks) goes through here, so approved suggestions and
disabled topics are understood everywhere in the same way:

- An approved suggestion is a question of its own workspace only, with the id `ws-<suggestion id>`;
  other workspaces never see it.
- A disabled topic removes the *built-in* questions of that topic from the rotation and from quizzes.
  The workspace's own approved suggestions stay eligible whatever their topic: an admin approved
  each of them on purpose (so a team can turn off the bank's caching questions and use its own).
- Looking up a question by id ignores disabled topics: a question already posted is still revealed
  and a practice question already asked still shows its answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.content_import.topic_guess import guess_kind
from bot.context import Context
from bot.db.tables import disabled_topics, suggestions
from bot.question_bank import Question, QuestionBank

SUGGESTED_ID = re.compile(r"ws-(?P<n>\d{1,9})")


class Scope(Protocol):
    platform: str
    workspace_id: str


def suggested_id(suggestion_id: int) -> str:
    return f"ws-{suggestion_id}"


def question_from_row(row) -> Question:
    """An approved suggestion as a Question (its tags are empty: quizzes by tag use the bank's vocabulary)."""
    return Question(
        id=suggested_id(row.id),
        topic=row.topic,
        tags=(),
        difficulty=int(row.difficulty),
        kind=guess_kind(row.question),
        question=row.question,
        answer=row.answer,
        key_points=tuple(json.loads(row.key_points)),
        source="suggestion",
        suggested_by=row.member_name,
    )


@dataclass(frozen=True)
class WorkspaceQuestions:
    bank: QuestionBank
    suggested: dict[str, Question] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()

    def get(self, question_id: str | None) -> Question | None:
        if not question_id:
            return None
        return self.suggested.get(question_id) or self.bank.get(question_id)

    def eligible(
        self,
        topics: frozenset[str] | set[str] = frozenset(),
        difficulty: tuple[int, int] = (1, 3),
        tag: str | None = None,
    ) -> list[Question]:
        built_in = [q for q in self.bank.eligible(topics, difficulty, tag=tag) if q.topic not in self.disabled]
        low, high = difficulty
        own = [
            q
            for q in self.suggested.values()
            if (not topics or q.topic in topics) and low <= q.difficulty <= high and (tag is None or tag in q.tags)
        ]
        return built_in + own

    def tags(self) -> list[str]:
        return self.bank.tags()


async def questions_for(ctx: Context, scope: Scope, conn: AsyncConnection | None = None) -> WorkspaceQuestions:
    """The bank as `scope`'s workspace sees it: two indexed queries (its approved suggestions, its disabled topics)."""
    if conn is None:
        async with ctx.engine.connect() as own:
            return await questions_for(ctx, scope, own)
    rows = (
        await conn.execute(
            select(suggestions).where(
                suggestions.c.platform == scope.platform,
                suggestions.c.workspace_id == scope.workspace_id,
                suggestions.c.status == "approved",
            )
        )
    ).all()
    off = await load_disabled_topics(conn, scope)
    suggested = {q.id: q for q in (question_from_row(r) for r in rows)}
    return WorkspaceQuestions(bank=ctx.bank, suggested=suggested, disabled=off)


async def load_disabled_topics(conn: AsyncConnection, scope: Scope) -> frozenset[str]:
    return frozenset(
        (
            await conn.execute(
                select(disabled_topics.c.topic).where(
                    disabled_topics.c.platform == scope.platform, disabled_topics.c.workspace_id == scope.workspace_id
                )
            )
        ).scalars()
    )


async def find_question(
    ctx: Context, scope: Scope, question_id: str | None, conn: AsyncConnection | None = None
) -> Question | None:
    """One question by id as `scope`'s workspace sees it; a bank id costs no query."""
    if not question_id:
        return None
    match = SUGGESTED_ID.fullmatch(question_id)
    if match is None:
        return ctx.bank.get(question_id)
    if conn is None:
        async with ctx.engine.connect() as own:
            return await find_question(ctx, scope, question_id, own)
    row = (
        await conn.execute(
            select(suggestions).where(
                suggestions.c.id == int(match["n"]),
                suggestions.c.platform == scope.platform,
                suggestions.c.workspace_id == scope.workspace_id,
                suggestions.c.status == "approved",
            )
        )
    ).first()
    return question_from_row(row) if row is not None else None


def all_texts(questions: WorkspaceQuestions, extra: Iterable[Question] = ()) -> list[tuple[str, str]]:
    """(id, question text) of every question the workspace has, disabled topics included (for near duplicates)."""
    found = [(q.id, q.question) for q in questions.bank.questions.values() if not q.draft]
    found += [(q.id, q.question) for q in questions.suggested.values()]
    found += [(q.id, q.question) for q in extra]
    return found
