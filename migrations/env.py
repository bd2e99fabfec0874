"""Alembic environment: async engines, and a connection handed in by the bot when it upgrades itself."""

from __future__ import annotations

import asyncio
import os

from alembic import context

from bot.db.tables import metadata

config = context.config
target_metadata = metadata


def run_with(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def database_url() -> str:
    from bot.config import Settings

    return config.get_main_option("sqlalchemy.url") or Settings.from_env(os.environ).database_url


async def run_online() -> None:
    from bot.db.engine import create_engine

    engine = create_engine(database_url())
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run_with)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif config.attributes.get("connection") is not None:
    run_with(config.attributes["connection"])
else:
    asyncio.run(run_online())
