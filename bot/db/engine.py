"""Creating the async engine and bringing the schema up to date with Alembic."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import traceback
import weakref
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Any constant works; it only has to be the same in every process.
PG_MIGRATION_LOCK = 7_420_113
# PostgreSQL: a stopped or unreachable server must fail a request within seconds, not hang it.
CONNECT_TIMEOUT = 5  # seconds to open a connection
COMMAND_TIMEOUT = 30  # seconds one statement may run before the driver cancels it (a hung network)
POOL_RECYCLE = 1800  # seconds; older connections are replaced (firewalls drop idle sessions silently)


def create_engine(url: str, *, command_timeout: float | None = COMMAND_TIMEOUT) -> AsyncEngine:
    """An engine for `url`. SQLite gets WAL, a busy timeout, foreign keys and write-ahead locking.

    PostgreSQL connections are pinged when taken from the pool, so connections a server restart
    left dead are replaced without an error; opening one and running one statement are bounded
    by CONNECT_TIMEOUT and `command_timeout` (None: no limit, for long reports).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        engine = SqliteEngine(create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}).sync_engine)
        _tune_sqlite(engine)
        return engine
    return create_async_engine(
        url,
        pool_pre_ping=True,
        pool_recycle=POOL_RECYCLE,
        connect_args={
            "timeout": CONNECT_TIMEOUT,
            "command_timeout": command_timeout,
            # asyncpg prepares every statement; after five runs PostgreSQL may switch to a generic plan
            # that ignores the channel being asked about, and a big channel's leaderboard then scans
            # far more than it needs. Planning per call costs little next to that (see benchmarks/).
            "server_settings": {"plan_cache_mode": "force_custom_plan"},
        },
    )


WRITE_OPTION = "qotd_writes"


class SqliteEngine(AsyncEngine):
    """An async engine for one SQLite file: readers never wait for writers, writers queue in the process.

    SQLite allows one writer at a time. A transaction from `begin()` writes: it starts with
    BEGIN IMMEDIATE, so it holds the write lock from its first statement instead of failing when a
    read lock cannot be upgraded. Writers of this process take turns on an asyncio lock first, so
    they wait in the event loop, woken the moment the writer before them commits, rather than in
    SQLite's busy handler, which sleeps up to 100 ms between tries (another process's writer is
    still waited for there). A connection from `connect()` only reads (nothing on it is ever
    committed) and gets a plain deferred BEGIN: it reads a snapshot while a writer works.
    """

    def __init__(self, sync_engine) -> None:
        super().__init__(sync_engine)
        self._write_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()

    def _write_turn(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        turn = self._write_turns.get(loop)
        if turn is None:
            turn = self._write_turns[loop] = asyncio.Lock()
        return turn

    @contextlib.asynccontextmanager
    async def begin(self):
        turn = self._write_turn()
        try:
            await asyncio.wait_for(turn.acquire(), SQLITE_BUSY_TIMEOUT_MS / 1000)
        except TimeoutError:
            # The same error SQLite gives after its busy timeout, so callers treat both alike.
            raise sqlite3.OperationalError("database is locked (waited for this process's other writers)") from None
        try:
            async with self.connect() as connection:
                await connection.execution_options(**{WRITE_OPTION: True})
                async with connection.begin():
                    yield connection
        finally:
            turn.release()


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:  # pragma: no cover - exercised by every test
        # Take over transaction control so the begin hook below decides how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-32768")  # 32 MB of page cache: leaderboards read big index ranges
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection) -> None:  # pragma: no cover - exercised by every test
        writes = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply every pending migration. Safe to call from several processes at once.

    On PostgreSQL the migration runs on a connection of its own with no statement timeout: a
    migration rewriting a big table may take longer than any request is allowed to.
    """
    if engine.dialect.name == "postgresql":
        migrating = create_async_engine(engine.url, poolclass=NullPool, connect_args={"timeout": CONNECT_TIMEOUT})
        try:
            await _upgrade(migrating, revision)
        finally:
            await migrating.dispose()
        return
    await _upgrade(engine, revision)


async def _upgrade(engine: AsyncEngine, revision: str) -> None:
    def run(sync_connection) -> None:
        if sync_connection.dialect.name == "postgresql":
            sync_connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})")
        config = alembic_config()
        config.attributes["connection"] = sync_connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def read(sync_connection) -> str | None:
        return MigrationContext.configure(sync_connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)


def describe_url(url: str) -> str:
    """The URL with any password hidden, for logs and messages."""
    return make_url(url).render_as_string(hide_password=True)


# SQLSTATE prefixes meaning "the server is not there for us right now": connection exceptions (08),
# operator intervention (57P: shutdown, crash restart, "cannot connect now" while starting), too many
# connections (53300).
UNAVAILABLE_SQLSTATES = ("08", "57P", "53300")
# SQLite's ways of saying the file cannot be used at the moment (after the busy timeout, for locks).
SQLITE_UNAVAILABLE = ("database is locked", "unable to open database file", "disk i/o error")
DRIVER_MODULES = ("asyncpg", "aiosqlite", "sqlalchemy.pool", "sqlalchemy.connectors", "sqlalchemy.dialects")


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database could not be reached (a transient outage), not a bug.

    True for a connection the driver found closed or refused, a server shutting down or starting
    up, too many connections, an exhausted pool, and a network error or timeout raised inside the
    database driver. A programming error, a constraint violation, or a network error from a chat
    platform is not an outage and stays an error.
    """
    for link in _causes(exc):
        if isinstance(link, sa_exc.DBAPIError) and link.connection_invalidated:
            return True
        if isinstance(link, sa_exc.TimeoutError):  # no pooled connection freed up in time
            return True
        sqlstate = getattr(link, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(UNAVAILABLE_SQLSTATES):
            return True
        if type(link).__name__ == "ConnectionDoesNotExistError":  # asyncpg: closed in the middle of a query
            return True
        if isinstance(link, sqlite3.OperationalError) and str(link).lower().startswith(SQLITE_UNAVAILABLE):
            return True
        if isinstance(link, (OSError, TimeoutError)) and _raised_in_driver(link):
            return True
    return False


def describe_failure(exc: BaseException) -> str:
    """One line naming a database failure for logs: the driver's error class and message, no SQL or parameters."""
    root = list(_causes(exc))[-1]
    message = " ".join(str(root).split())[:200]
    return f"{type(root).__name__}: {message}" if message else type(root).__name__


def _causes(exc: BaseException):
    """`exc`, then what it wraps (SQLAlchemy's `.orig`, `raise ... from`), innermost last."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        wrapped = getattr(link, "orig", None)
        link = wrapped if isinstance(wrapped, BaseException) else link.__cause__


def _raised_in_driver(exc: BaseException) -> bool:
    """The error passed through the database driver or the pool's connect (not a chat platform call)."""
    return any(
        str(frame.f_globals.get("__name__", "")).startswith(DRIVER_MODULES) for frame, _ in traceback.walk_tb(exc.__traceback__)
    )
