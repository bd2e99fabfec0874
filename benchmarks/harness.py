"""What every benchmark shares: the databases to run on, timing helpers, and the result record.

A benchmark module `benchmarks/bench_<name>.py` exposes

    async def run(db: BenchDatabase, scale: float) -> list[Result]

and measures our path and its baseline in the same run, so the ratio holds on
a noisy machine. `scale` (0 < scale <= 1, QOTD_BENCH_SCALE) shrinks the data
sizes for a quick check; the committed results use scale 1.
"""

from __future__ import annotations

import asyncio
import math
import os
import resource
import tempfile
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import AsyncIterator, Iterable

from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Result:
    """One figure with its target: `met` says whether the target holds."""

    benchmark: str  # "answer ingest"
    database: str  # "sqlite" | "postgresql" | "-" (no database involved)
    metric: str  # "ours / raw insert rate"
    value: float
    unit: str  # "ratio", "ms", "MB", "s", "count"
    target: str  # ">= 0.50" — shown beside the value
    met: bool
    details: dict = field(default_factory=dict)  # the raw figures behind the value (rates, p50, p99, sizes)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class BenchDatabase:
    """An empty database for one benchmark: a SQLite file in WAL mode, or a fresh PostgreSQL database."""

    name: str  # "sqlite" | "postgresql"
    url: str


def percentile(samples: Iterable[float], pct: float) -> float:
    """The nearest-rank percentile (pct in 0..100) of `samples`."""
    ordered = sorted(samples)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def rss_mb() -> float:
    """This process's resident set size now, in MB (from /proc; falls back to the peak)."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


class Stopwatch:
    """`with Stopwatch() as s: ...` then `s.seconds`."""

    def __enter__(self) -> "Stopwatch":
        self._start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self._start


def pg_admin_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@asynccontextmanager
async def sqlite_database() -> AsyncIterator[BenchDatabase]:
    with tempfile.TemporaryDirectory(prefix="qotd-bench-") as folder:
        yield BenchDatabase("sqlite", f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}")


@asynccontextmanager
async def postgresql_database() -> AsyncIterator[BenchDatabase]:
    import asyncpg

    admin = make_url(pg_admin_url())
    name = f"qotd_bench_{uuid.uuid4().hex[:10]}"
    args = dict(host=admin.host or "127.0.0.1", port=admin.port or 5432, user=admin.username or "postgres",
                password=admin.password, database=admin.database or "postgres")
    conn = await asyncpg.connect(**args)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield BenchDatabase("postgresql", admin.set(database=name).render_as_string(hide_password=False))
    finally:
        conn = await asyncpg.connect(**args)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


def databases() -> list:
    """The database factories to run on: SQLite always, PostgreSQL when TEST_DATABASE_URL is set."""
    found = [sqlite_database]
    if pg_admin_url():
        found.append(postgresql_database)
    return found


def scale() -> float:
    value = float(os.environ.get("QOTD_BENCH_SCALE") or 1.0)
    if not 0 < value <= 1:
        raise SystemExit(f"QOTD_BENCH_SCALE must be in (0, 1], got {value}")
    return value


def scaled(n: int, factor: float, minimum: int = 1) -> int:
    return max(minimum, int(n * factor))


async def gather_limited(coroutines, limit: int):
    """Run coroutines with at most `limit` in flight."""
    gate = asyncio.Semaphore(limit)

    async def one(coroutine):
        async with gate:
            return await coroutine

    return await asyncio.gather(*(one(c) for c in coroutines))
