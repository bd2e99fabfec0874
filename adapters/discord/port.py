"""The ChatPort on Discord: embeds in the channel, a thread per question, reveals in the thread.

Errors that mean "this channel is gone or closed to us" (404 Unknown Channel, 403 Missing
Permissions/Access) become `ChannelUnavailable`, so the core disables the schedule and says why
in /qotd status instead of retrying forever.

Exactly once, when Discord fails:
- discord.py retries 429s (after `retry_after`) and 500/502/504 (after 1, 3, 5, 7 s) itself; a
  question carries a nonce derived from its post id (discord.py adds `enforce_nonce`), so a
  resend that Discord had in fact accepted returns the first message instead of a duplicate.
- A request that gets no answer in time (`QotdDiscordClient(rest_timeout=...)`) or loses its
  connection raises here; the post's claim is left, goes stale and the core retries it later,
  with `QuestionPost.retry` set. Discord only remembers nonces for a few minutes, so a retry first
  looks for the bot's message carrying the post's Answer button among the channel's latest
  messages and uses it instead of posting again; the thread is then opened (or found: 160004).
- A reveal's messages carry nonces too. A reveal resumed by the core (`RevealMessage.retry`) first
  reads the thread's latest messages and sends only the pages that are not there yet.
- An announcement (the monthly champion) carries a nonce derived from its key; a retried one
  (`Announcement.retry`) first looks for the bot's message with the same text among the latest.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict

import aiohttp
import discord

from adapters.discord import limits
from adapters.discord.rate_limit_metrics import count_rate_limits
from adapters.discord.rendering import closed_embed, echo_message, question_embed, reveal_embeds, thread_name
from adapters.discord.self_check_views import check_answer_view
from adapters.discord.views import AnswerButton, answer_view
from bot import metrics
from bot.ports import Announcement, AnswerEcho, ChannelRef, ChannelUnavailable, PostedRef, QuestionPost, RevealMessage

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()
THREAD_ACTIONS = ("archive", "lock", "keep")
THREAD_ALREADY_EXISTS = 160004
THREAD_ARCHIVE_MINUTES = 1440
# How far back a retried post looks for the message an earlier attempt may have posted: one request.
LOOKBACK_MESSAGES = 100
REMEMBERED_ATTEMPTS = 10_000
# Failures after which nobody knows whether Discord accepted the request.
UNANSWERED = (TimeoutError, aiohttp.ClientError)


def nonce_for(post: QuestionPost) -> str:
    """Stable for one post, so every retry (in any process) is deduplicated by Discord."""
    return f"qotd-p{post.post_id}"


def announcement_nonce(key: str) -> str:
    """Stable for one announcement key and at most 25 characters, as Discord requires."""
    return "qotd-a" + hashlib.sha256(key.encode()).hexdigest()[:16]


def page_signature(embed: discord.Embed) -> tuple[str, str, str]:
    """What tells the pages of a reveal apart: the first embed's title, text and author."""
    return ((embed.title or "").strip(), (embed.description or "").strip(), (embed.author.name or "").strip())


def carries_answer_button(message: discord.Message, custom_id: str) -> bool:
    return any(
        getattr(child, "custom_id", None) == custom_id
        for row in message.components
        for child in getattr(row, "children", ())
    )


def unavailable(exc: discord.HTTPException, doing: str) -> ChannelUnavailable:
    metrics.PLATFORM_ERRORS.labels("discord", str(exc.status)).inc()
    if isinstance(exc, discord.NotFound):
        return ChannelUnavailable("the channel no longer exists")
    return ChannelUnavailable(f"the bot lacks permission to {doing} in this channel ({exc.text or 'Missing Permissions'})")


