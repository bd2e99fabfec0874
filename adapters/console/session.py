"""The console session: reads lines (a TTY or a pipe) and turns them into neutral commands and answers.

    /qotd ...        a command, as the acting member
    /as NAME         act as NAME from now on (the first member is an admin)
    /advance 90m     move the clock forward, firing what falls due on the way, in order
    /now             show the clock
    /help, /quit     console help, leave
    anything else    the acting member's answer to the channel's latest question
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from adapters.console.port import ConsolePort
from bot.bootstrap import Qotd
from bot.clock import FakeClock, OffsetClock
from bot.errors import InvalidInput
from bot.ports import ChannelRef, Member, Reply
from bot.schedule_rules import parse_duration
from bot.services.answering import AnswerSubmitted
from bot.services.schedule_admin import load_schedule
from bot.time_format import local_and_utc

CHANNEL = ChannelRef(platform="console", workspace_id="local", channel_id="general")
DEFAULT_MEMBER = "you"
MAX_STEPS_PER_ADVANCE = 10_000
CONSOLE_HELP = """Console commands:
  /qotd help         the bot's commands (try /qotd setup time=09:00 tz=Europe/Berlin days=mon-fri reveal=8h)
  /as NAME           act as another member (the first member is an admin)
  /advance 1d        move the clock forward and fire what falls due on the way: 90m, 6h, 1d12h
  /now               show the simulated or real time
  /quit              leave
Any other line is your answer to the latest question."""


class ConsoleSession:
    def __init__(self, app: Qotd, port: ConsolePort, clock: FakeClock | OffsetClock) -> None:
        self.app = app
        self.port = port
        self.clock = clock
        self.members: list[str] = []
        self.acting = DEFAULT_MEMBER

    # ------------------------------------------------------------ members
    def member(self) -> Member:
        if self.acting not in self.members:
            self.members.append(self.acting)
        return Member(id=self.acting.lower(), name=self.acting, is_admin=self.acting == self.members[0])

    # ------------------------------------------------------------ lines
    async def handle_line(self, line: str) -> bool:
        """Handle one input line. Returns False when the session should end."""
        text = line.strip()
        if not text or text.startswith("#"):
            return True
        word, _, rest = text.partition(" ")
        word = word.lower()
        if word in ("/quit", "/exit"):
            return False
        if word == "/help":
            self.port.say(CONSOLE_HELP)
        elif word == "/as":
            self._act_as(rest.strip())
        elif word == "/advance":
            await self._advance(rest.strip())
        elif word == "/now":
            await self._show_now()
        elif word == "/qotd":
            self._show(await self.app.handle_text(CHANNEL, self.member(), text))
        elif word.startswith("/"):
            self.port.say(f"Unknown console command '{word}'. Type /help for console commands or /qotd help for the bot.")
        else:
            self._show(await self.app.answer(AnswerSubmitted(channel=CHANNEL, member=self.member(), text=text)))
        return True

    def _act_as(self, name: str) -> None:
        if not name or len(name) > 64 or any(c.isspace() for c in name):
            self.port.say("Usage: /as NAME (one word, up to 64 characters)")
            return
        self.acting = name
        member = self.member()
        role = " (admin)" if member.is_admin else ""
        self.port.say(f"Now acting as {name}{role}.")

    async def _advance(self, spec: str) -> None:
        try:
            delta = parse_duration(spec, what="advance")
        except InvalidInput as exc:
            self.port.say(f"Sorry, {exc.message}.")
            return
        target = self.clock.now() + delta
        previous = None
        for _ in range(MAX_STEPS_PER_ADVANCE):
            due = await self.app.next_due_at()
            if due is None or due > target:
                break
            if due > self.clock.now():
                self.clock.set(due)
            report = await self.app.tick()
            if not report and due == previous:
                break  # nothing could be done at this instant; do not spin
            previous = due
        self.clock.set(target)
        await self.app.tick()
        await self._show_now()

    async def _show_now(self) -> None:
        schedule = await load_schedule(self.app.ctx, CHANNEL)
        zone = schedule.timezone_name if schedule else "UTC"
        self.port.say(f"Clock: {local_and_utc(self.app.ctx.clock.now(), zone)}")

    def _show(self, reply: Reply) -> None:
        if reply.private:
            who = "only you see this" if self.acting == DEFAULT_MEMBER else f"only {self.acting} sees this"
            self.port.say(f"  ({who}) " + reply.with_hint.replace("\n", "\n  "))
        else:
            self.port.say(reply.with_hint)
        if reply.attachments:
            from adapters.console.files import describe, save_attachments

            self.port.say(describe(save_attachments(self.app.ctx.settings.data_dir, reply.attachments)))


async def run_console(
    app: Qotd, clock: FakeClock | OffsetClock, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout
) -> None:
    """Run the console. A FakeClock stands still between lines; an OffsetClock follows real time and ticks."""
    port = ConsolePort(stdout, app.ctx.clock)
    app.connect(CHANNEL.platform, port)
    session = ConsoleSession(app, port, clock)
    interactive = stdin.isatty() and stdout.isatty()
    port.say("qotd console — channel #general. /help for console commands, /qotd help for the bot.")
    ticker = None
    if isinstance(clock, OffsetClock):
        from bot.scheduler import start_ticking

        ticker = start_ticking(app, app.ctx.settings.tick_seconds)
    else:
        await session._show_now()
        await app.tick()
    loop = asyncio.get_running_loop()
    try:
        while True:
            if interactive:
                try:
                    line = await loop.run_in_executor(None, input, f"{session.acting}> ")
                except EOFError:
                    break
            else:
                line = await loop.run_in_executor(None, stdin.readline)
                if not line:
                    break
            if not await session.handle_line(line):
                break
    finally:
        if ticker is not None:
            await ticker.stop()
        port.say("Bye.")


def parse_clock(text: str | None) -> FakeClock | OffsetClock:
    """--clock ISO gives a simulated clock that only /advance moves; without it, real time that /advance can jump."""
    if text is None:
        return OffsetClock()
    from bot.clock import parse_instant

    return FakeClock(parse_instant(text))
