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
ABANDON_WAIT = 5.0  # seconds cancelled work gets to unwind (close its requests, roll back) once abandoned


class Ticker:
    """Runs `app.tick()` every `seconds`, starting at once so a restart catches up on missed work."""

    def __init__(self, app: Qotd, seconds: float) -> None:
        self.app = app
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self._busy = asyncio.Lock()
        self._stopping = False
        self._work: asyncio.Future | None = None  # the tick in progress
        self.scheduler.add_job(
            self._tick,
            "interval",
            seconds=seconds,
            id=JOB_ID,
            # A tick that runs longer than the interval (a big fan-out) makes the next ones return at
            # once (see _tick) instead of filling the log with APScheduler's "maximum number of
            # running instances reached" warning every interval.
            max_instances=2,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now(timezone.utc),
        )

    def start(self) -> "Ticker":
        self.scheduler.start()
        return self

    async def _tick(self) -> None:
        if self._busy.locked():  # the previous tick is still at work; the next interval looks again
            return
        async with self._busy:
            if self._stopping:
                return
            work = self._work = asyncio.ensure_future(self.app.tick())
            try:
                report = await work
            except asyncio.CancelledError:
                if not work.cancelled():  # this job itself was cancelled, not just the tick's work
                    raise
                return
            except Exception as exc:  # the database may be briefly unreachable; the next tick retries
                log.error("scheduler tick failed: %s; retrying on the next tick", exc)
                return
            finally:
                self._work = None
        if report:
            log.info(
                "tick: %d posted, %d revealed, %d skipped, %d failed",
                report.posted, report.revealed, report.skipped, report.failed,
            )

    def jobs(self) -> list[str]:
        return [job.id for job in self.scheduler.get_jobs()]

    async def stop(self, grace: float | None = None) -> bool:
        """Take no new ticks and no new claims, let the work in hand finish, then stop.

        The tick in progress finishes the posts and reveals it has claimed and takes no others. If
        that takes longer than `grace` seconds (the platform hangs), its work is cancelled: returns
        False, and the claims left unfinished should be released (bot.services.claim_release) so
        another instance takes them over at once.
        """
        self._stopping = True
        self.app.ctx.stopping = True  # a tick in progress stops before its next claim
        if self.scheduler.running:
            self.scheduler.pause()
        finished = True
        work = self._work
        if work is not None and not work.done():
            done, _ = await asyncio.wait({work}, timeout=grace)
            if not done:
                finished = False
                log.warning("the work in hand did not finish within %g s of the stop; abandoning it", grace)
                work.cancel()
                await asyncio.wait({work}, timeout=ABANDON_WAIT)
        try:  # the tick's own bookkeeping ends right after its work
            await asyncio.wait_for(self._busy.acquire(), timeout=None if finished else ABANDON_WAIT)
        except TimeoutError:
            log.warning("the abandoned tick did not unwind within %g s; stopping without it", ABANDON_WAIT)
        else:
            self._busy.release()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        return finished


def start_ticking(app: Qotd, seconds: float) -> Ticker:
    return Ticker(app, seconds).start()
