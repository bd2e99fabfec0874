"""The ChatPort on Discord: embeds in the channel, a thread per question, reveals in the thread.

Errors that mean "this channel is gone or closed to us" (404 Unknown Channel, 403 Missing
Permissions/Access) become `ChannelUnavailable`, so the core disables the schedule and says why
in /qotd status instead of retrying forever. discord.py itself retries 429s and 5xx; posts carry
a nonce (discord.py adds `enforce_nonce`), so a retried post returns the first message instead of
a duplicate.
"""

from __future__ import annotations

import logging

import discord

from adapters.discord import limits
from adapters.discord.rate_limit_metrics import count_rate_limits
from adapters.discord.rendering import closed_embed, echo_message, question_embed, reveal_embeds, thread_name
from adapters.discord.self_check_views import check_answer_view
from adapters.discord.views import answer_view
from bot import metrics
from bot.ports import AnswerEcho, ChannelRef, ChannelUnavailable, PostedRef, QuestionPost, RevealMessage

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()
THREAD_ACTIONS = ("archive", "lock", "keep")
THREAD_ALREADY_EXISTS = 160004
THREAD_ARCHIVE_MINUTES = 1440


def nonce_for(post: QuestionPost) -> str:
    """Stable for one post, so every retry (in any process) is deduplicated by Discord."""
    return f"qotd-p{post.post_id}"


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
        try:
            message = await target.send(
                embed=question_embed(post), view=answer_view(post.post_id), nonce=nonce_for(post), allowed_mentions=NO_PINGS
            )
        except (discord.NotFound, discord.Forbidden) as exc:
            raise unavailable(exc, "post") from None
        thread_id = None
        try:
            thread = await message.create_thread(name=thread_name(post), auto_archive_duration=THREAD_ARCHIVE_MINUTES)
            thread_id = str(thread.id)
        except discord.HTTPException as exc:
            if exc.code == THREAD_ALREADY_EXISTS:  # a retried post: the thread from the first try is there
                thread_id = str(message.id)  # a thread started from a message shares its id
            else:
                log.warning("posted question #%s but could not open its thread: %s", post.seq, exc)
        return PostedRef(message_id=str(message.id), thread_id=thread_id)

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
        try:
            for index, embeds in enumerate(limits.pack(reveal_embeds(reveal))):
                # A reveal retried (by discord.py, or by the core after a crash) repeats the same nonces.
                nonce = f"qotd-r{reveal.post_id}-{index}"  # nonces: at most 25 characters
                # The first message holds the key points: members check their answer against them there.
                view = check_answer_view(reveal.post_id) if index == 0 and reveal.key_points else None
                await target.send(embeds=embeds, nonce=nonce, allowed_mentions=NO_PINGS, view=view)
        except (discord.NotFound, discord.Forbidden) as exc:
            raise unavailable(exc, "post the reveal") from None
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

    async def announce(self, channel: ChannelRef, text: str) -> None:
        """A short message in the channel itself (the monthly champion); names in it never ping anyone."""
        target = await self._channel(channel.channel_id)
        try:
            await target.send(limits.fit(discord.utils.escape_markdown(text), limits.MESSAGE), allowed_mentions=NO_PINGS)
        except (discord.NotFound, discord.Forbidden) as exc:
            raise unavailable(exc, "post") from None
