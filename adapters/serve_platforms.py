"""`qotd run` with chat platforms: every configured adapter in one process and event loop, one scheduler.

Order: check every platform's settings (nothing starts on a bad one), bootstrap the core once
(migrations included), start each adapter, then start the one scheduler tick, so nothing is
posted through an adapter that is not connected yet. An adapter that stops on its own stops the
process with its exit code.

SIGTERM/SIGINT (or `stop`) stop the scheduler first: no new claim is taken, and the posts and
reveals already claimed are finished. If the platform holds them up for longer than
QOTD_SHUTDOWN_GRACE (20 s by default, inside the usual 30 s a container gets to stop), they are
abandoned. Then the adapters stop, any claim this process still holds is released so another
instance takes it over on its next tick (bot.services.claim_release), and the database
connections are closed. A second signal while stopping ends the process at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Mapping

from adapters.running import CONFIG_ERROR, RunningAdapter, StartFailed
from bot.bootstrap import bootstrap
from bot.clock import Clock
from bot.config import Settings
from bot.errors import InvalidInput
from bot.schedule_rules import parse_duration
from bot.scheduler import start_ticking
from bot.services.claim_release import release_unfinished_claims

log = logging.getLogger("qotd.run")
SHUTDOWN_GRACE = 20.0  # seconds the work in hand gets to finish after SIGTERM (QOTD_SHUTDOWN_GRACE)


async def serve(
    settings: Settings,
    env: Mapping[str, str] | None = None,
    *,
    clock: Clock | None = None,
    stop: asyncio.Event | None = None,
    discord_options: dict | None = None,
) -> int:
    """Run every configured platform until stopped; returns the process exit code."""
    try:
        grace = shutdown_grace(os.environ if env is None else env)
    except InvalidInput as exc:
        log.error("%s", exc.message)
        return CONFIG_ERROR
    slack = None
    if "slack" in settings.platforms:
        from adapters.slack.settings import SlackConfigError, SlackSettings

        try:
            slack = SlackSettings.from_env(env)
        except SlackConfigError as exc:
            log.error("%s", exc)
            return CONFIG_ERROR
    if not settings.platforms:
        log.error("no chat platform is configured (set DISCORD_TOKEN and/or SLACK_BOT_TOKEN, SLACK_CLIENT_ID)")
        return CONFIG_ERROR

    app = await bootstrap(settings, clock=clock)
    stop = stop or asyncio.Event()
    undo_signals = _stop_on_signals(stop)
    running: list[RunningAdapter] = []
    ticker = ops = None
    try:
        if settings.ops_port:
            from adapters.ops_server import serve_ops

            try:
                ops = await serve_ops(app, running, settings.ops_host, settings.ops_port)
            except OSError as exc:
                log.error("could not listen on %s:%s for /healthz: %s", settings.ops_host, settings.ops_port, exc.strerror or exc)
                return CONFIG_ERROR
        try:
            if slack is not None:
                from adapters.slack.runner import start_slack

                running.append(await start_slack(app, slack))
            if "discord" in settings.platforms:
                from adapters.discord.runner import start_discord

                running.append(await start_discord(app, settings, **(discord_options or {})))
        except StartFailed as exc:
            if exc.message:
                log.error("%s", exc.message)
            return exc.code
        if stop.is_set():  # stopped while the adapters were starting
            return 0
        ticker = start_ticking(app, settings.tick_seconds)
        log.info("qotd is running on %s", " and ".join(adapter.name for adapter in running))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({stopping, *(adapter.finished for adapter in running)}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        ended = [adapter for adapter in running if adapter.finished.done()]
        return ended[0].finished.result() if ended and not stop.is_set() else 0
    finally:
        undo_signals()  # from here on, a second SIGTERM or Ctrl-C ends the process at once
        if ticker is not None:
            await ticker.stop(grace)
        for adapter in reversed(running):
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping the %s adapter failed", adapter.name)
        if ops is not None:
            await ops.cleanup()
        if ticker is not None:
            try:
                await release_unfinished_claims(app.ctx)
            except Exception as exc:  # the database is gone: the claims go stale after the claim timeout instead
                log.warning("could not release this instance's unfinished claims: %s", exc)
        await app.close()
        log.info("qotd stopped; database connections closed")


def shutdown_grace(env: Mapping[str, str]) -> float:
    raw = (env.get("QOTD_SHUTDOWN_GRACE") or "").strip()
    if not raw:
        return SHUTDOWN_GRACE
    return parse_duration(raw, what="QOTD_SHUTDOWN_GRACE").total_seconds()


def _stop_on_signals(stop: asyncio.Event):
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)

    def undo() -> None:
        for sig in installed:
            loop.remove_signal_handler(sig)

    return undo
