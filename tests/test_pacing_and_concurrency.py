"""The Slack pacer under a virtual clock, and due work posted concurrently yet exactly once.

The pacer tests drive time by hand (an injected clock and sleep), so they assert exact send times
without sleeping. The concurrency tests run the real tick on SQLite and PostgreSQL with a chat
port that holds each post open for a few event-loop turns, so many are in flight at once.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, insert, select

from adapters.slack.clients import SingleWorkspace, web_client
from adapters.slack.pacing import Pacer, PacingSettings, paced_channel
from adapters.slack.port import SlackPort
from adapters.slack.settings import SlackConfigError
from bot.bootstrap import bootstrap
from bot.clock import FakeClock
from bot.db.tables import posts, schedules
from bot.ports import Announcement, ChannelRef, PostedRef, QuestionPost
from tests.fakes.fake_slack import TEAM_ID, FakeSlack
from tests.support import RecordingPort, make_bank

NOW = datetime(2026, 11, 23, 9, 0, 30, tzinfo=timezone.utc)


# ---- the pacer, on virtual time ----------------------------------------------------------------------


class VirtualTime:
    """A clock and a sleep for the pacer: sleepers wake in time order when everything else is waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), future))
        await future

    async def settle(self) -> None:
        for _ in range(20):
            await asyncio.sleep(0)

    async def run(self, *coroutines):
        tasks = [asyncio.ensure_future(c) for c in coroutines]
        await self.settle()
        while not all(t.done() for t in tasks):
            assert self._sleepers, "every task waits, but nothing sleeps"
            wake, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, wake)
            future.set_result(None)
            await self.settle()
        return [t.result() for t in tasks]


def pacer(time: VirtualTime, **settings) -> Pacer:
    return Pacer(PacingSettings(**settings), clock=time.clock, sleep=time.sleep)


async def sends(time: VirtualTime, limiter: Pacer, channels: list[str | None]) -> list[tuple[str | None, float]]:
    """Ask for a turn for each channel at once; returns (channel, send time) in the order they went out."""
    sent: list[tuple[str | None, float]] = []

    async def call(channel):
        await limiter.wait(channel)
        sent.append((channel, time.now))

    await time.run(*(call(c) for c in channels))
    return sent


def most_in_any_window(times: list[float], window: float) -> int:
    ordered = sorted(times)
    return max(sum(1 for t in ordered[i:] if t < start + window - 1e-9) for i, start in enumerate(ordered))


async def test_calls_go_out_evenly_at_the_overall_rate():
    time = VirtualTime()
    sent = await sends(time, pacer(time, rate=10, burst=1, channel_rate=None), [None] * 30)
    assert [round(t, 6) for _, t in sent] == [round(i * 0.1, 6) for i in range(30)]
    assert most_in_any_window([t for _, t in sent], 1.0) == 10


async def test_a_burst_goes_at_once_then_the_rate_holds():
    time = VirtualTime()
    sent = await sends(time, pacer(time, rate=10, burst=5, channel_rate=None), [None] * 25)
    times = [round(t, 6) for _, t in sent]
    assert times[:5] == [0.0] * 5
    assert times[5:] == [round(0.1 * i, 6) for i in range(1, 21)]
    assert most_in_any_window([t for _, t in sent], 1.0) <= 10 + 5 - 1


async def test_each_channel_has_its_own_rate_and_a_busy_one_holds_up_no_other():
    time = VirtualTime()
    limiter = pacer(time, rate=100, burst=1, channel_rate=1, channel_burst=1)
    sent = await sends(time, limiter, ["A", "A", "A", "B", "B", "C"])
    by_channel: dict[str, list[float]] = {}
    for channel, at in sent:
        by_channel.setdefault(channel, []).append(at)
    for times in by_channel.values():
        assert all(later - earlier >= 1.0 - 1e-9 for earlier, later in zip(times, times[1:]))
    assert by_channel["C"][0] < 0.1 and by_channel["B"][0] < 0.1  # not behind A's second and third
    assert max(t for _, t in sent) == pytest.approx(2.0, abs=0.02)
    assert most_in_any_window([t for _, t in sent], 0.01) == 1  # the overall rate still spaces them


async def test_a_stalled_process_does_not_let_its_backlog_out_at_once():
    time = VirtualTime()
    limiter = pacer(time, rate=10, burst=1, channel_rate=None)
    await sends(time, limiter, [None])
    time.now = 5.0  # the process was busy for five seconds
    sent = await sends(time, limiter, [None] * 5)
    assert [round(t, 6) for _, t in sent] == [5.0, 5.1, 5.2, 5.3, 5.4]


