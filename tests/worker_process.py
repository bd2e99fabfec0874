"""A bot process for multi-process tests: the real core on a shared database, posting to a JSON-lines file.

    python -m tests.worker_process --db URL --clock ISO --out FILE [--setup N] [--ticks N] [--crash-on-post]

`--setup N` schedules channels c0..c(N-1) at 09:00 UTC daily. `--crash-on-post`
kills the process (os._exit) at the moment it would post, i.e. after the claim
was committed and before the platform saw anything.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from dataclasses import replace
from pathlib import Path

from bot.bootstrap import bootstrap
from bot.clock import FakeClock, parse_instant
from bot.config import Settings
from bot.ports import ChannelRef, Member, PostedRef
from tests.support import make_bank


class FilePort:
    def __init__(self, out: Path, crash: bool) -> None:
        self.out = out
        self.crash = crash

    def _write(self, record: dict) -> None:
        with self.out.open("a") as handle:
            handle.write(json.dumps(record) + "\n")

    async def post_question(self, channel, post):
        if self.crash:
            os._exit(9)
        self._write({"event": "post", "pid": os.getpid(), "channel": channel.channel_id, "post_id": post.post_id})
        return PostedRef(message_id=f"m{post.post_id}", thread_id=f"t{post.post_id}")

    async def reply_in_thread(self, channel, where, echo):
        self._write({"event": "echo", "pid": os.getpid(), "channel": channel.channel_id})

    async def reveal(self, channel, where, reveal):
        self._write({"event": "reveal", "pid": os.getpid(), "channel": channel.channel_id, "post_id": reveal.post_id})

    async def send_private(self, channel, member_id, text):
        pass

    async def announce(self, channel, announcement):
        self._write({"event": "announce", "pid": os.getpid(), "channel": channel.channel_id, "text": announcement.text})


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--clock", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--setup", type=int, default=0)
    parser.add_argument("--ticks", type=int, default=1)
    parser.add_argument("--crash-on-post", action="store_true")
    args = parser.parse_args()
    settings = replace(Settings.from_env({}), database_url=args.db)
    clock = FakeClock(parse_instant(args.clock))
    app = await bootstrap(settings, clock=clock, bank=make_bank(), ports={"test": FilePort(Path(args.out), args.crash_on_post)})
    admin = Member("admin", "Admin", is_admin=True)
    for n in range(args.setup):
        reply = await app.handle_text(ChannelRef("test", "w", f"c{n}"), admin, "/qotd setup time=09:00 tz=UTC days=daily reveal=1h")
        assert reply.ok, reply.text
    for _ in range(args.ticks):
        await app.tick()
    await app.close()


if __name__ == "__main__":
    asyncio.run(main())
