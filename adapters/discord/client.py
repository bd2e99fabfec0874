"""The discord.py client: registers /qotd and the persistent buttons, and hears thread replies."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import discord
from discord import app_commands

from adapters.discord.commands import QotdGroup
from adapters.discord.interactions import PLATFORM, SOMETHING_WENT_WRONG, channel_ref, send_error
from adapters.discord.port import DiscordPort
from adapters.discord.views import ANSWER_MODAL, DYNAMIC_ITEMS, submit_answer_modal
from adapters.discord.self_check_views import SELF_CHECK_ITEMS
from adapters.discord.member_data_views import MEMBER_DATA_ITEMS
from adapters.discord.suggestion_views import SUGGESTION_ITEMS, on_suggestion_modal
from bot.bootstrap import Qotd
from bot.ports import Member
from bot.services.answering import AnswerSubmitted
from bot.services.withdrawing import AnswerWithdrawn

log = logging.getLogger(__name__)
HINT = (
    "To answer, use the **Answer** button on the question: this bot cannot read messages in threads here, "
    "so this reply was not counted."
)
COUNTED = "✅"
NOT_COUNTED = "⚠️"
MAX_HINTED = 10_000
# Seconds one REST request may take before it counts as unanswered. discord.py's own session
# waits 5 minutes; a post stuck that long would still be in flight when its claim goes stale
# (QOTD_CLAIM_TIMEOUT, 2 minutes) and another instance retries it.
REST_TIMEOUT = 30.0


def bound_rest_requests(client: QotdDiscordClient) -> None:
    """Give every REST request (each of discord.py's own retries) `client.rest_timeout` seconds.

    A request that times out raises `TimeoutError` from the call that made it; the gateway
    websocket and interaction webhooks are not affected.
    """
    request = client.http.request

    async def request_with_timeout(route, **kwargs):
        kwargs.setdefault("timeout", aiohttp.ClientTimeout(total=client.rest_timeout))
        return await request(route, **kwargs)

    client.http.request = request_with_timeout  # type: ignore[method-assign]


class StartupError(Exception):
    """Discord refused something the bot needs at start-up; the message says what to fix."""


class QotdTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        log.error("/%s failed: %s", interaction.command.qualified_name if interaction.command else "?", error, exc_info=error)
        try:
            await send_error(interaction, SOMETHING_WENT_WRONG)
        except discord.HTTPException:
            pass


class QotdDiscordClient(discord.AutoShardedClient):
    def __init__(
        self,
        qotd: Qotd,
        *,
        message_content: bool = False,
        test_guild_id: int | None = None,
        admin_role_id: int | None = None,
        thread_on_reveal: str = "archive",
        rest_timeout: float = REST_TIMEOUT,
        **options,
    ) -> None:
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # no voice here: no warnings about it
        intents = discord.Intents.default()  # no privileged intent unless message_content is asked for
        intents.message_content = message_content
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        super().__init__(intents=intents, **options)
        self.rest_timeout = rest_timeout
        bound_rest_requests(self)
        self.qotd = qotd
        self.tree = QotdTree(self)
        self.tree.add_command(QotdGroup())
        self.test_guild_id = test_guild_id
        self.admin_role_id = admin_role_id
        self.port = DiscordPort(self, thread_on_reveal)
        self._hinted: set[tuple[int, int]] = set()
        self.connected_once = asyncio.Event()  # set once connected and the servers are loaded
        qotd.connect(PLATFORM, self.port)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(*DYNAMIC_ITEMS, *SUGGESTION_ITEMS)
        self.add_dynamic_items(*SELF_CHECK_ITEMS)
        self.add_dynamic_items(*MEMBER_DATA_ITEMS)
        try:
            if self.test_guild_id:
                guild = discord.Object(self.test_guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("registered /qotd (%d command) in test server %s", len(synced), self.test_guild_id)
            else:
                synced = await self.tree.sync()
                log.info("registered /qotd globally (%d command); new servers may take a while to see it", len(synced))
        except discord.Forbidden as exc:
            where = f"in server {self.test_guild_id}" if self.test_guild_id else "globally"
            raise StartupError(
                f"Discord refused to register /qotd {where} ({exc.status} {exc.text or 'Missing Access'}): "
                "invite the bot with the 'bot' and 'applications.commands' scopes"
                + (" to that server, or unset DISCORD_TEST_GUILD" if self.test_guild_id else "")
            ) from None
        except discord.NotFound as exc:
            raise StartupError(f"DISCORD_TEST_GUILD {self.test_guild_id} is not a server the bot is in ({exc.text})") from None

    async def on_ready(self) -> None:
        log.info("connected to Discord as %s in %d servers", self.user, len(self.guilds))
        self.connected_once.set()

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Answer modal submissions are decoded here, so they work for every member and after restarts."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        match = ANSWER_MODAL.fullmatch(str((interaction.data or {}).get("custom_id", "")))
        if match:
            await submit_answer_modal(interaction, int(match["post_id"]))
            return
        if await on_suggestion_modal(interaction):  # the suggestion, edit and reject forms
            return

    def _is_question_thread(self, channel: object) -> bool:
        """The bot opens threads only for questions, so a thread it owns is a question's thread."""
        return isinstance(channel, discord.Thread) and self.user is not None and channel.owner_id == self.user.id

    async def on_message(self, message: discord.Message) -> None:
        """A reply in a question's thread counts as an answer when the bot can read it."""
        if message.author.bot or message.guild is None or not self._is_question_thread(message.channel):
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        if not message.content:
            if not self.intents.message_content:
                await self._hint_once(message)
            return  # e.g. only an attachment or a sticker
        reply = await self.qotd.answer(
            AnswerSubmitted(
                channel=channel_ref(message.guild.id, message.channel),
                member=Member(id=str(message.author.id), name=message.author.display_name),
                text=message.content,
                thread_id=str(message.channel.id),
                event_id=f"message-{message.id}",
                already_visible=True,
                message_id=str(message.id),
            )
        )
        try:
            await message.add_reaction(COUNTED if reply.ok else NOT_COUNTED)
            if not reply.ok:
                await message.reply(reply.text, mention_author=False, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.info("could not react to an answer in thread %s: %s", message.channel.id, exc)

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """A member deleted their reply in a question's thread: before the reveal that withdraws their answer.

        When discord.py still holds the message (sent since the bot started) its author and text come
        with the event: only a reply with readable text can have been an answer, and its text must be
        the member's current answer. Otherwise Discord names only the message, and the core traces it
        through the message ids stored with answers. Either way anything else changes nothing, and the
        member is told privately (a direct message) what happened to their answer.
        """
        message = payload.cached_message
        if message is not None:
            if message.author.bot or message.guild is None or not message.content or not self._is_question_thread(message.channel):
                return
            channel, member_id, text = channel_ref(message.guild.id, message.channel), str(message.author.id), message.content
        else:
            thread = self.get_channel(payload.channel_id)  # active threads are cached; revealed ones keep their answers
            if payload.guild_id is None or not self._is_question_thread(thread):
                return
            channel, member_id, text = channel_ref(payload.guild_id, thread), None, None
        reply = await self.qotd.withdraw(
            AnswerWithdrawn(
                channel=channel,
                member_id=member_id,
                thread_id=str(payload.channel_id),
                text=text,
                event_id=f"deleted-{payload.message_id}",
                message_id=str(payload.message_id),
            )
        )
        told = reply.data.get("member_id") or member_id
        if reply.data.get("outcome") not in ("withdrawn", "kept", "unavailable") or not reply.text or not told:
            return
        try:
            user = self.get_user(int(told)) or await self.fetch_user(int(told))
            await user.send(reply.text, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:  # direct messages closed: the answer's fate is still as stored
            log.info("could not tell member %s about their deleted reply: %s", told, exc)

    async def _hint_once(self, message: discord.Message) -> None:
        key = (message.channel.id, message.author.id)
        if key in self._hinted:
            return
        if len(self._hinted) > MAX_HINTED:
            self._hinted.clear()
        self._hinted.add(key)
        try:
            await message.reply(HINT, mention_author=False, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.info("could not send the answer hint in thread %s: %s", message.channel.id, exc)
