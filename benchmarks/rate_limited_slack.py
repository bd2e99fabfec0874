"""A fake Slack Web API that enforces rate limits the way Slack does, and counts the 429s it had to send.

`RateLimitedSlack` is tests/fakes/fake_slack.py's FakeSlack (same answers to the same methods) with
two limits in front of it, each a token bucket: an overall rate for every Web API call (a
workspace's limit; Discord's is 50 requests a second) and a per-channel rate for chat.postMessage
(Slack's one message a second per channel). Short bursts are allowed, as on Slack: `burst` calls
at once overall, `channel_burst` per channel. A call over either limit gets HTTP 429 with
Retry-After and `{"ok": false, "error": "ratelimited"}`, and is counted. Every channel exists.

It keeps counts instead of every call, so 10,000 posts cost little memory. For a benchmark it runs
in a process of its own (`running_slack`), as the real Slack would, so its work is not charged to
the bot's event loop; the pseudo-methods `bench.stats` and `bench.reset` report and zero the counts.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import AsyncIterator

import aiohttp
from aiohttp import web

from tests.fakes.fake_slack import FakeSlack

BENCH_METHODS = ("bench.stats", "bench.reset")


@dataclass(frozen=True)
class Limits:
    rate: float  # Web API calls per second, overall
    burst: int  # calls allowed at once, overall
    channel_rate: float  # chat.postMessage per second, per channel
    channel_burst: int = 1
    retry_after: int = 1  # seconds, as Slack sends it


class _Bucket:
    __slots__ = ("rate", "capacity", "tokens", "at")

    def __init__(self, rate: float, capacity: int, now: float) -> None:
        self.rate, self.capacity, self.tokens, self.at = rate, float(capacity), float(capacity), now

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now


class _EveryChannel(set):
    """Every channel id exists (the benchmark posts to thousands)."""

    def __contains__(self, item) -> bool:  # noqa: D105
        return True


class RateLimitedSlack(FakeSlack):
    def __init__(self, limits: Limits) -> None:
        super().__init__()
        self.limits = limits
        self.channels = _EveryChannel()
        self.reset()

    def reset(self) -> None:
        now = time.monotonic()
        self._overall = _Bucket(self.limits.rate, self.limits.burst, now)
        self._channels: dict[str, _Bucket] = {}
        self.counts: dict[str, int] = {}
        self.posted_channels: dict[str, int] = {}
        self.limited_overall = 0
        self.limited_channel = 0
        self.first_at: float | None = None
        self.last_at: float | None = None

    async def __aenter__(self) -> "RateLimitedSlack":
        await super().__aenter__()
        return self

    def _record(self, call) -> None:  # counts only; see `stats`
        self._changed.set()

    def stats(self) -> dict:
        return {
            "counts": dict(self.counts),
            "posts": self.counts.get("chat.postMessage", 0),
            "channels_posted": len(self.posted_channels),
            "channels_posted_twice": sum(1 for n in self.posted_channels.values() if n > 1),
            "limited_overall": self.limited_overall,
            "limited_channel": self.limited_channel,
            "limited": self.limited_overall + self.limited_channel,
            "first_at": self.first_at,
            "last_at": self.last_at,
            "limits": asdict(self.limits),
        }

    def _admit(self, method: str, channel: str) -> str | None:
        """None if the call is within the limits (and takes its tokens), else which limit it broke."""
        now = time.monotonic()
        overall = self._overall
        overall.refill(now)
        lane = None
        if method == "chat.postMessage" and channel:
            lane = self._channels.get(channel)
            if lane is None:
                lane = self._channels[channel] = _Bucket(self.limits.channel_rate, self.limits.channel_burst, now)
            lane.refill(now)
        if overall.tokens < 1:
            return "overall"
        if lane is not None and lane.tokens < 1:
            return "channel"
        overall.tokens -= 1
        if lane is not None:
            lane.tokens -= 1
        return None

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method in BENCH_METHODS:  # the benchmark asking, not the app: no limits
            if method == "bench.reset":
                self.reset()
            return web.json_response(self.stats())
        params = await self._params(request)
        channel = str(params.get("channel") or "")
        broken = self._admit(method, channel)
        if broken is not None:
            if broken == "overall":
                self.limited_overall += 1
            else:
                self.limited_channel += 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(self.limits.retry_after)}
            )
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
        response = self._answer(method, params, token)
        if response.get("ok"):
            self.counts[method] = self.counts.get(method, 0) + 1
            if method == "chat.postMessage" and not params.get("thread_ts"):
                self.posted_channels[channel] = self.posted_channels.get(channel, 0) + 1
                now = time.monotonic()
                self.first_at = self.first_at if self.first_at is not None else now
                self.last_at = now
        return web.json_response(response)


# ---- running in a process of its own ---------------------------------------------------------


def _serve(conn, limits: Limits) -> None:
    async def main() -> None:
        async with RateLimitedSlack(limits) as fake:
            conn.send(fake.port)
            await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # until told to stop

    asyncio.run(main())


@dataclass
class RemoteSlack:
    port: int

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    async def stats(self) -> dict:
        return await self._ask("bench.stats")

    async def reset(self) -> dict:
        return await self._ask("bench.reset")

    async def _ask(self, method: str) -> dict:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{self.api_url}{method}") as response:
                return json.loads(await response.text())


@asynccontextmanager
async def running_slack(limits: Limits) -> AsyncIterator[RemoteSlack]:
    """A RateLimitedSlack in a child process, for as long as the block runs."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve, args=(theirs, limits), daemon=True)
    process.start()
    try:
        port = await asyncio.get_running_loop().run_in_executor(None, ours.recv)
        yield RemoteSlack(port)
    finally:
        try:
            ours.send("stop")
        except OSError:
            pass
        await asyncio.get_running_loop().run_in_executor(None, process.join, 10)
        if process.is_alive():
            process.kill()
