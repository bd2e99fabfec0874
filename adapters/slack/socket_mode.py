"""Socket Mode: the same Bolt app, fed over Slack's websocket instead of a public request URL.

`connect_socket_mode()` asks Slack for a websocket URL (`apps.connections.open`, authorised by the
app-level token), connects slack-bolt's `AsyncSocketModeHandler` to it and returns once Slack has
said `hello`. From then on the handler acknowledges every envelope with its `envelope_id` (the
payload of a modal's validation errors rides on that ack) and follows Slack's `disconnect`
requests and reconnects by itself. `close()` lets envelopes being dispatched finish their ack,
then closes the websocket and stops the handler's tasks.

Start-up errors are meant to become one log line in the runner:
- a rejected app token (or Socket Mode switched off): `SlackConfigError`;
- Slack unreachable or failing: `aiohttp.ClientError` / `OSError` (including `TimeoutError`).

Retried events (`retry_attempt` / `retry_reason` on an `events_api` envelope) are dispatched like
the first delivery; Bolt shows them to listeners as `X-Slack-Retry-*` headers. They are not dropped:
answers are deduplicated by the core on the message's own id, so a retry of a delivery that really
failed still counts, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.request import SocketModeRequest

from adapters.slack.clients import web_client
from adapters.slack.settings import SlackConfigError, SlackSettings

log = logging.getLogger(__name__)

# apps.connections.open errors that mean "Slack is having trouble", not "the token is wrong".
TRANSIENT_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})
DRAIN_SECONDS = 3.0  # Slack's ack deadline: nothing in flight can usefully take longer


class SocketModeConnection:
    """A running Socket Mode connection; `await close()` stops it (safe to call twice)."""

    def __init__(self, handler: AsyncSocketModeHandler) -> None:
        self.handler = handler
        self.hello = asyncio.Event()  # set each time Slack greets a (re)connected websocket
        self.connections_open: int | None = None  # Slack's count of this app's open connections, from hello
        self._in_flight: set[asyncio.Task] = set()
        self._closed = False
        client = handler.client
        client.message_listeners.append(self._on_message)
        # Dispatch through a wrapper that tracks each envelope until Bolt has acked it.
        client.socket_mode_request_listeners[:] = [self._dispatch]

    @property
    def closed(self) -> bool:
        return self._closed

    async def _on_message(self, _client, message: dict, _raw: str | None = None) -> None:
        if message.get("type") == "hello":
            self.connections_open = message.get("num_connections")
            log.info("Slack Socket Mode connected (%s open connection(s) for this app)", self.connections_open or "?")
            self.hello.set()
        elif message.get("type") == "disconnect":
            log.info("Slack asked to reconnect Socket Mode (%s)", message.get("reason") or "no reason given")

    async def _dispatch(self, client, request: SocketModeRequest) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            await self.handler.handle(client, request)
        finally:
            if task is not None:
                self._in_flight.discard(task)

    async def close(self, drain_seconds: float = DRAIN_SECONDS) -> None:
        """Finish acking what is being dispatched (up to `drain_seconds`), then disconnect and clean up."""
        if self._closed:
            return
        self._closed = True
        client = self.handler.client
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=drain_seconds)
        for task in self._in_flight:
            task.cancel()
        tasks = [t for t in (client.message_processor, client.current_session_monitor, client.message_receiver) if t]
        tasks += list(self._in_flight)
        try:
            await self.handler.close_async()  # closes the websocket and the aiohttp session, cancels the tasks
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        log.info("Slack Socket Mode connection closed")


async def connect_socket_mode(
    bolt: AsyncApp,
    settings: SlackSettings,
    *,
    ping_interval: float = 10.0,
    connect_timeout: float = 10.0,
) -> SocketModeConnection:
    """Connect `bolt` to Slack over Socket Mode; returns once Slack has said hello.

    Raises `SlackConfigError` when Slack rejects `settings.app_token`, `aiohttp.ClientError` or
    `OSError` when Slack cannot be reached, and `TimeoutError` (an `OSError`) when the websocket
    does not come up within `connect_timeout` seconds.
    """
    if not settings.app_token:
        raise SlackConfigError("SLACK_APP_TOKEN must be set for Socket Mode (an app-level token, xapp-...)")
    client = web_client(settings.app_token, settings.api_url)
    handler = AsyncSocketModeHandler(bolt, app_token=settings.app_token, web_client=client, ping_interval=ping_interval)
    connection = SocketModeConnection(handler)
    try:
        # Asked here rather than inside the handler, which would log the failure and retry forever.
        handler.client.wss_uri = await _open_url(client, settings.app_token)
        try:
            async with asyncio.timeout(connect_timeout):
                await handler.connect_async()
                await connection.hello.wait()
        except TimeoutError:
            raise TimeoutError(f"the Slack Socket Mode websocket did not open within {connect_timeout:g} s") from None
    except BaseException:
        await connection.close(drain_seconds=0)
        raise
    return connection


async def _open_url(client, app_token: str) -> str:
    """A fresh websocket URL from `apps.connections.open`, or one clear error."""
    try:
        response = await client.apps_connections_open(app_token=app_token)
    except SlackApiError as exc:
        error = None
        with contextlib.suppress(Exception):
            error = exc.response.get("error")
        if error in TRANSIENT_ERRORS:
            raise ConnectionError(f"Slack could not open a Socket Mode connection ({error}); try again later") from None
        raise SlackConfigError(
            f"Slack rejected SLACK_APP_TOKEN ({error or 'unexpected response'}): use the app-level token (xapp-...) "
            "with the connections:write scope, and turn Socket Mode on in the app's settings"
        ) from None
    url = response.get("url")
    if not url:
        raise SlackConfigError("Slack answered apps.connections.open without a websocket URL: check SLACK_API_URL")
    return url
