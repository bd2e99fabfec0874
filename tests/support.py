"""Helpers shared by the tests: a recording chat port, a small question bank, database set-up."""

from __future__ import annotations

import asyncio
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.ports import Announcement, AnswerEcho, ChannelRef, PostedRef, QuestionPost, RevealMessage
from bot.question_bank import Question, QuestionBank
from bot.topics import KINDS, TOPICS

REPO = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("TEST_DATABASE_URL") or ""


@dataclass
class RecordingPort:
    """A chat port that remembers every call, for asserting on what members would see."""

    posts: list[tuple[ChannelRef, QuestionPost]] = field(default_factory=list)
    echoes: list[tuple[ChannelRef, AnswerEcho]] = field(default_factory=list)
    reveals: list[tuple[ChannelRef, RevealMessage]] = field(default_factory=list)
    private: list[tuple[ChannelRef, str, str]] = field(default_factory=list)
    fail_posts: int = 0
    announcements: list[tuple[ChannelRef, str]] = field(default_factory=list)
    fail_announcements: int = 0
    announcement_keys: list[tuple[str, bool]] = field(default_factory=list)  # (key, retry) of every attempt

    async def post_question(self, channel: ChannelRef, post: QuestionPost) -> PostedRef:
        if self.fail_posts:
            self.fail_posts -= 1
            raise ConnectionError("platform unavailable")
        self.posts.append((channel, post))
        return PostedRef(message_id=f"msg-{post.post_id}", thread_id=f"thread-{post.post_id}")

    async def reply_in_thread(self, channel: ChannelRef, where: PostedRef, echo: AnswerEcho) -> None:
        self.echoes.append((channel, echo))

    async def reveal(self, channel: ChannelRef, where: PostedRef, reveal: RevealMessage) -> None:
        self.reveals.append((channel, reveal))

    async def send_private(self, channel: ChannelRef, member_id: str, text: str) -> None:
        self.private.append((channel, member_id, text))

    async def announce(self, channel: ChannelRef, announcement: Announcement) -> None:
        self.announcement_keys.append((announcement.key, announcement.retry))
        if self.fail_announcements:
            self.fail_announcements -= 1
            raise ConnectionError("platform unavailable")
        self.announcements.append((channel, announcement.text))


def make_bank(per_topic: int = 2, topics: list[str] | None = None) -> QuestionBank:
    """A small valid bank: `per_topic` questions in each topic, difficulties cycling 1..3."""
    bank = QuestionBank()
    kinds = list(KINDS)
    for topic in topics or list(TOPICS):
        for n in range(per_topic):
            qid = f"{topic}-q{n + 1}"
            bank.questions[qid] = Question(
                id=qid,
                topic=topic,
                tags=(topic,),
                difficulty=n % 3 + 1,
                kind=kinds[n % len(kinds)],
                question=f"Question {n + 1} about {topic}?",
                answer=f"Reference answer for {qid}.",
                key_points=("first point", "second point", "third point"),
            )
    return bank


def create_pg_database() -> str:
    """A fresh, empty PostgreSQL database for one test run; returns its URL."""
    import asyncpg

    name = f"qotd_test_{uuid.uuid4().hex[:10]}"
    admin = make_url(PG_URL)

    async def create() -> None:
        conn = await asyncpg.connect(**_asyncpg_args(admin))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    run_sync(create())
    return admin.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    import asyncpg

    target = make_url(url)
    admin = make_url(PG_URL)

    async def drop() -> None:
        conn = await asyncpg.connect(**_asyncpg_args(admin))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        finally:
            await conn.close()

    run_sync(drop())


def run_sync(coroutine):
    """Run a coroutine to completion from sync code, even when an event loop is running here."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _asyncpg_args(url) -> dict:
    return {
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "password": url.password,
        "database": url.database or "postgres",
    }
