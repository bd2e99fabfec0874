"""Pacing Slack Web API calls so the app stays under Slack's rate limits instead of collecting 429s.

Slack allows chat.postMessage about one message per second per channel (short bursts tolerated) and
keeps a workspace-wide limit on top of that. A `Pacer` (one per workspace client, see clients.py)
spaces the calls that post or change messages: at most `rate` per second overall with `burst` at
once, and for chat.postMessage at most `channel_rate` per second in each channel with
`channel_burst` at once.

Calls queue in order (a "generic cell rate" schedule): each one's turn is counted from the moment
the one before it actually went out, so a thousand waiting posts wake one after another instead of
polling, and a process that stalled for a moment never lets its backlog out in one burst. A
channel's calls queue behind each other and join the overall queue only once the channel allows
them, so a busy channel never holds up the others. Slack's 429 with Retry-After stays the safety
net (clients.py retries it) and pauses the pacer for as long as Slack asked, so the calls behind it
do not run into the same wall.

Settings (read once per client): SLACK_RATE_PER_SECOND (default 8: Slack documents a workspace-wide
limit of several hundred messages a minute without a number), SLACK_RATE_BURST (default 1),
SLACK_CHANNEL_RATE_PER_SECOND (default 1, Slack's per-channel limit) and SLACK_CHANNEL_RATE_BURST
(default 1). A rate of 0 turns that limit off.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from adapters.slack.settings import SlackConfigError

# Methods that post or change messages: paced overall. chat.postMessage is also paced per channel.
PACED_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral", "chat.delete"})
PER_CHANNEL_METHODS = frozenset({"chat.postMessage"})

DEFAULT_RATE = 8.0
DEFAULT_CHANNEL_RATE = 1.0


@dataclass(frozen=True)
class PacingSettings:
    rate: float | None = DEFAULT_RATE  # calls per second per workspace; None: no overall limit
    burst: int = 1
    channel_rate: float | None = DEFAULT_CHANNEL_RATE  # chat.postMessage per second per channel; None: none
    channel_burst: int = 1

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "PacingSettings":
        env = os.environ if env is None else env
        return cls(
            rate=_rate(env, "SLACK_RATE_PER_SECOND", DEFAULT_RATE),
            burst=_burst(env, "SLACK_RATE_BURST"),
            channel_rate=_rate(env, "SLACK_CHANNEL_RATE_PER_SECOND", DEFAULT_CHANNEL_RATE),
            channel_burst=_burst(env, "SLACK_CHANNEL_RATE_BURST"),
        )


def _rate(env: Mapping[str, str], name: str, default: float) -> float | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SlackConfigError(f"{name} must be a number of calls per second, 0 for no limit (got {raw!r})") from None
    if value < 0 or not math.isfinite(value):
        raise SlackConfigError(f"{name} must be a number of calls per second, 0 for no limit (got {raw!r})")
    return value or None


def _burst(env: Mapping[str, str], name: str) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or int(raw) < 1:
        raise SlackConfigError(f"{name} must be a whole number from 1 (got {raw!r})")
    return int(raw)


class _Schedule:
    """One rate limit as the theoretical time of the next call: `allowed` is the earliest send, `take` records one."""

    __slots__ = ("interval", "tolerance", "due")

    def __init__(self, rate: float, burst: int) -> None:
        self.interval = 1.0 / rate
        self.tolerance = (burst - 1) * self.interval
        self.due = -math.inf  # the theoretical time of the next call at the steady rate

    def allowed(self, now: float) -> float:
        return max(now, self.due - self.tolerance)

    def take(self, at: float) -> None:
        self.due = max(self.due, at) + self.interval


class _Lane:
    __slots__ = ("schedule", "lock", "users")

    def __init__(self, rate: float, burst: int) -> None:
        self.schedule = _Schedule(rate, burst)
        self.lock = asyncio.Lock()
        self.users = 0


class Pacer:
    """Waits before each call so calls stay under an overall rate and a per-channel rate.

    `clock` and `sleep` are injectable so tests can drive time by hand.
    """

    def __init__(
        self,
        settings: PacingSettings | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.settings = settings or PacingSettings()
        self._clock = clock
        self._sleep = sleep
        rate = self.settings.rate
        self._overall = _Schedule(rate, self.settings.burst) if rate else None
        self._queue = asyncio.Lock()  # FIFO: the overall turns are taken in the order calls asked
        self._lanes: dict[str, _Lane] = {}
        self._sweep_at = 1024
        self.waited = 0.0  # seconds calls spent waiting for their turn (the benchmarks report it)
        self.calls = 0

    async def wait(self, channel: str | None = None) -> float:
        """Wait for this call's turn; `channel` adds the per-channel limit. Returns the seconds waited."""
        self.calls += 1
        channel_rate = self.settings.channel_rate
        if channel is None or not channel_rate:
            return await self._overall_turn()
        lane = self._lanes.get(channel)
        if lane is None:
            if len(self._lanes) >= self._sweep_at:
                self._sweep()
            lane = self._lanes[channel] = _Lane(channel_rate, self.settings.channel_burst)
        lane.users += 1
        try:
            async with lane.lock:  # the channel's calls go one at a time, in order
                waited = await self._until(lane.schedule.allowed(self._clock()))
                waited += await self._overall_turn()
                lane.schedule.take(self._clock())  # from the actual send time: wake-up delays never bunch a channel
                return waited
        finally:
            lane.users -= 1

    def pause(self, seconds: float) -> None:
        """Slack answered 429 with Retry-After: no paced call goes out for `seconds`."""
        if self._overall is None:
            self._overall = _Schedule(1e9, 1)
        resume = self._clock() + max(0.0, seconds)
        self._overall.due = max(self._overall.due, resume + self._overall.tolerance)

    async def _overall_turn(self) -> float:
        if self._overall is None:
            return 0.0
        async with self._queue:
            waited = await self._until(self._overall.allowed(self._clock()))
            self._overall.take(self._clock())
            return waited

    async def _until(self, at: float) -> float:
        delay = at - self._clock()
        if delay <= 0:
            return 0.0
        await self._sleep(delay)
        self.waited += delay
        return delay

    def _sweep(self) -> None:
        """Forget idle channels whose limit has fully recovered (they behave like new ones)."""
        now = self._clock()
        for key in [k for k, lane in self._lanes.items() if not lane.users and lane.schedule.due <= now]:
            del self._lanes[key]
        self._sweep_at = max(1024, 2 * len(self._lanes))


def paced_channel(api_method: str, payload: Mapping | None) -> tuple[bool, str | None]:
    """Is this Web API call paced, and under which channel's limit (None: the overall limit only)?"""
    if api_method not in PACED_METHODS:
        return False, None
    if api_method in PER_CHANNEL_METHODS and payload:
        channel = payload.get("channel")
        return True, str(channel) if channel else None
    return True, None
