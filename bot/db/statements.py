"""Dialect-aware statements: INSERT ... ON CONFLICT for SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def _insert(connection: AsyncConnection, table: Table):
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def insert_ignoring_conflict(
    connection: AsyncConnection, table: Table, values: dict[str, Any], conflict: list[str], returning: str | None = None
) -> Any | None:
    """INSERT ... ON CONFLICT (conflict) DO NOTHING. Returns the `returning` column (or True) if a row was added."""
    statement = _insert(connection, table).values(**values).on_conflict_do_nothing(index_elements=conflict)
    column = table.c[returning] if returning else next(iter(table.primary_key.columns))
    result = await connection.execute(statement.returning(column))
    row = result.first()
    if row is None:
        return None
    return row[0] if returning else True


async def upsert(
    connection: AsyncConnection, table: Table, values: dict[str, Any], conflict: list[str], update: dict[str, Any]
) -> None:
    """INSERT ... ON CONFLICT (conflict) DO UPDATE SET update (expressions may use `excluded`)."""
    statement = _insert(connection, table).values(**values)
    statement = statement.on_conflict_do_update(index_elements=conflict, set_=update)
    await connection.execute(statement)
