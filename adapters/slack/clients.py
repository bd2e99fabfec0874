"""Web API clients: one per workspace, all pointed at `SLACK_API_URL`, paced, and honouring 429 Retry-After.

The port and the listeners ask `clients.for_team(team_id)`. A single-workspace app (Socket Mode
or HTTP mode with one bot token) has one client for everything; a distributed app looks the
workspace's bot token up in its installation store (see `installations.py`).

Each client carries its workspace's `Pacer` (pacing.py): calls that post or change messages wait
for their turn under Slack's limits, so a morning fan-out to many channels goes out at the allowed
rate instead of into 429s. A 429 that still happens is retried after Retry-After and pauses the pacer.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.pacing import Pacer, PacingSettings, paced_channel
from bot import metrics


# Why a schedule stopped when its workspace had no installation left (shown in /qotd status).
NOT_INSTALLED_REASON = "the app is not installed in this workspace any more"


class WorkspaceNotInstalled(LookupError):
    """No installation (or no bot token) for this workspace: the app was removed or never installed."""


class CountedRateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """Slack's 429 handling (waits Retry-After, then retries), with the wait counted for /metrics.

    With a pacer, the wait also holds back the workspace's other paced calls.
    """

    def __init__(self, max_retry_count: int = 2, pacer: Pacer | None = None) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.pacer = pacer

    async def prepare_for_next_attempt_async(self, **kwargs) -> None:
        response = kwargs.get("response")
        if self.pacer is not None and response is not None:
            self.pacer.pause(_retry_after(response.headers))
        started = time.monotonic()
        try:
            await super().prepare_for_next_attempt_async(**kwargs)
        finally:
            metrics.RATE_LIMIT_WAIT.labels("slack").inc(time.monotonic() - started)


def _retry_after(headers) -> float:
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            try:
                return float(value[0] if isinstance(value, (list, tuple)) else value)
            except (TypeError, ValueError, IndexError):
                break
    return 1.0


# How long the shared session outlives the last message call: a fan-out's short pauses keep its connections.
SESSION_LINGER_SECONDS = 2.0


class _SharedSession:
    """One HTTP session (kept-alive connections) for a client's message calls while they keep coming.

    Shared by the client's copies (port.py copies clients). Closed SESSION_LINGER_SECONDS after the
    last call returns, by a task that also closes it when the event loop shuts down (its pending
    tasks are cancelled), or at once when the last call itself was cancelled.
    """

    __slots__ = ("closer", "session", "users")

    def __init__(self) -> None:
        self.session: aiohttp.ClientSession | None = None
        self.users = 0
        self.closer: asyncio.Task | None = None

    def take(self, timeout: float) -> aiohttp.ClientSession:
        self.users += 1
        if self.closer is not None:
            self.closer.cancel()  # it sees a user and leaves the session open
            self.closer = None
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))
        return self.session

    async def give_back(self, *, cancelled: bool) -> None:
        self.users -= 1
        if self.users or self.session is None:
            return
        if cancelled:  # shutting down: no task may outlive this one
            session, self.session = self.session, None
            await session.close()
        else:
            self.closer = asyncio.get_running_loop().create_task(self._close_when_idle(self.session))

    async def _close_when_idle(self, session: aiohttp.ClientSession) -> None:
        try:
            await asyncio.sleep(SESSION_LINGER_SECONDS)
        finally:
            if self.users == 0 and self.session is session:
                self.session = None
                await session.close()


class PacedWebClient(AsyncWebClient):
    """slack_sdk's AsyncWebClient whose message calls wait for their turn under the workspace's pacer.

    Its calls share one HTTP session (kept-alive connections) while they keep coming, instead of
    opening a connection each; a session given by the caller is used as is.
    """

    def __init__(self, *args, pacer: Pacer | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pacer = pacer
        self._own_sessions = self.session is None
        self._shared = _SharedSession()

    async def api_call(self, api_method: str, *, json: dict | None = None, data=None, **kwargs):
        paced, channel = paced_channel(api_method, json if json is not None else data if isinstance(data, dict) else None)
        if not self._own_sessions:
            if paced and self.pacer is not None:
                await self.pacer.wait(channel)
            return await super().api_call(api_method, json=json, data=data, **kwargs)
        shared = self._shared
        self.session = shared.take(self.timeout)  # from the pacer's queue on: a fan-out keeps one session
        cancelled = False
        try:
            if paced and self.pacer is not None:
                await self.pacer.wait(channel)
            self.session = shared.session  # open while any call is in flight
            return await super().api_call(api_method, json=json, data=data, **kwargs)
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            await shared.give_back(cancelled=cancelled)


def web_client(token: str | None, api_url: str | None, pacer: Pacer | PacingSettings | None = None) -> AsyncWebClient:
    """A client for one workspace. `pacer`: its pacer, or the settings for a new one (default: from SLACK_RATE_* ...)."""
    if not isinstance(pacer, Pacer):
        pacer = Pacer(pacer if pacer is not None else PacingSettings.from_env())
    kwargs = {"base_url": api_url} if api_url else {}
    client = PacedWebClient(token=token, pacer=pacer, **kwargs)
    client.retry_handlers.append(CountedRateLimitRetry(max_retry_count=2, pacer=pacer))  # honours Retry-After
    return client


class WorkspaceClients(Protocol):
    async def for_team(self, team_id: str) -> AsyncWebClient: ...


class SingleWorkspace:
    """One bot token for every call."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def for_team(self, team_id: str) -> AsyncWebClient:  # noqa: ARG002 - one workspace
        return self.client
