"""Running the Slack adapter (HTTP mode) as a process: check credentials, serve, tick, stop cleanly.

`serve()` is what `qotd run` should call when Slack is configured (the CLI wiring is a core
change, not made here). Exit codes follow the Discord runner: 2 for bad or missing
configuration (one clear log line), 1 when Slack cannot be reached.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Mapping

import aiohttp
from slack_sdk.errors import SlackApiError

from adapters.slack.app import build_slack_app
from adapters.slack.http_server import serve_http
from adapters.slack.settings import SlackConfigError, SlackSettings
from bot.bootstrap import bootstrap
from bot.clock import Clock
from bot.config import Settings
from bot.scheduler import start_ticking

log = logging.getLogger(__name__)
CONFIG_ERROR = 2
UNREACHABLE = 1


async def serve(
    settings: Settings,
    env: Mapping[str, str] | None = None,
    *,
    clock: Clock | None = None,
    stop: asyncio.Event | None = None,
) -> int:
    """Serve Slack over HTTP until SIGTERM/SIGINT (or `stop` is set); returns the exit code."""
    try:
        slack = SlackSettings.from_env(env)
    except SlackConfigError as exc:
        log.error("%s", exc)
        return CONFIG_ERROR
    app = await bootstrap(settings, clock=clock)
    runner = ticker = None
    stop = stop or asyncio.Event()
    undo = _stop_on_signals(stop)
    try:
        bolt = build_slack_app(app, slack)
        try:
            await bolt.client.auth_test()
        except SlackApiError as exc:
            log.error("Slack rejected the bot token (%s): check SLACK_BOT_TOKEN", exc.response.get("error"))
            return CONFIG_ERROR
        except (aiohttp.ClientError, OSError) as exc:
            log.error("could not reach Slack at %s: %s", bolt.client.base_url, exc.__class__.__name__)
            return UNREACHABLE
        try:
            runner = await serve_http(bolt, slack)
        except OSError as exc:
            log.error("could not listen on %s:%s: %s", slack.host, slack.port, exc.strerror or exc)
            return CONFIG_ERROR
        ticker = start_ticking(app, settings.tick_seconds)
        await stop.wait()
        return 0
    finally:
        undo()
        if ticker is not None:
            await ticker.stop()
        if runner is not None:
            await runner.cleanup()
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
