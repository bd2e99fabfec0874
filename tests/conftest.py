"""Fixtures: every storage test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from bot.bootstrap import Qotd, bootstrap
from bot.clock import FakeClock
from bot.config import Settings
from bot.db.engine import create_engine, upgrade
from bot.db.tables import metadata
from bot.ports import ChannelRef, Member
from tests.support import PG_URL, REPO, RecordingPort, create_pg_database, drop_pg_database, make_bank

START = datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc)  # a Monday
CHANNEL = ChannelRef("test", "team-1", "general")
ADMIN = Member("u-admin", "Ada", is_admin=True)
ALICE = Member("u-alice", "alice")
BOB = Member("u-bob", "bob")


@pytest.fixture(scope="session")
def pg_database():
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set; PostgreSQL tests are skipped")
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request, tmp_path):
    """A migrated, empty database."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'qotd.sqlite3'}"
        yield url
        return
    url = request.getfixturevalue("pg_database")
    engine = create_engine(url)
    await upgrade(engine)
    async with engine.begin() as conn:
        names = ", ".join(t.name for t in metadata.sorted_tables)
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await engine.dispose()
    yield url


@pytest.fixture
def settings(db_url) -> Settings:
    return replace(Settings.from_env({}), database_url=db_url, content_dir=REPO / "content")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def port() -> RecordingPort:
    return RecordingPort()


@pytest.fixture
async def app(settings, clock, port) -> Qotd:
    qotd = await bootstrap(settings, clock=clock, ports={"test": port}, rng=random.Random(7), bank=make_bank())
    yield qotd
    await qotd.close()


# The longest tests start first, so with several workers (pytest -n) they run beside the rest
# instead of after it: the month-long soak, then the multi-process runs.
LONG_FIRST = ("tests/test_soak.py", "tests/test_multi_instance.py")


def pytest_collection_modifyitems(items):
    def weight(item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONG_FIRST.index(path) if path in LONG_FIRST else len(LONG_FIRST)

    items.sort(key=weight)  # stable: every other test keeps its order
