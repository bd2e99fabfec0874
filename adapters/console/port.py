"""Console implementation of the chat port: prints posts, thread replies and reveals as readable text."""

from __future__ import annotations

import itertools
import textwrap
from typing import TextIO

from bot.clock import Clock
from bot.ports import Announcement, AnswerEcho, ChannelRef, PostedRef, QuestionPost, RevealMessage
from bot.time_format import local_and_utc
from bot.topics import DIFFICULTY_LABELS

RULE = "─" * 64


class ConsolePort:
    def __init__(self, out: TextIO, clock: Clock) -> None:
        self.out = out
        self.clock = clock
        self._ids = itertools.count(1)

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    async def post_question(self, channel: ChannelRef, post: QuestionPost) -> PostedRef:
        message_id = f"m{next(self._ids)}"
        kind = "Question" if post.scheduled else "Bonus question"
        self.say(RULE)
        self.say(f"#{channel.channel_id} · {local_and_utc(self.clock.now(), post.timezone)}")
        self.say(
            f"{kind} #{post.seq} · {post.topic_title} · difficulty {post.difficulty} "
            f"({DIFFICULTY_LABELS.get(post.difficulty, '?')}) · {post.kind}"
        )
        self.say(_indent(post.text))
        how = (
            "Type a line to answer; answers are shown in the thread as they come."
            if post.mode == "thread"
            else "Type a line to answer privately; all answers are shown together at the reveal."
        )
        self.say(f"{how} Reveal: {local_and_utc(post.reveal_at, post.timezone)}.")
        self.say(RULE)
        return PostedRef(message_id=message_id, thread_id=f"t-{message_id}")

    async def reply_in_thread(self, channel: ChannelRef, where: PostedRef, echo: AnswerEcho) -> None:
        late = " (late)" if echo.late else ""
        self.say(f"  ↳ [thread] {echo.member_name}{late}: {echo.text}")

    async def reveal(self, channel: ChannelRef, where: PostedRef, reveal: RevealMessage) -> None:
        self.say(RULE)
        self.say(f"Reveal · question #{reveal.seq} · {self.clock.now():%a %d %b %H:%M} UTC")
        self.say("Reference answer:")
        self.say(_indent(reveal.answer))
        if reveal.credit:
            self.say(f"  ({reveal.credit})")
        if reveal.key_points:
            self.say("Key points:")
            for point in reveal.key_points:
                self.say(f"  • {point}")
            self.say("Which did your answer cover? /qotd check shows them numbered; /qotd check points=1,3 ticks them.")
        if reveal.private_answers:
            self.say("Answers:")
            for name, text in reveal.private_answers:
                self.say(f"  {name}: {text}")
        if reveal.answered_on_time:
            self.say(f"Answered on time ({len(reveal.answered_on_time)}): {', '.join(reveal.answered_on_time)}")
        else:
            self.say("Nobody answered this one on time.")
        if reveal.follow_ups:
            self.say("To think about next:")
            for follow_up in reveal.follow_ups:
                self.say(f"  - {follow_up}")
        self.say(f"Question #{reveal.seq} is closed.")
        self.say(RULE)

    async def send_private(self, channel: ChannelRef, member_id: str, text: str) -> None:
        self.say(f"  (only {member_id} sees this) {text}")

    async def announce(self, channel: ChannelRef, announcement: Announcement) -> None:
        self.say(f"#{channel.channel_id} · {announcement.text}")


def _indent(text: str) -> str:
    return textwrap.indent(text.rstrip(), "  ")
