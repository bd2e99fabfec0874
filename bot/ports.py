"""The port through which the core talks to a chat platform, and the neutral messages it sends.

Adapters (Discord, Slack, console) implement `ChatPort` and render these
dataclasses in their platform's own way. The core never imports a platform
library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class ChannelUnavailable(Exception):
    """Raised by an adapter when the channel is gone or the bot may no longer post there.

    The core then disables that channel's schedule and says why in /qotd status,
    instead of retrying forever.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ChannelRef:
    platform: str
    workspace_id: str
    channel_id: str


@dataclass(frozen=True)
class Member:
    """Who is acting. `is_admin` is decided by the adapter (Manage Server, workspace admin, ...)."""

    id: str
    name: str
    is_admin: bool = False


@dataclass(frozen=True)
class PostedRef:
    """Where a question landed on the platform."""

    message_id: str
    thread_id: str | None = None


@dataclass(frozen=True)
class QuestionPost:
    post_id: int
    seq: int
    question_id: str
    text: str
    topic: str
    topic_title: str
    difficulty: int
    kind: str
    mode: str
    reveal_at: datetime
    timezone: str
    scheduled: bool
    # Whether an earlier attempt to post this question may have reached the platform (its claim
    # was taken over after a failure, a timeout or a crash). Adapters then look in the channel for
    # that message before posting, so a message accepted but never acknowledged is not posted
    # twice. True when unknown: False is only for a fresh claim's first delivery, which skips the
    # look-up (one Web API call per post saved on the happy path).
    retry: bool = True


@dataclass(frozen=True)
class AnswerEcho:
    """A member's answer shown in the thread (thread mode, when the platform did not already show it)."""

    post_id: int
    member_name: str
    text: str
    late: bool


@dataclass(frozen=True)
class RevealMessage:
    post_id: int
    seq: int
    question_id: str
    question: str
    answer: str
    key_points: tuple[str, ...]
    follow_ups: tuple[str, ...]
    mode: str
    answered_on_time: tuple[str, ...]
    # In private mode every on-time answer is shown at the reveal: (name, text).
    private_answers: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # A question a member suggested names them: "Suggested by alice" (empty for built-in questions).
    credit: str = ""
    # As for `QuestionPost.retry`: an earlier attempt at this reveal may have posted some of it
    # (the reveal is being resumed after its instance stopped), so adapters skip what is already
    # in the thread. True when unknown.
    retry: bool = True


@dataclass(frozen=True)
class Announcement:
    """A short message to the whole channel (the monthly champion). Names in it must never ping anyone.

    `key` names this announcement for good ("champion-2026-11"): two attempts with the same key in a
    channel are the same message, whichever instance makes them. `retry` as for `QuestionPost.retry`:
    an earlier attempt may have reached the platform, so adapters look for it before posting again.
    """

    key: str
    text: str
    retry: bool = True


class ChatPort(Protocol):
    async def post_question(self, channel: ChannelRef, post: QuestionPost) -> PostedRef:
        """Post the question and open its thread; return where it landed."""

    async def reply_in_thread(self, channel: ChannelRef, where: PostedRef, echo: AnswerEcho) -> None:
        """Show a member's answer in the question's thread."""

    async def reveal(self, channel: ChannelRef, where: PostedRef, reveal: RevealMessage) -> None:
        """Show the reference answer in the thread and mark the question closed."""

    async def send_private(self, channel: ChannelRef, member_id: str, text: str) -> None:
        """A message only `member_id` sees (ephemeral or direct)."""

    async def announce(self, channel: ChannelRef, announcement: Announcement) -> None:
        """Post the announcement in the channel, once: a retry finds an earlier attempt's message."""


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a reply (a data export, a chart). Adapters deliver it their own way."""

    filename: str
    content: bytes
    mime: str


@dataclass(frozen=True)
class Reply:
    """What a command or answer returns to the member who sent it."""

    text: str
    private: bool = True
    ok: bool = True
    # Structured extras for adapters that render buttons (quiz attempt id, leaderboard page...).
    data: dict[str, Any] = field(default_factory=dict)
    # What to type next ("/qotd quiz answer"); text-only adapters show it, button adapters need not.
    hint: str = ""
    # Files delivered with the reply: privately for private replies, to the channel for public ones.
    attachments: tuple[Attachment, ...] = ()

    @property
    def with_hint(self) -> str:
        return f"{self.text}\n\n{self.hint}" if self.hint else self.text
