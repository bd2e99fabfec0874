"""SQLite's engine: readers never wait for a writer; this process's writers take turns without the busy handler."""

from __future__ import annotations

import asyncio
from sqlalchemy import event, text

from bot.db.engine import create_engine


async def _engine(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'engine.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        await conn.execute(text("INSERT INTO counter (id, n) VALUES (1, 0)"))
    return engine


async def test_a_reader_is_not_held_up_by_an_open_write_transaction(tmp_path):
    engine = await _engine(tmp_path)
    try:
        writing, release = asyncio.Event(), asyncio.Event()

        async def writer() -> None:
            async with engine.begin() as conn:
                await conn.execute(text("UPDATE counter SET n = n + 1"))
                writing.set()
                await release.wait()

        task = asyncio.create_task(writer())
        await writing.wait()
        async with engine.connect() as conn:  # the write lock is held: this read sees the last commit
            n = await asyncio.wait_for(conn.scalar(text("SELECT n FROM counter")), timeout=5)
        assert n == 0
        release.set()
        await task
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT n FROM counter")) == 1
    finally:
        await engine.dispose()


async def test_writers_of_one_process_take_turns_and_none_is_lost(tmp_path):
    engine = await _engine(tmp_path)
    try:
        inside = 0
        most_inside = 0
        begun_while_another_wrote = 0

        def on_statement(conn, cursor, statement, parameters, context, executemany):
            nonlocal begun_while_another_wrote
            if statement == "BEGIN IMMEDIATE" and inside:
                begun_while_another_wrote += 1

        event.listen(engine.sync_engine, "before_cursor_execute", on_statement)

        async def increment() -> None:
            nonlocal inside, most_inside
            async with engine.begin() as conn:
                inside += 1
                most_inside = max(most_inside, inside)
                n = await conn.scalar(text("SELECT n FROM counter"))
                await asyncio.sleep(0)  # let the others try to start meanwhile
                await conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
                inside -= 1

        await asyncio.gather(*(increment() for _ in range(40)))
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT n FROM counter")) == 40  # read-modify-write, and no update lost
        assert most_inside == 1
        # A writer waits for its turn in the event loop, not inside BEGIN IMMEDIATE in SQLite's busy handler
        # (which sleeps up to 100 ms between tries, however soon the lock is free).
        assert begun_while_another_wrote == 0
    finally:
        await engine.dispose()


async def test_a_failed_writer_gives_the_turn_back(tmp_path):
    engine = await _engine(tmp_path)
    try:
        try:
            async with engine.begin() as conn:
                await conn.execute(text("UPDATE counter SET n = 5"))
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        async with engine.begin() as conn:  # would wait forever if the turn were not released
            await asyncio.wait_for(conn.execute(text("UPDATE counter SET n = n + 1")), timeout=5)
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT n FROM counter")) == 1  # the failed write was rolled back
    finally:
        await engine.dispose()
