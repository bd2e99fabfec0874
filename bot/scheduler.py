"""APScheduler drives the tick; the database decides what is due.

There is exactly one in-memory job per process (the tick), whatever the
number of channels, and no APScheduler job store is shared between
processes: exactly-once comes from the database claims in `bot.services.posting`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.bootstrap import Qotd

log = logging.getLogger(__name__)
JOB_ID = "qotd-tick"


class Ticker:
    """Runs `app.tick()` every `seconds`, starting at once so a restart catches up on missed work."""

    def __init__(self, app: Qotd, seconds: float) -> None:
        self.app = app
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self._busy = asyncio.Lock()
        self._stopping = False
        self.scheduler.add_job(
            self._tick,
            "interval",
            seconds=seconds,
            id=JOB_ID,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now(timezone.utc),
        )

    def start(self) -> "Ticker":
        self.scheduler.start()
        return self

    async def _tick(self) -> None:
        async with self._busy:
            if self._stopping:
                return
            try:
                report = await self.app.tick()
            except Exception as exc:  # the database may be briefly unreachable; the next tick retries
                log.error("scheduler tick failed: %s; retrying on the next tick", exc)
                return
        if report:
            log.info(
                "tick: %d posted, %d revealed, %d skipped, %d failed",
                report.posted, report.revealed, report.skipped, report.failed,
            )

    def jobs(self) -> list[str]:
        return [job.id for job in self.scheduler.get_jobs()]

    async def stop(self) -> None:
        """Take no new ticks, let a running one finish (claims are never left half done), then stop."""
        self._stopping = True
        self.app.ctx.stopping = True  # a tick in progress stops before its next claim
        if self.scheduler.running:
            self.scheduler.pause()
        async with self._busy:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=False)


def start_ticking(app: Qotd, seconds: float) -> Ticker:
    return Ticker(app, seconds).start()
