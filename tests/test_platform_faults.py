"""A fifth of the platform's calls fail, and every question is still posted (and revealed) exactly once.

The real discord.py client (`QotdDiscordClient`) and the real Slack adapter (`build_slack_app`: the
product's `SlackPort` on slack-sdk's `AsyncWebClient`) post to 100 channels against fakes that
answer 20% of the calls with a 500 (nothing happened), a 429 with Retry-After (nothing happened),
or take the call and hold its answer past the client's timeout ("timeout_after_accept": the
message exists, the bot never hears of it). The scheduler ticks on a FakeClock that is moved past
the claim timeout between ticks, so every claim a failed attempt left goes stale and is retried,
until all posts are posted and then revealed. On the fakes' side each channel then holds exactly
one question and its thread exactly one reveal, and each post row points at that message.

Discord here has forgotten every nonce at once (`nonce_window=0`): only the adapter's look-up of
its earlier attempt keeps a retried post from being repeated, as after a takeover minutes later.
Time rules never wait for real: only the libraries' back-offs run, shortened 100 times (the
requested waits are recorded and checked against Retry-After).

Then, port by port: a dropped connection after the platform took the post (or the monthly
champion announcement) is not resent blindly (the next attempt finds the message), and a fresh
post, reveal or announcement does not look anything up first.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import timedelta

import aiohttp
import discord
import pytest
from sqlalchemy import select

from adapters.discord.client import QotdDiscordClient
from adapters.discord.port import DiscordPort
from adapters.slack.app import build_slack_app
from adapters.slack.blocks import ANNOUNCEMENT_EVENT, QUESTION_EVENT, REVEAL_EVENT
from adapters.slack.clients import SingleWorkspace, web_client
from adapters.slack.pacing import Pacer, PacingSettings
from adapters.slack.port import SlackPort
from adapters.slack.settings import SlackSettings
from bot.bootstrap import Qotd, bootstrap
from bot.clock import FakeClock
from bot.config import Settings
from bot.db.tables import posts
from bot.ports import Announcement, ChannelRef, Member, PostedRef, QuestionPost, RevealMessage
from tests.conftest import START
from tests.fakes import FakeDiscord
from tests.fakes.fake_slack import TEAM_ID, FakeSlack
from tests.support import make_bank

CHANNELS = 100
RATE = 0.2
KINDS = ("500", "429", "timeout_after_accept")
SEED = 20261123
CLIENT_TIMEOUT = 0.1  # seconds; the fakes hold a "timeout_after_accept" answer for 1 s
ADMIN = Member("u-admin", "Ada", is_admin=True)
SETUP = "/qotd setup time=09:00 tz=UTC days=daily reveal=1h"
DUE = START + timedelta(hours=3, seconds=30)  # 09:00:30 UTC
MAX_ROUNDS = 30


@dataclass
class ScaledSleeps:
    """`asyncio` as one library module sees it: its back-off sleeps recorded and shortened 100 times."""

    requested: list[float] = field(default_factory=list)

    def __getattr__(self, name: str):
        return getattr(asyncio, name)

    async def sleep(self, delay: float, result=None):
        self.requested.append(delay)
        await asyncio.sleep(delay / 100)
        return result


@pytest.fixture
def backoffs(monkeypatch):
    import discord.http
    from slack_sdk.http_retry import builtin_async_handlers

    sleeps = {"discord": ScaledSleeps(), "slack": ScaledSleeps(), "pacer": ScaledSleeps()}
    monkeypatch.setattr(discord.http, "asyncio", sleeps["discord"])
    monkeypatch.setattr(builtin_async_handlers, "asyncio", sleeps["slack"])
    return sleeps


def slack_client(fake: FakeSlack, backoffs: dict[str, ScaledSleeps] | None = None):
    """The product's Web API client for the fake, with pacing off (tests/test_slack_pacing.py's subject).

    A 429 still pauses the pacer for Retry-After; that wait is shortened like the others.
    """
    sleep = backoffs["pacer"].sleep if backoffs else asyncio.sleep
    pacer = Pacer(PacingSettings(rate=None, channel_rate=None), sleep=sleep)
    return web_client("xoxb-test", fake.api_url, pacer=pacer)


@pytest.fixture(autouse=True)
def no_slack_env(monkeypatch):
    import os

    for key in [k for k in os.environ if k.startswith("SLACK_")]:
        monkeypatch.delenv(key)


async def post_rows(app: Qotd):
    async with app.ctx.engine.connect() as conn:
        return (await conn.execute(select(posts).order_by(posts.c.id))).all()


async def tick_until(app: Qotd, clock: FakeClock, settings: Settings, status: str) -> tuple[int, int]:
    """Tick, moving the clock past the claim timeout between ticks, until every post has `status`.

    Returns (ticks, failed attempts).
    """
    failed = 0
    for round_ in range(1, MAX_ROUNDS + 1):
        report = await app.tick()
        failed += report.failed
        rows = await post_rows(app)
        if len(rows) == CHANNELS and all(r.status == status for r in rows):
            return round_, failed
        clock.advance(settings.claim_timeout + timedelta(seconds=1))
    raise AssertionError(f"not all {status} after {MAX_ROUNDS} ticks: {sorted({r.status for r in rows})}")


async def schedule_everywhere(app: Qotd, refs: list[ChannelRef]) -> None:
    for ref in refs:
        reply = await app.handle_text(ref, ADMIN, SETUP)
        assert reply.ok, reply.text


async def post_and_reveal(app: Qotd, clock: FakeClock, settings: Settings) -> dict[str, int]:
    clock.set(DUE)
    post_ticks, post_failures = await tick_until(app, clock, settings, "posted")
    clock.set(DUE + timedelta(hours=2))  # every reveal (an hour after its post) is due
    reveal_ticks, reveal_failures = await tick_until(app, clock, settings, "revealed")
    return {"post_ticks": post_ticks, "post_failures": post_failures,
            "reveal_ticks": reveal_ticks, "reveal_failures": reveal_failures}


def assert_faults_happened(counts, outcome: dict[str, int]) -> None:
    assert all(counts[kind] > 0 for kind in KINDS), counts
    # Failed attempts reached the core and were retried from stale claims, for posts and reveals.
    assert outcome["post_ticks"] > 1 and outcome["post_failures"] > 0, outcome
    assert outcome["reveal_ticks"] > 1 and outcome["reveal_failures"] > 0, outcome


# --------------------------------------------------------------------------------------------------
# Discord
# --------------------------------------------------------------------------------------------------


def bot_messages(fake: FakeDiscord, channel) -> list[dict]:
    return [m for m in fake.channel_messages(channel) if int(m["author"]["id"]) == fake.bot_user.id]


async def test_discord_posts_and_reveals_exactly_once_through_faults(settings, backoffs):
    clock = FakeClock(START)
    app = await bootstrap(settings, clock=clock, rng=random.Random(7), bank=make_bank())
    try:
        async with FakeDiscord(nonce_window=0) as fake:
            channels = [fake.guild.add_text_channel(f"qotd-{n}") for n in range(CHANNELS)]
            client = QotdDiscordClient(app, test_guild_id=fake.guild.id, guild_ready_timeout=0.05)
            async with fake.connected(client):
                refs = [ChannelRef("discord", str(fake.guild.id), str(c.id)) for c in channels]
                await schedule_everywhere(app, refs)
                client.rest_timeout = CLIENT_TIMEOUT
                fake.inject_faults(RATE, KINDS, seed=SEED, path_pattern="/channels/*")
                outcome = await post_and_reveal(app, clock, settings)
                fake.clear_faults()

            by_channel = {r.channel_id: r for r in await post_rows(app)}
            for channel in channels:
                (question,) = bot_messages(fake, channel)  # exactly one question in each channel
                assert question["embeds"][0]["title"].startswith("Question #1")
                row = by_channel[str(channel.id)]
                assert (row.status, row.message_id, row.thread_id) == ("revealed", question["id"], question["id"])
                thread = fake.channels[int(question["id"])]
                assert thread.is_thread and thread.parent_id == channel.id
                (reveal,) = bot_messages(fake, thread)  # and exactly one reveal in its thread
                assert reveal["embeds"][0]["title"] == "Reference answer · question #1"

        assert_faults_happened(fake.fault_counts, outcome)
        # discord.py waited as long as each 429 asked, and 1 + 2n s after a 500, before sending again. (On a
        # busy machine a few fault answers come after the client gave up: to it they were timeouts.)
        waits = backoffs["discord"].requested
        limited = [c for c in fake.calls if c.fault is not None and c.fault.kind == "429"]
        assert len([c for c in limited if c.fault.retry_after in waits]) >= 0.8 * len(limited)
        assert 0.8 * fake.fault_counts["500"] <= len([d for d in waits if d >= 1]) <= fake.fault_counts["500"]
    finally:
        await app.close()


# --------------------------------------------------------------------------------------------------
# Slack
# --------------------------------------------------------------------------------------------------


async def test_slack_posts_and_reveals_exactly_once_through_faults(settings, backoffs):
    clock = FakeClock(START)
    app = await bootstrap(settings, clock=clock, rng=random.Random(7), bank=make_bank())
    try:
        async with FakeSlack() as fake:
            channels = [f"C{n:05d}" for n in range(CHANNELS)]
            fake.channels.update(channels)
            client = slack_client(fake, backoffs)
            client.timeout = CLIENT_TIMEOUT
            slack_settings = SlackSettings(bot_token="xoxb-test", signing_secret="secret", api_url=fake.api_url)
            build_slack_app(app, slack_settings, clients=SingleWorkspace(client))
            await schedule_everywhere(app, [ChannelRef("slack", TEAM_ID, c) for c in channels])
            for n, channel in enumerate(channels[::10]):  # people talk in some of the channels meanwhile
                fake.post_as("UALICE", channel, f"good morning {n}")
            fake.inject_faults(RATE, KINDS, seed=SEED, retry_after=1)
            outcome = await post_and_reveal(app, clock, settings)
            fake.stop_faults()

        by_channel = {r.channel_id: r for r in await post_rows(app)}
        for channel in channels:
            (question,) = [m for m in fake.channel_messages(channel) if m.get("bot_id")]  # exactly one question
            assert question["metadata"] == {"event_type": QUESTION_EVENT,
                                            "event_payload": {"post_id": by_channel[channel].id,
                                                              "question_id": by_channel[channel].question_id}}
            row = by_channel[channel]
            assert (row.status, row.message_id, row.thread_id) == ("revealed", question["ts"], question["ts"])
            (reveal,) = fake.thread_messages(channel, question["ts"])  # exactly one reveal in its thread
            assert reveal["metadata"] == {"event_type": REVEAL_EVENT, "event_payload": {"post_id": row.id, "page": 0}}
        assert_faults_happened(fake.fault_counts, outcome)
        waits = backoffs["slack"].requested  # slack-sdk waited Retry-After (1 s) after each 429 it saw
        assert 0.8 * fake.fault_counts["429"] <= len(waits) <= fake.fault_counts["429"] and all(w >= 1 for w in waits)
    finally:
        await app.close()


# --------------------------------------------------------------------------------------------------
# Port by port: a lost answer, and the happy path's cost
# --------------------------------------------------------------------------------------------------


def question(post_id: int, *, retry: bool) -> QuestionPost:
    return QuestionPost(
        post_id=post_id, seq=1, question_id="caching-q1", text="Why cache?", topic="caching", topic_title="Caching",
        difficulty=1, kind="concept", mode="thread", reveal_at=DUE + timedelta(hours=1), timezone="UTC",
        scheduled=True, retry=retry,
    )


def reveal_of(post_id: int, *, retry: bool) -> RevealMessage:
    return RevealMessage(
        post_id=post_id, seq=1, question_id="caching-q1", question="Why cache?", answer="To go faster.",
        key_points=("latency",), follow_ups=(), mode="thread", answered_on_time=(), retry=retry,
    )


def slack_port(fake: FakeSlack) -> SlackPort:
    return SlackPort(SingleWorkspace(slack_client(fake)))


async def answer_lost(fake: FakeSlack, send) -> None:
    """`send()` reaches Slack, which posts the message, but the connection drops before the answer comes back."""
    fake.inject_faults(1.0, ("disconnect_after_accept",), methods=("chat.postMessage",))
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await send()
    fake.stop_faults()


async def test_slack_a_dropped_connection_after_the_post_is_not_sent_again(backoffs):
    async with FakeSlack() as fake:
        channel = ChannelRef("slack", TEAM_ID, "CQOTD")
        port = slack_port(fake)
        await answer_lost(fake, lambda: port.post_question(channel, question(7, retry=False)))
        # Slack took it; the client did not resend it blindly (its connection-error retry is off here).
        assert len(fake.calls_to("chat.postMessage")) == 1 and len(fake.channel_messages("CQOTD")) == 1

        again = await port.post_question(channel, question(7, retry=False))  # this process tried before: it looks
        elsewhere = await slack_port(fake).post_question(
            channel, question(7, retry=True)  # another instance that took the claim over: it looks
        )
        (posted,) = fake.channel_messages("CQOTD")
        assert again == elsewhere == PostedRef(posted["ts"], posted["ts"])
        assert len(fake.calls_to("chat.postMessage")) == 1 and len(fake.calls_to("conversations.history")) == 2
        assert fake.last("conversations.history").params["include_all_metadata"] in ("1", "true", True)

        await answer_lost(fake, lambda: port.reveal(channel, again, reveal_of(7, retry=False)))
        await port.reveal(channel, again, reveal_of(7, retry=False))
        (shown,) = fake.thread_messages("CQOTD", posted["ts"])
        assert shown["metadata"]["event_payload"] == {"post_id": 7, "page": 0}


async def test_slack_a_fresh_post_and_reveal_look_nothing_up():
    async with FakeSlack() as fake:
        channel = ChannelRef("slack", TEAM_ID, "CQOTD")
        port = slack_port(fake)
        where = await port.post_question(channel, question(8, retry=False))
        await port.reveal(channel, where, reveal_of(8, retry=False))
        assert [c.method for c in fake.calls] == ["chat.postMessage", "chat.postMessage", "chat.update"]


CHAMPION = "🏆 Champion of November 2026: *alice* with 22 points!"


async def test_slack_a_champion_announcement_is_made_once_after_a_dropped_connection(backoffs):
    async with FakeSlack() as fake:
        channel = ChannelRef("slack", TEAM_ID, "CQOTD")
        port = slack_port(fake)
        await answer_lost(fake, lambda: port.announce(channel, Announcement("champion-2026-11", CHAMPION, retry=False)))
        assert len(fake.calls_to("chat.postMessage")) == 1 and len(fake.channel_messages("CQOTD")) == 1
        fake.post_as("UALICE", "CQOTD", "congrats!")  # the channel moves on meanwhile

        await port.announce(channel, Announcement("champion-2026-11", CHAMPION, retry=False))  # tried here before: looks
        other = slack_port(fake)
        await other.announce(channel, Announcement("champion-2026-11", CHAMPION, retry=True))  # a takeover: looks
        (announced,) = [m for m in fake.channel_messages("CQOTD") if m.get("bot_id")]
        assert announced["metadata"] == {"event_type": ANNOUNCEMENT_EVENT, "event_payload": {"key": "champion-2026-11"}}
        assert len(fake.calls_to("chat.postMessage")) == 1 and len(fake.calls_to("conversations.history")) == 2

        # Next month's announcement is another message, and a fresh one looks nothing up.
        await other.announce(channel, Announcement("champion-2026-12", CHAMPION.replace("November", "December"), retry=False))
        assert len(fake.calls_to("chat.postMessage")) == 2 and len(fake.calls_to("conversations.history")) == 2


@pytest.fixture
async def discord_port():
    async with FakeDiscord(nonce_window=0) as fake:
        client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        async with fake.connected(client):
            yield fake, DiscordPort(client), ChannelRef("discord", str(fake.guild.id), str(fake.qotd_channel.id))


async def test_discord_a_dropped_connection_after_the_post_is_not_sent_again(discord_port, backoffs):
    fake, port, channel = discord_port
    path = f"/channels/{fake.qotd_channel.id}/messages"
    fake.inject_faults(1.0, ("disconnect_after_accept",), method="POST", path_pattern=path)
    with pytest.raises(aiohttp.ClientError):
        await port.post_question(channel, question(7, retry=False))
    fake.clear_faults()
    where = await port.post_question(channel, question(7, retry=False))  # this process tried before: it looks
    (posted,) = bot_messages(fake, fake.qotd_channel)  # Discord forgot the nonce; the look-up found the message
    assert where == PostedRef(posted["id"], posted["id"]) and len(fake.calls_to("POST", path)) == 1

    thread = fake.channels[int(posted["id"])]
    fake.inject_faults(1.0, ("disconnect_after_accept",), method="POST", path_pattern=f"/channels/{thread.id}/messages")
    with pytest.raises(aiohttp.ClientError):
        await port.reveal(channel, where, reveal_of(7, retry=False))
    fake.clear_faults()
    await port.reveal(channel, where, reveal_of(7, retry=True))
    (shown,) = bot_messages(fake, thread)
    assert shown["embeds"][0]["title"] == "Reference answer · question #1"


async def test_discord_a_fresh_post_and_reveal_look_nothing_up(discord_port):
    fake, port, channel = discord_port
    where = await port.post_question(channel, question(8, retry=False))
    await port.reveal(channel, where, reveal_of(8, retry=False))
    assert not fake.calls_to("GET", "/channels/*/messages")


async def test_discord_a_champion_announcement_is_made_once_after_a_dropped_connection(discord_port, backoffs):
    fake, port, channel = discord_port  # Discord has forgotten every nonce: only the look-up prevents a repeat
    path = f"/channels/{fake.qotd_channel.id}/messages"
    fake.inject_faults(1.0, ("disconnect_after_accept",), method="POST", path_pattern=path)
    with pytest.raises(aiohttp.ClientError):
        await port.announce(channel, Announcement("champion-2026-11", CHAMPION, retry=False))
    fake.clear_faults()
    assert not fake.calls_to("GET", "/channels/*/messages")

    await port.announce(channel, Announcement("champion-2026-11", CHAMPION, retry=False))  # tried here before: looks
    await DiscordPort(port.client).announce(channel, Announcement("champion-2026-11", CHAMPION, retry=True))
    (announced,) = bot_messages(fake, fake.qotd_channel)
    assert announced["content"] == discord.utils.escape_markdown(CHAMPION)
    assert len(fake.calls_to("POST", path)) == 1 and len(fake.calls_to("GET", "/channels/*/messages")) == 2

    await port.announce(channel, Announcement("champion-2026-12", CHAMPION.replace("November", "December"), retry=False))
    assert len(bot_messages(fake, fake.qotd_channel)) == 2 and len(fake.calls_to("GET", "/channels/*/messages")) == 2
