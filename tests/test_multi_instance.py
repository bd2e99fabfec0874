"""Several real `qotd run` processes on one PostgreSQL database: every question posted and revealed exactly once.

Two and three processes serve the same Slack workspace in HTTP mode (each on its own port, each
with its own bot token so the fake Slack can tell them apart) while 1,000 channels fall due at
once. Then one process is killed with SIGKILL in the middle of the fan-out and started again.
Slack must see exactly one question and one reveal per channel, and the posts table must agree.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

import pytest

from tests.bot_processes import (
    BotProcess,
    bot_env,
    channel_ids,
    clone_database,
    eventually,
    free_port,
    is_question_post,
    make_all_due,
    per_channel,
    question_posts,
    reveal_all_now,
    reveal_posts,
    schedule_channels,
    sql,
    status_counts,
    token_of,
    wait_until_listening,
)
from tests.fakes.fake_slack import FakeSlack
from tests.support import PG_URL, create_pg_database, drop_pg_database, run_sync

CHANNELS = 1000
# A safety net, not a timing assertion: 1,000 posts take about 10 s here with two processes, and a
# claim stranded by a killed process waits QOTD_CLAIM_TIMEOUT (10 s) before it is taken over.
FAN_OUT_TIMEOUT = 120

pytestmark = pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set; PostgreSQL tests are skipped")


@pytest.fixture(scope="module")
def scheduled_template():
    """A database with 1,000 Slack channels scheduled through the core, set up once and copied per test."""
    url = create_pg_database()
    try:
        run_sync(schedule_channels(url, channel_ids(CHANNELS)))
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
def scheduled_db(scheduled_template):
    """A copy of the template for one test."""
    url = clone_database(scheduled_template)
    yield url
    drop_pg_database(url)


@pytest.fixture
async def slack():
    async with FakeSlack() as fake:
        fake.channels.update(channel_ids(CHANNELS))
        yield fake


@pytest.fixture
async def bots():
    started: list[BotProcess] = []
    yield started
    for bot in started:
        await bot.stop()


def start_bot(bots: list[BotProcess], db_url: str, slack: FakeSlack, tmp_path, n: int) -> BotProcess:
    env = bot_env(db_url, slack, port=free_port(), token=f"xoxb-qotd-{n}")
    bot = BotProcess(f"qotd-{n}", env, tmp_path / f"qotd-{n}.log").start()
    bots.append(bot)
    return bot


async def fan_out(db_url: str, bots: list[BotProcess], *, meanwhile=None) -> dict[str, float]:
    """Make every channel due, wait until every question is out, then make every reveal due and wait for those."""
    for bot in list(bots):
        await wait_until_listening(bot)
    timings = {}
    started = time.monotonic()
    await make_all_due(db_url)
    if meanwhile is not None:
        await meanwhile()
    await eventually(
        "every channel's question to be posted",
        lambda: _all_in(db_url, ("posted", "revealing", "revealed")),
        timeout=FAN_OUT_TIMEOUT, bots=bots,
    )
    timings["posts"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    await reveal_all_now(db_url)
    await eventually("every question to be revealed", lambda: _all_in(db_url, ("revealed",)), timeout=FAN_OUT_TIMEOUT, bots=bots)
    timings["reveals"] = round(time.monotonic() - started, 1)
    return timings


async def _all_in(db_url: str, statuses: tuple[str, ...]) -> bool:
    counts = await status_counts(db_url)
    return sum(counts[status] for status in statuses) == CHANNELS == sum(counts.values())


async def stop_all(bots: list[BotProcess]) -> None:
    for bot in bots:
        if bot.running():
            bot.signal(signal.SIGTERM)
    for bot in bots:
        if bot.proc.returncode != -signal.SIGKILL:
            code = await bot.wait(30)
            assert code == 0, f"{bot.name} exited with {code}:\n{bot.tail()}"


async def assert_exactly_once(db_url: str, slack: FakeSlack) -> None:
    everyone = set(channel_ids(CHANNELS))
    questions, reveals = per_channel(question_posts(slack)), per_channel(reveal_posts(slack))
    assert not {c: n for c, n in questions.items() if n > 1}, "questions posted more than once"
    assert set(questions) == everyone, f"{len(everyone - set(questions))} channels got no question"
    assert not {c: n for c, n in reveals.items() if n > 1}, "reveals shown more than once"
    assert set(reveals) == everyone, f"{len(everyone - set(reveals))} questions were never revealed"
    assert per_channel(slack.calls_to("chat.update")) == {channel: 1 for channel in everyone}  # each closed once
    # What members see: one question in each channel, one reveal in its thread.
    for channel in everyone:
        (question,) = slack.channel_messages(channel)
        assert len(slack.thread_messages(channel, question["ts"])) == 1, channel

    rows = await sql(db_url, "SELECT channel_id, slot, status, message_id, claim_token FROM posts")
    assert len(rows) == CHANNELS and {channel for channel, *_ in rows} == everyone
    assert {status for _, _, status, _, _ in rows} == {"revealed"}
    assert all(token is None for *_, token in rows)
    # Each row points at the very message Slack holds for its channel, and its reveal is in that thread.
    posted = {str(c.params["channel"]): c.response["ts"] for c in question_posts(slack)}
    assert {channel: message_id for channel, _, _, message_id, _ in rows} == posted
    assert {str(c.params["channel"]): c.params["thread_ts"] for c in reveal_posts(slack)} == posted


@pytest.mark.parametrize("processes", [2, 3])
async def test_instances_share_the_fan_out_and_post_each_channel_once(processes, scheduled_db, slack, bots, tmp_path):
    db_url = scheduled_db
    for n in range(processes):
        start_bot(bots, db_url, slack, tmp_path, n)
    timings = await fan_out(db_url, bots)
    await stop_all(bots)
    await assert_exactly_once(db_url, slack)
    by_process = Counter(token_of(c) for c in question_posts(slack))
    assert len(by_process) == processes, f"not every process took part: {dict(by_process)}"
    print(f"{processes} processes, {CHANNELS} channels: {timings}; questions per process {sorted(by_process.values())}")


async def test_a_process_killed_mid_fan_out_and_restarted_loses_and_doubles_nothing(scheduled_db, slack, bots, tmp_path):
    db_url = scheduled_db
    start_bot(bots, db_url, slack, tmp_path, 0)
    victim = start_bot(bots, db_url, slack, tmp_path, 1)
    # The hardest moment to die: Slack has just accepted the victim's 100th question and the victim
    # never hears back, so its post row stays `claimed` while the message is already in the channel.
    # Its other posts in flight are at every other stage (claimed, being sent, being recorded).
    killed = kill_when_accepted(slack, victim, after=100)

    async def restart_once_killed() -> None:
        await eventually("the victim to be killed mid fan-out", lambda: killed, timeout=FAN_OUT_TIMEOUT, bots=bots, every=0.05)
        assert await victim.wait(10) == -signal.SIGKILL
        bots.append(BotProcess("qotd-1-restarted", victim.env, victim.log_path).start())

    timings = await fan_out(db_url, bots, meanwhile=restart_once_killed)
    await stop_all(bots)
    ((channel, posted_before),) = killed.items()
    assert posted_before < CHANNELS, "the process was killed after the fan-out had ended"
    await assert_exactly_once(db_url, slack)
    # The message Slack accepted from the victim is the channel's one question: whoever took the
    # stranded claim over found it there and recorded it instead of posting again.
    (question,) = [c for c in question_posts(slack) if c.params["channel"] == channel]
    assert token_of(question) == victim.token
    print(f"kill -9 after {posted_before} of {CHANNELS} questions: {timings}")


def kill_when_accepted(slack: FakeSlack, bot: BotProcess, *, after: int) -> dict[str, int]:
    """SIGKILL `bot` the moment Slack accepts its `after`-th question, before the answer goes back.

    Returns {channel of that question: questions posted by then}, filled in once the kill happened.
    """
    record = slack._record
    killed: dict[str, int] = {}
    seen = 0

    def recording(call) -> None:
        nonlocal seen
        record(call)
        if killed or not is_question_post(call) or token_of(call) != bot.token:
            return
        seen += 1
        if seen == after:
            os.kill(bot.proc.pid, signal.SIGKILL)
            killed[str(call.params["channel"])] = len(question_posts(slack))

    slack._record = recording
    return killed