async def test_a_429_pauses_every_paced_call():
    time = VirtualTime()
    limiter = pacer(time, rate=10, burst=3, channel_rate=None)
    limiter.pause(2.5)
    sent = await sends(time, limiter, [None] * 3)
    assert min(t for _, t in sent) == pytest.approx(2.5)


async def test_channels_seen_once_are_forgotten_once_idle():
    time = VirtualTime()
    limiter = pacer(time, rate=None, channel_rate=1)
    await sends(time, limiter, [f"C{n}" for n in range(1500)])
    time.now += 10  # every one of them idle and recovered
    await sends(time, limiter, [f"D{n}" for n in range(600)])
    assert len(limiter._lanes) == 600  # memory follows the channels in use, not every channel ever seen


def test_pacing_settings_from_the_environment():
    assert PacingSettings.from_env({}) == PacingSettings(rate=8.0, burst=1, channel_rate=1.0, channel_burst=1)
    tuned = PacingSettings.from_env({"SLACK_RATE_PER_SECOND": "50", "SLACK_RATE_BURST": "5",
                                     "SLACK_CHANNEL_RATE_PER_SECOND": "0", "SLACK_CHANNEL_RATE_BURST": "2"})
    assert tuned == PacingSettings(rate=50.0, burst=5, channel_rate=None, channel_burst=2)
    for name, value in (("SLACK_RATE_PER_SECOND", "fast"), ("SLACK_RATE_PER_SECOND", "-1"), ("SLACK_RATE_BURST", "0")):
        with pytest.raises(SlackConfigError, match=name):
            PacingSettings.from_env({name: value})


def test_only_message_calls_are_paced_and_only_posts_per_channel():
    assert paced_channel("chat.postMessage", {"channel": "C1"}) == (True, "C1")
    assert paced_channel("chat.update", {"channel": "C1"}) == (True, None)
    assert paced_channel("chat.postEphemeral", {"channel": "C1"}) == (True, None)
    assert paced_channel("views.open", {"trigger_id": "t"}) == (False, None)
    assert paced_channel("conversations.history", {"channel": "C1"}) == (False, None)


async def test_the_slack_port_waits_its_turn_and_slack_sees_every_post_once():
    time = VirtualTime()
    limiter = pacer(time, rate=100, burst=1, channel_rate=1)
    async with FakeSlack() as fake:
        port = SlackPort(SingleWorkspace(web_client("xoxb-test", fake.api_url, limiter)))
        channel = ChannelRef("slack", TEAM_ID, "CQOTD")
        question = QuestionPost(post_id=1, seq=1, question_id="q", text="Why?", topic="databases", topic_title="Databases",
                                difficulty=1, kind="concept", mode="thread", reveal_at=NOW, timezone="UTC",
                                scheduled=True, retry=False)
        posted = await time.run(*(port.post_question(channel, replace(question, post_id=n, seq=n)) for n in (1, 2, 3)))
    assert len({p.message_id for p in posted}) == 3
    assert len(fake.calls_to("chat.postMessage")) == 3
    assert limiter.waited == pytest.approx(2.0, abs=0.05)  # one second between posts in the same channel


async def test_a_429_from_slack_pauses_the_pacer_and_the_post_is_retried():
    paused: list[float] = []

    class Recording(Pacer):
        def pause(self, seconds: float) -> None:
            paused.append(seconds)
            super().pause(seconds)

    async with FakeSlack() as fake:
        fake.rate_limit("chat.postMessage", 1)
        port = SlackPort(SingleWorkspace(web_client("xoxb-test", fake.api_url, Recording(PacingSettings(rate=None, channel_rate=None)))))
        await port.announce(ChannelRef("slack", TEAM_ID, "CQOTD"), Announcement("champion-2026-11", "hello", retry=False))
    assert paused == [0.0]
    assert [c.response and c.response.get("ok") for c in fake.calls_to("chat.postMessage")] == [False, True]


# ---- due work in flight together, exactly once ---------------------------------------------------------