class DiscordPort:
    def __init__(self, client: discord.Client, on_reveal: str = "archive") -> None:
        if on_reveal not in THREAD_ACTIONS:
            raise ValueError(f"thread action must be one of {', '.join(THREAD_ACTIONS)}")
        self.client = client
        self.on_reveal = on_reveal
        # Posts (and reveals, as -post id) and announcements (by key) this process tried to send: trying again means looking first.
        self._attempted: OrderedDict[int | str, None] = OrderedDict()
        count_rate_limits()

    async def _channel(self, channel_id: str | int) -> discord.abc.Messageable:
        try:
            found = self.client.get_channel(int(channel_id)) or await self.client.fetch_channel(int(channel_id))
        except discord.NotFound:
            raise ChannelUnavailable("the channel no longer exists") from None
        except discord.Forbidden:
            raise ChannelUnavailable("the bot can no longer see this channel") from None
        if not isinstance(found, discord.abc.Messageable):
            raise ChannelUnavailable("that channel cannot hold messages")
        return found

    async def _thread_or_channel(self, channel: ChannelRef, where: PostedRef) -> discord.abc.Messageable:
        """The question's thread; its channel if the thread was deleted (or never opened)."""
        if where.thread_id:
            try:
                return await self._channel(where.thread_id)
            except ChannelUnavailable as exc:
                log.info("thread %s is unavailable (%s); using its channel", where.thread_id, exc.reason)
        return await self._channel(channel.channel_id)

    async def post_question(self, channel: ChannelRef, post: QuestionPost) -> PostedRef:
        target = await self._channel(channel.channel_id)
        message = None
        if post.retry or post.post_id in self._attempted:
            message = await self._earlier_attempt(target, post)
        if message is None:
            self._remember(post.post_id)
            try:
                message = await target.send(
                    embed=question_embed(post), view=answer_view(post.post_id), nonce=nonce_for(post), allowed_mentions=NO_PINGS
                )
            except (discord.NotFound, discord.Forbidden) as exc:
                raise unavailable(exc, "post") from None
        thread_id = await self._open_thread(message, post)
        self._attempted.pop(post.post_id, None)
        return PostedRef(message_id=str(message.id), thread_id=thread_id)

    def _remember(self, key: int | str) -> None:
        self._attempted[key] = None
        while len(self._attempted) > REMEMBERED_ATTEMPTS:
            self._attempted.popitem(last=False)

    async def _earlier_attempt(self, target: discord.abc.Messageable, post: QuestionPost) -> discord.Message | None:
        """The question's message if an earlier attempt posted it (it carries the post's Answer button).

        If the history cannot be read (no Read Message History, channel gone) the post goes ahead
        and the send says what is wrong; other failures propagate, so nothing is posted blind.
        """
        me = self.client.user.id if self.client.user else None
        wanted = AnswerButton(post.post_id).custom_id
        try:
            async for message in target.history(limit=LOOKBACK_MESSAGES):  # type: ignore[attr-defined]
                if message.author.id == me and carries_answer_button(message, wanted):
                    log.info("question #%s (post %s) was already posted as message %s; not posting it again",
                             post.seq, post.post_id, message.id)
                    return message
        except (discord.NotFound, discord.Forbidden) as exc:
            log.warning("could not look for an earlier attempt at post %s (%s); posting it", post.post_id, exc)
        return None

    async def _revealed_pages(self, target: discord.abc.Messageable, packed: list[list[discord.Embed]]) -> set[int]:
        """The pages of this reveal an earlier attempt already sent (among the latest messages)."""
        me = self.client.user.id if self.client.user else None
        wanted = {page_signature(embeds[0]): index for index, embeds in enumerate(packed) if embeds}
        shown: set[int] = set()
        try:
            async for message in target.history(limit=LOOKBACK_MESSAGES):  # type: ignore[attr-defined]
                if message.author.id == me and message.embeds:
                    index = wanted.get(page_signature(message.embeds[0]))
                    if index is not None:
                        shown.add(index)
        except (discord.NotFound, discord.Forbidden) as exc:
            log.warning("could not look for an earlier attempt at a reveal (%s); sending it all", exc)
        return shown

    async def _open_thread(self, message: discord.Message, post: QuestionPost) -> str | None:
        """The question's thread: opened now, or found when an earlier attempt opened it (160004).

        A thread request left unanswered is asked once more (a second one is refused with 160004
        if the first went through); if that fails too the error propagates and the post is retried.
        """
        for attempt in range(2):
            try:
                thread = await message.create_thread(name=thread_name(post), auto_archive_duration=THREAD_ARCHIVE_MINUTES)
                return str(thread.id)
            except discord.HTTPException as exc:
                if exc.code == THREAD_ALREADY_EXISTS:  # a retried post: the thread from the first try is there
                    return str(message.id)  # a thread started from a message shares its id
                log.warning("posted question #%s but could not open its thread: %s", post.seq, exc)
                return None
            except UNANSWERED as exc:
                if attempt:
                    raise
                log.info("opening the thread of question #%s got no answer (%r); asking again", post.seq, exc)
        return None

    async def reply_in_thread(self, channel: ChannelRef, where: PostedRef, echo: AnswerEcho) -> None:
        """Show an answer in the thread. The answer is already saved, so a failure here is only logged."""
        header, embed = echo_message(echo)
        try:
            target = await self._thread_or_channel(channel, where)
            was_archived = isinstance(target, discord.Thread) and target.archived
            await target.send(header, embed=embed, allowed_mentions=NO_PINGS)
            if was_archived:  # a late answer reopened the closed thread; close it again
                await target.edit(archived=True)
        except (discord.HTTPException, ChannelUnavailable) as exc:
            log.warning("saved an answer to post %s but could not show it in the thread: %s", echo.post_id, exc)

    async def reveal(self, channel: ChannelRef, where: PostedRef, reveal: RevealMessage) -> None:
        target = await self._thread_or_channel(channel, where)
        packed = limits.pack(reveal_embeds(reveal))
        shown: set[int] = set()
        if reveal.retry or -reveal.post_id in self._attempted:
            shown = await self._revealed_pages(target, packed)
        self._remember(-reveal.post_id)
        try:
            for index, embeds in enumerate(packed):
                if index in shown:
                    continue
                # A reveal retried (by discord.py, or by the core after a crash) repeats the same nonces.
                nonce = f"qotd-r{reveal.post_id}-{index}"  # nonces: at most 25 characters
                # The first message holds the key points: members check their answer against them there.
                view = check_answer_view(reveal.post_id) if index == 0 and reveal.key_points else None
                await target.send(embeds=embeds, nonce=nonce, allowed_mentions=NO_PINGS, view=view)
        except (discord.NotFound, discord.Forbidden) as exc:
            raise unavailable(exc, "post the reveal") from None
        self._attempted.pop(-reveal.post_id, None)
        await self._close_original(channel, where)
        if isinstance(target, discord.Thread) and self.on_reveal != "keep":
            try:
                await target.edit(archived=True, locked=self.on_reveal == "lock")
            except discord.HTTPException as exc:
                log.warning("could not %s the thread of question #%s: %s", self.on_reveal, reveal.seq, exc)

    async def _close_original(self, channel: ChannelRef, where: PostedRef) -> None:
        """Grey out the question, say it is closed and remove the Answer button."""
        try:
            parent = await self._channel(channel.channel_id)
            message = await parent.fetch_message(int(where.message_id))  # type: ignore[attr-defined]
            embeds = message.embeds
            if embeds:
                await message.edit(embeds=[closed_embed(embeds[0], where.thread_id), *embeds[1:]], view=None)
            else:
                await message.edit(view=None)
        except (discord.HTTPException, ChannelUnavailable, ValueError) as exc:
            log.warning("could not mark message %s as closed: %s", where.message_id, exc)

    async def send_private(self, channel: ChannelRef, member_id: str, text: str) -> None:
        user = self.client.get_user(int(member_id)) or await self.client.fetch_user(int(member_id))
        for chunk in limits.split(text):
            await user.send(chunk, allowed_mentions=NO_PINGS)

    async def announce(self, channel: ChannelRef, announcement: Announcement) -> None:
        """A short message in the channel itself (the monthly champion); names in it never ping anyone."""
        target = await self._channel(channel.channel_id)
        content = limits.fit(discord.utils.escape_markdown(announcement.text), limits.MESSAGE)
        if announcement.retry or announcement.key in self._attempted:
            if await self._earlier_announcement(target, content):
                log.info("announcement %s was already posted in %s; not posting it again", announcement.key, channel.channel_id)
                self._attempted.pop(announcement.key, None)
                return
        self._remember(announcement.key)
        try:
            await target.send(content, nonce=announcement_nonce(announcement.key), allowed_mentions=NO_PINGS)
        except (discord.NotFound, discord.Forbidden) as exc:
            raise unavailable(exc, "post") from None
        self._attempted.pop(announcement.key, None)

    async def _earlier_announcement(self, target: discord.abc.Messageable, content: str) -> bool:
        """Whether the bot's latest messages already hold this announcement (an earlier attempt posted it)."""
        me = self.client.user.id if self.client.user else None
        try:
            async for message in target.history(limit=LOOKBACK_MESSAGES):  # type: ignore[attr-defined]
                if message.author.id == me and message.content == content:
                    return True
        except (discord.NotFound, discord.Forbidden) as exc:
            log.warning("could not look for an earlier attempt at an announcement (%s); posting it", exc)
        return False
