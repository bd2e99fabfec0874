"""The schema comes only from Alembic migrations, and they create exactly what bot/db/tables.py describes."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from alembic.script import ScriptDirectory

from bot.db.engine import alembic_config, create_engine, current_revision, upgrade
from bot.db.tables import metadata


async def test_migrations_match_the_table_definitions(db_url):
    engine = create_engine(db_url)
    try:
        await upgrade(engine)
        await upgrade(engine)  # idempotent
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert await current_revision(engine) == head

        def diff(sync_connection):
            context = MigrationContext.configure(sync_connection, opts={"compare_type": False})
            return compare_metadata(context, metadata)

        async with engine.connect() as conn:
            differences = await conn.run_sync(diff)
        assert differences == []
    finally:
        await engine.dispose()


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    from sqlalchemy import text

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'q.db'}")
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() >= 5000
    finally:
        await engine.dispose()