@dataclass
class SlowPort(RecordingPort):
    """Holds each post until `hold` are in flight together (or all `expected` have started); can fail channels.

    With `hold` above what the tick allows at once, the tick would never finish: the wait is bounded
    so such a test fails instead of hanging.
    """

    hold: int = 1
    expected: int = 0
    started: int = 0
    in_flight: int = 0
    most_in_flight: int = 0
    failing: set[str] = field(default_factory=set)
    on_post: object = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def post_question(self, channel: ChannelRef, post: QuestionPost) -> PostedRef:
        self.started += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.on_post is not None:
                self.on_post()
            async with self._changed:
                self._changed.notify_all()
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self.in_flight >= self.hold or self.started >= self.expected), 30
                )
            await asyncio.sleep(0)
            if channel.channel_id in self.failing:
                raise ConnectionError("platform unavailable")
            return await super().post_question(channel, post)
        finally:
            self.in_flight -= 1


def schedule_row(n: int, due: datetime = NOW, reveal: str = "480") -> dict:
    return {
        "platform": "test", "workspace_id": f"w{n % 3}", "channel_id": f"c{n:04d}", "post_time": "09:00",
        "timezone": "UTC", "days": "daily", "reveal_kind": "delay", "reveal_value": reveal, "mode": "thread",
        "topics": "", "difficulty_min": 1, "difficulty_max": 3, "paused": False, "next_post_at": due,
        "updated_by": "test", "created_at": NOW, "updated_at": NOW,
    }


async def start(settings, port, concurrency: int, seed: int = 1):
    return await bootstrap(replace(settings, post_concurrency=concurrency), clock=FakeClock(NOW), ports={"test": port},
                           bank=make_bank(), rng=random.Random(seed))


async def add_schedules(app, count: int, **row) -> None:
    async with app.ctx.engine.begin() as conn:
        await conn.execute(insert(schedules), [schedule_row(n, **row) for n in range(count)])


async def post_statuses(app) -> Counter:
    async with app.ctx.engine.connect() as conn:
        return Counter((await conn.execute(select(posts.c.status))).scalars())


async def test_posting_runs_the_set_number_at_once_and_each_channel_once(settings):
    port = SlowPort(hold=6, expected=40)
    app = await start(settings, port, concurrency=6)
    try:
        await add_schedules(app, 40)
        report = await app.tick()
        assert report.posted == 40 and report.failed == 0
        assert port.most_in_flight == 6
        assert Counter(c.channel_id for c, _ in port.posts) == Counter({f"c{n:04d}": 1 for n in range(40)})
        assert await post_statuses(app) == Counter(posted=40)
        assert not await app.tick()  # nothing left due
    finally:
        await app.close()


async def test_one_at_a_time_when_set_to_one(settings):
    port = SlowPort()
    app = await start(settings, port, concurrency=1)
    try:
        await add_schedules(app, 12)
        assert (await app.tick()).posted == 12
        assert port.most_in_flight == 1
    finally:
        await app.close()


async def test_two_instances_posting_concurrently_post_each_channel_once(settings):
    ports = [SlowPort(), SlowPort()]
    apps = [await start(settings, port, concurrency=8, seed=n) for n, port in enumerate(ports)]
    try:
        await add_schedules(apps[0], 60)
        reports = await asyncio.gather(*(app.tick() for app in apps))
        assert sum(r.posted for r in reports) == 60 and not any(r.failed for r in reports)
        posted = Counter(c.channel_id for port in ports for c, _ in port.posts)
        assert len(posted) == 60 and set(posted.values()) == {1}
        async with apps[0].ctx.engine.connect() as conn:
            rows = (await conn.execute(select(posts.c.channel_id, posts.c.slot, posts.c.status))).all()
        assert len(rows) == 60 and {r.status for r in rows} == {"posted"}
    finally:
        for app in apps:
            await app.close()


async def test_more_due_than_one_batch_are_all_posted_in_one_tick(settings):
    port = SlowPort()
    app = await start(settings, port, concurrency=16)
    try:
        await add_schedules(app, 230)
        report = await app.tick()
        assert report.posted == 230 and len(port.posts) == 230
        assert len({c.channel_id for c, _ in port.posts}) == 230
    finally:
        await app.close()


async def test_a_failing_channel_does_not_stop_the_others_and_is_retried(settings, caplog):
    port = SlowPort(failing={"c0003", "c0007"})
    app = await start(settings, port, concurrency=4)
    try:
        await add_schedules(app, 10)
        report = await app.tick()
        assert report.posted == 8 and report.failed == 2
        assert {c.channel_id for c, _ in port.posts} == {f"c{n:04d}" for n in range(10)} - {"c0003", "c0007"}
        assert await post_statuses(app) == Counter(posted=8, claimed=2)  # the claims go stale and are retried
        port.failing.clear()
        app.ctx.clock.advance(app.ctx.settings.claim_timeout + timedelta(seconds=1))
        retried = await app.tick()
        assert retried.posted == 2
        assert await post_statuses(app) == Counter(posted=10)
    finally:
        await app.close()


