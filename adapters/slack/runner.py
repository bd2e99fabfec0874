"""Starting and stopping the Slack adapter inside the bot's process (see adapters/serve_platforms.py).

Socket Mode connects out to Slack; HTTP mode (one workspace, or many through OAuth installs)
listens on SLACK_HOST:SLACK_PORT. A single-workspace bot token is checked with auth.test first,
so a wrong token is one clear line and exit code 2, and an unreachable Slack is exit code 1.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from slack_sdk.errors import SlackApiError

from adapters.running import CONFIG_ERROR, UNREACHABLE, StartFailed
from adapters.slack.app import build_slack_app
from adapters.slack.http_server import serve_http
from adapters.slack.settings import OAUTH, SOCKET, SlackConfigError, SlackSettings
from bot.bootstrap import Qotd

log = logging.getLogger(__name__)


class RunningSlack:
    name = "slack"

    def __init__(self, stop_serving, connected=lambda: True) -> None:
        self._stop_serving = stop_serving
        self._connected = connected
        self.finished: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def connected(self) -> bool:
        return not self.finished.done() and self._connected()

    async def stop(self) -> None:
        await self._stop_serving()
        if not self.finished.done():
            self.finished.set_result(0)


async def start_slack(qotd: Qotd, slack: SlackSettings) -> RunningSlack:
    bolt = build_slack_app(qotd, slack)
    if slack.mode != OAUTH:
        try:
            await bolt.client.auth_test()
        except SlackApiError as exc:
            raise StartFailed(
                CONFIG_ERROR, f"Slack rejected the bot token ({exc.response.get('error')}): check SLACK_BOT_TOKEN"
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise StartFailed(UNREACHABLE, f"could not reach Slack at {bolt.client.base_url}: {exc.__class__.__name__}") from None
    if slack.mode == SOCKET:
        from adapters.slack.socket_mode import connect_socket_mode

        try:
            connection = await connect_socket_mode(bolt, slack)
        except SlackConfigError as exc:
            raise StartFailed(CONFIG_ERROR, str(exc)) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise StartFailed(UNREACHABLE, f"could not open a Socket Mode connection to Slack: {exc.__class__.__name__}") from None
        log.info("Slack connected in Socket Mode")
        return RunningSlack(connection.close, lambda: not connection.closed)
    try:
        runner = await serve_http(bolt, slack)
    except OSError as exc:
        raise StartFailed(CONFIG_ERROR, f"could not listen on {slack.host}:{slack.port}: {exc.strerror or exc}") from None
    if slack.mode == OAUTH:
        log.info("Slack installs open at http://%s:%s/slack/install", slack.host, slack.port)
    return RunningSlack(runner.cleanup)
