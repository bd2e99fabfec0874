"""Dialect-aware statements: INSERT ... ON CONFLICT for SQLite and PostgreSQL alike.

`insert_ignoring_conflict` builds its statement once per (dialect, table, conflict, returning) and runs
it with the row as parameters: building a statement costs more than running a small one.
"""

from __future__ import annotations

from functools import lru_cache
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
    """INSERT ... ON CONFLICT (conflict) DO NOTHING. Returns the `returning` column (or True) if a row was added.

    `values` are plain values (no SQL expressions): they are the statement's parameters.
    """
    statement = _insert_ignoring(connection.dialect.name, table, tuple(conflict), returning)
    row = (await connection.execute(statement, values)).first()
    if row is None:
        return None
    return row[0] if returning else True


@lru_cache(maxsize=None)
def _insert_ignoring(dialect: str, table: Table, conflict: tuple[str, ...], returning: str | None):
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    column = table.c[returning] if returning else next(iter(table.primary_key.columns))
    return insert(table).on_conflict_do_nothing(index_elements=list(conflict)).returning(column)


async def upsert(
    connection: AsyncConnection, table: Table, values: dict[str, Any], conflict: list[str], update: dict[str, Any]
) -> None:
    """INSERT ... ON CONFLICT (conflict) DO UPDATE SET update (expressions may use `excluded`)."""
    statement = _insert(connection, table).values(**values)
    statement = statement.on_conflict_do_update(index_elements=conflict, set_=update)
    await connection.execute(statement)