async def test_shutdown_takes_no_new_claims_and_finishes_the_ones_in_hand(settings):
    port = SlowPort()
    app = await start(settings, port, concurrency=4)

    def stop_after_three() -> None:
        if port.in_flight + len(port.posts) >= 3:
            app.ctx.stopping = True

    port.on_post = stop_after_three
    try:
        await add_schedules(app, 30)
        report = await app.tick()
        statuses = await post_statuses(app)
        # The third post asks to stop: the ones already started (at most three others) finish, no new one starts.
        assert 3 <= report.posted <= 3 + 4 - 1
        assert statuses == Counter(posted=report.posted)  # every claim taken was finished, none left half done
        async with app.ctx.engine.connect() as conn:
            still_due = (await conn.execute(select(func.count()).select_from(schedules).where(schedules.c.next_post_at <= NOW))).scalar()
        assert still_due == 30 - report.posted
    finally:
        await app.close()


async def test_due_reveals_run_concurrently_and_each_once(settings):
    port = SlowPort()
    app = await start(settings, port, concurrency=5)
    try:
        await add_schedules(app, 25, reveal="60")
        assert (await app.tick()).posted == 25
        app.ctx.clock.advance(timedelta(hours=2))
        report = await app.tick()
        assert report.revealed == 25
        assert len(port.reveals) == 25 and len({r.post_id for _, r in port.reveals}) == 25
        assert await post_statuses(app) == Counter(revealed=25)
    finally:
        await app.close()


async def test_group_commit_batches_what_arrives_together_and_isolates_a_failing_request():
    from bot.services.posting import GroupCommit

    batches: list[list[int]] = []

    async def run(items: list[int]) -> list[int]:
        batches.append(list(items))
        await asyncio.sleep(0)
        if 13 in items:
            raise ValueError("unlucky")
        return [item * 10 for item in items]

    commit = GroupCommit(run, most=4)
    results = await asyncio.gather(*(commit.submit(n) for n in range(10, 16)), return_exceptions=True)
    assert results[:3] == [100, 110, 120] and isinstance(results[3], ValueError) and results[4:] == [140, 150]
    assert batches[0] == [10, 11, 12, 13]  # the first four together, at most `most`
    assert [14, 15] in batches and [10] in batches and [13] in batches  # the failed batch retried one by one
    assert await commit.submit(7) == 70  # and a lone request goes at once


async def test_group_commit_waits_for_company_until_the_batch_is_full():
    from bot.services.posting import GroupCommit

    batches: list[list[int]] = []

    async def run(items: list[int]) -> list[int]:
        batches.append(list(items))
        return items

    commit = GroupCommit(run, most=3, linger=60.0)  # a full batch goes at once: the test never waits a minute

    async def later(item: int, turns: int) -> int:
        for _ in range(turns):
            await asyncio.sleep(0)
        return await commit.submit(item)

    assert await asyncio.gather(later(1, 0), later(2, 3), later(3, 6)) == [1, 2, 3]
    assert batches == [[1, 2, 3]]


async def test_a_claim_taken_over_while_posting_is_not_marked_by_the_batch(settings):
    from sqlalchemy import update

    from bot.schedule import Schedule
    from bot.services import posting

    port = SlowPort(hold=3, expected=3)
    app = await start(settings, port, concurrency=3)
    try:
        await add_schedules(app, 3)
        async with app.ctx.engine.connect() as conn:
            rows = (await conn.execute(select(schedules).order_by(schedules.c.id))).all()
        batch = posting.PostingBatch(app.ctx)
        claims = await asyncio.gather(*(posting.claim_scheduled(app.ctx, Schedule.from_row(r), batch=batch) for r in rows))
        assert all(claims)
        async with app.ctx.engine.begin() as conn:  # another instance took the second one over
            await conn.execute(update(posts).where(posts.c.id == claims[1].post_id).values(claim_token="someone-else"))
        delivered = await asyncio.gather(*(posting.deliver(app.ctx, claim, batch=batch) for claim in claims))
        assert [d is not None for d in delivered] == [True, False, True]
        assert await post_statuses(app) == Counter(posted=2, claimed=1)
    finally:
        await app.close()
