"""Web API clients: one per workspace, all pointed at `SLACK_API_URL` and honouring 429 Retry-After.

The port and the listeners ask `clients.for_team(team_id)`. A single-workspace app (Socket Mode
or HTTP mode with one bot token) has one client for everything; a distributed app looks the
workspace's bot token up in its installation store (see `installations.py`).
"""

from __future__ import annotations

import time
from typing import Protocol

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics


class WorkspaceNotInstalled(LookupError):
    """No installation (or no bot token) for this workspace: the app was removed or never installed."""


class CountedRateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """Slack's 429 handling (waits Retry-After, then retries), with the wait counted for /metrics."""

    async def prepare_for_next_attempt_async(self, **kwargs) -> None:
        started = time.monotonic()
        try:
            await super().prepare_for_next_attempt_async(**kwargs)
        finally:
            metrics.RATE_LIMIT_WAIT.labels("slack").inc(time.monotonic() - started)


def web_client(token: str | None, api_url: str | None) -> AsyncWebClient:
    kwargs = {"base_url": api_url} if api_url else {}
    client = AsyncWebClient(token=token, **kwargs)
    client.retry_handlers.append(CountedRateLimitRetry(max_retry_count=2))  # honours Retry-After
    return client


class WorkspaceClients(Protocol):
    async def for_team(self, team_id: str) -> AsyncWebClient: ...


class SingleWorkspace:
    """One bot token for every call."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def for_team(self, team_id: str) -> AsyncWebClient:  # noqa: ARG002 - one workspace
        return self.client
