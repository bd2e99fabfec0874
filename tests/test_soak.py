"""Soak: a month of simulated days over many channels and members, restarts included; the audit is clean.

Every hour of simulated time the scheduler ticks; members answer each question with some
probability (some late, some more than once), admins pause, resume, skip and post bonus questions,
and the process restarts every few days on the same database. At the end every invariant of
`qotd audit` holds. On PostgreSQL it plays the full size
of the brief: 500 channels, 2,000 members, 30 days (about 7 minutes on two cores, so the suite's
conftest starts it first and it runs beside the other tests under `pytest -n`). SQLite, the
single-team store, plays the same month over 10 channels; `make soak` plays the full size on both.
QOTD_SOAK_CHANNELS sets the channel count (four members per channel).
"""

from __future__ import annotations

import asyncio
import os
import random
from dataclasses import replace
from datetime import timedelta

from bot.bootstrap import bootstrap
from bot.clock import FakeClock
from bot.config import Settings
from bot.consistency_audit import audit
from bot.ports import ChannelRef, Member
from bot.services.answering import AnswerSubmitted
from tests.conftest import START
from tests.support import REPO, RecordingPort, make_bank

DAYS = 30
MEMBERS_PER_CHANNEL = 4
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "America/Los_Angeles")
DAY_SPECS = ("daily", "mon-fri", "mon,wed,fri")
REVEALS = ("4h", "8h", "12h", "23:00")


def channel_count(db_url: str) -> int:
    if os.environ.get("QOTD_SOAK_CHANNELS"):
        return int(os.environ["QOTD_SOAK_CHANNELS"])
    return 500 if db_url.startswith("postgresql") else 10


async def test_a_month_of_play_with_restarts_leaves_the_audit_clean(db_url):
    rng = random.Random(20261129)
    clock = FakeClock(START)
    settings = replace(Settings.from_env({}), database_url=db_url, content_dir=REPO / "content", claim_timeout=timedelta(minutes=2))
    bank = make_bank(per_topic=3)
    channels = [ChannelRef("soak", f"team-{n % 10}", f"ch-{n}") for n in range(channel_count(db_url))]
    members = {c: [Member(f"{c.channel_id}-m{k}", f"member {k}") for k in range(MEMBERS_PER_CHANNEL)] for c in channels}
    admin = Member("soak-admin", "Admin", is_admin=True)

    async def start():
        port = RecordingPort()
        return await bootstrap(settings, clock=clock, ports={"soak": port}, rng=random.Random(rng.random()), bank=bank), port

    app, port = await start()
    for channel in channels:
        spec = (f"time={rng.randrange(6, 20):02d}:{rng.choice((0, 15, 30, 45)):02d} tz={rng.choice(ZONES)} "
                f"days={rng.choice(DAY_SPECS)} reveal={rng.choice(REVEALS)} mode={rng.choice(('thread', 'thread', 'private'))}")
        assert (await app.handle_text(channel, admin, f"/qotd setup {spec}")).ok
    pending: list[tuple] = []  # (when, channel, member, post id, text)
    seen_posts = 0
    answered = 0

    async def submit(item) -> None:
        _, channel, member, post_id, text = item
        reply = await app.answer(AnswerSubmitted(channel, member, text, post_id=post_id))
        assert reply.ok, reply.text

    for hour in range(DAYS * 24):
        clock.advance(timedelta(hours=1))
        if hour and hour % (24 * 7) == 0:  # a restart every week, mid-month included
            await app.close()
            app, port = await start()
            seen_posts = 0
        await app.tick()
        for channel, post in port.posts[seen_posts:]:
            for member in members[channel]:
                roll = rng.random()
                if roll < 0.65:  # on time, within a few hours
                    pending.append((clock.now() + timedelta(minutes=rng.randrange(1, 180)), channel, member, post.post_id, "an answer"))
                elif roll < 0.75:  # late: after the reveal
                    pending.append((clock.now() + timedelta(hours=rng.randrange(13, 30)), channel, member, post.post_id, "late"))
                if roll < 0.1:  # and an edit
                    pending.append((clock.now() + timedelta(minutes=rng.randrange(181, 240)), channel, member, post.post_id, "edit"))
        seen_posts = len(port.posts)
        due = [item for item in pending if item[0] <= clock.now()]
        pending = [item for item in pending if item[0] > clock.now()]
        for start_at in range(0, len(due), 16):
            await asyncio.gather(*(submit(item) for item in due[start_at : start_at + 16]))
        answered += len(due)
        if hour % 24 == 12:  # admins at work
            for channel in rng.sample(channels, max(1, len(channels) // 50)):
                action = rng.choice(("/qotd pause", "/qotd resume", "/qotd skip", "/qotd post", "/qotd resume"))
                reply = await app.handle_text(channel, admin, action)
                assert reply.ok or reply.data.get("outcome") in ("invalid", "not_found"), (action, reply.text)
    for _ in range(48):  # let every open question reach its reveal
        clock.advance(timedelta(hours=1))
        await app.tick()
    report = await audit(app.ctx.engine, clock.now())
    await app.close()
    assert report.clean, "\n".join(map(str, report.breaches[:20]))
    assert report.posts >= len(channels) * 10 and report.answers > len(channels) * 20 and answered > 0
