"""Turning Discord interactions into the core's neutral terms, and core replies back into responses.

Every interaction is acknowledged before the core runs (Discord allows 3 seconds for the first
response): slash commands and modal submits are deferred with a "thinking" message that the reply
then replaces; buttons are deferred as an update of the message they sit on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import replace

import discord

from adapters.discord import limits
from adapters.discord.files import attachment_files
from adapters.discord.rendering import reply_embed
from bot.bootstrap import error_reply
from bot.errors import QotdError
from bot.ports import ChannelRef, Member, Reply

log = logging.getLogger(__name__)
PLATFORM = "discord"
NO_PINGS = discord.AllowedMentions.none()
DEFERRED_EPHEMERAL = "qotd_deferred_ephemeral"
SOMETHING_WENT_WRONG = "Sorry, something went wrong on our side; nothing was changed. Please try again in a minute."


def channel_ref(guild_id: int | None, channel: discord.abc.Snowflake | None) -> ChannelRef:
    """The core's channel for a Discord channel; a thread counts as its parent channel."""
    channel_id = getattr(channel, "parent_id", None) or getattr(channel, "id", 0)
    return ChannelRef(PLATFORM, str(guild_id or "dm"), str(channel_id))


def interaction_channel(interaction: discord.Interaction) -> ChannelRef:
    return channel_ref(interaction.guild_id, interaction.channel)


def is_admin(interaction: discord.Interaction, admin_role_id: int | None = None) -> bool:
    permissions = interaction.permissions
    if permissions.manage_guild or permissions.administrator:
        return True
    user = interaction.user
    return bool(admin_role_id and isinstance(user, discord.Member) and any(r.id == admin_role_id for r in user.roles))


def interaction_member(interaction: discord.Interaction, admin_role_id: int | None = None) -> Member:
    user = interaction.user
    return Member(id=str(user.id), name=user.display_name, is_admin=is_admin(interaction, admin_role_id))


async def run_core(work: Awaitable[Reply], what: str) -> Reply:
    """Run a core call; an unexpected failure becomes a polite error instead of a stuck "thinking…"."""
    try:
        return await work
    except QotdError as exc:
        return error_reply(exc)
    except Exception:
        log.exception("%s failed", what)
        return Reply(SOMETHING_WENT_WRONG, private=True, ok=False)


async def respond_now(interaction: discord.Interaction, reply: Reply) -> None:
    """Answer at once (no deferral): for checks that need no core work, such as refusals."""
    kwargs = {"embed": reply_embed(reply), "allowed_mentions": NO_PINGS}
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(ephemeral=reply.private or not reply.ok, **kwargs)


async def defer(interaction: discord.Interaction, *, ephemeral: bool = True) -> None:
    """Acknowledge with a "thinking…" message, visible to everyone or only to the member."""
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        interaction.extras[DEFERRED_EPHEMERAL] = ephemeral


async def defer_update(interaction: discord.Interaction) -> None:
    """Acknowledge a button click; the message it sits on is edited afterwards."""
    if not interaction.response.is_done():
        await interaction.response.defer()


async def finish(
    interaction: discord.Interaction,
    reply: Reply,
    *,
    view: discord.ui.View | None = None,
    title: str | None = None,
) -> None:
    """Replace the deferred "thinking…" message with the core's reply.

    Private replies and errors are seen only by the member; public ones by the channel. An
    ephemeral message cannot become public (or the reverse), so when the reply's visibility
    differs from the deferral's (say a public /qotd setup that fails), the reply becomes a new
    follow-up message with its own visibility and the placeholder is removed.
    """
    public = reply.ok and not reply.private
    # A reply's files (exports, charts) go with it, so they are private exactly when the reply is.
    files, too_large = attachment_files(reply, getattr(interaction, "filesize_limit", None))
    if too_large:
        reply = replace(reply, text=f"{reply.text}\n\n{too_large}")
    embed = reply_embed(reply, title)
    kwargs: dict = {"embed": embed, "allowed_mentions": NO_PINGS}
    if view is not None:
        kwargs["view"] = view
    if not interaction.response.is_done():
        await interaction.response.send_message(ephemeral=not public, **kwargs, **({"files": files} if files else {}))
        return
    deferred_ephemeral = interaction.extras.get(DEFERRED_EPHEMERAL, True)
    if deferred_ephemeral == (not public):
        await interaction.edit_original_response(**kwargs, **({"attachments": files} if files else {}))
        return
    # Edit first: a follow-up sent straight after a deferral would only replace the thinking message.
    await interaction.edit_original_response(content="Done." if public else "…", allowed_mentions=NO_PINGS)
    await interaction.followup.send(ephemeral=not public, **kwargs, **({"files": files} if files else {}))
    try:
        await interaction.delete_original_response()
    except discord.HTTPException as exc:
        log.info("could not remove a placeholder reply: %s", exc)


async def send_error(interaction: discord.Interaction, text: str) -> None:
    await respond_now(interaction, Reply(limits.fit(text, limits.EMBED_DESCRIPTION), private=True, ok=False))


async def refuse_unless_admin(interaction: discord.Interaction, what: str, member, admin_role: int | None) -> bool:
    """Tell a non-admin privately that `what` is for admins; True when refused."""
    if member.is_admin:
        return False
    role = f" or the <@&{admin_role}> role" if admin_role else ""
    await send_error(
        interaction,
        f"Sorry, {what} is for admins: it needs the **Manage Server** permission{role}. Ask a server admin to run it.",
    )
    return True
