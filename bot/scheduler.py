"""APScheduler drives the tick; the database decides what is due.

There is exactly one in-memory job per process (the tick), whatever the
number of channels, and no APScheduler job store is shared between
processes: exactly-once comes from the database claims in `bot.services.posting`.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.bootstrap import Qotd

log = logging.getLogger(__name__)


def start_ticking(app: Qotd, seconds: float) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def tick() -> None:
        try:
            report = await app.tick()
        except Exception as exc:  # the database may be briefly unreachable; the next tick retries
            log.error("scheduler tick failed: %s; retrying on the next tick", exc)
            return
        if report:
            log.info("tick: %d posted, %d revealed, %d skipped, %d failed", report.posted, report.revealed, report.skipped, report.failed)

    scheduler.add_job(
        tick,
        "interval",
        seconds=seconds,
        id="qotd-tick",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=None,
    )
    scheduler.start()
    # First tick right away so a restart catches up on missed posts and reveals at once.
    scheduler.modify_job("qotd-tick", next_run_time=_now())
    return scheduler


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)
