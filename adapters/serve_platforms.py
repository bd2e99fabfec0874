"""`qotd run` with chat platforms: every configured adapter in one process and event loop, one scheduler.

Order: check every platform's settings (nothing starts on a bad one), bootstrap the core once
(migrations included), start each adapter, then start the one scheduler tick, so nothing is
posted through an adapter that is not connected yet. SIGTERM/SIGINT (or `stop`) stop the
scheduler first, then the adapters, then close the database. An adapter that stops on its own
stops the process with its exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Mapping

from adapters.running import CONFIG_ERROR, RunningAdapter, StartFailed
from bot.bootstrap import bootstrap
from bot.clock import Clock
from bot.config import Settings
from bot.scheduler import start_ticking

log = logging.getLogger("qotd.run")


async def serve(
    settings: Settings,
    env: Mapping[str, str] | None = None,
    *,
    clock: Clock | None = None,
    stop: asyncio.Event | None = None,
    discord_options: dict | None = None,
) -> int:
    """Run every configured platform until stopped; returns the process exit code."""
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
        ticker = start_ticking(app, settings.tick_seconds)
        log.info("qotd is running on %s", " and ".join(adapter.name for adapter in running))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({stopping, *(adapter.finished for adapter in running)}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        ended = [adapter for adapter in running if adapter.finished.done()]
        return ended[0].finished.result() if ended and not stop.is_set() else 0
    finally:
        undo_signals()
        if ticker is not None:
            await ticker.stop()
        for adapter in reversed(running):
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping the %s adapter failed", adapter.name)
        if ops is not None:
            await ops.cleanup()
        await app.close()


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
