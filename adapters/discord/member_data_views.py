"""Discord side of reports and members' own data: the persistent "Delete my data" button of /qotd forget-me.

The button's custom_id carries the member's confirmation code (`qotd:forget:<code>`), so it keeps
working after a restart, and the core checks the code against whoever clicks: it only ever
deletes the clicker's own data, in this server.
"""

from __future__ import annotations

import re

import discord

from adapters.discord.interactions import NO_PINGS, defer_update, interaction_channel, interaction_member, run_core
from adapters.discord.rendering import reply_embed
from bot.commands import FORGET_CODE_ALPHABET, FORGET_CODE_LENGTH, ForgetMe

FORGET_PREFIX = "qotd:forget:"
# Whose deferral is public: the team report goes to the channel, everything else here is private.
PUBLIC_SCOPES = frozenset({("report", "team")})


def public_deferral(name: str, options: dict[str, str]) -> bool:
    return (name, options.get("scope", "")) in PUBLIC_SCOPES


class ForgetMeButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"{re.escape(FORGET_PREFIX)}(?P<code>[{FORGET_CODE_ALPHABET}]{{{FORGET_CODE_LENGTH}}})",
):
    def __init__(self, code: str) -> None:
        super().__init__(
            discord.ui.Button(label="Delete my data", style=discord.ButtonStyle.danger, emoji="🗑️", custom_id=f"{FORGET_PREFIX}{code}")
        )
        self.code = code

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]):  # noqa: ARG003
        return cls(match["code"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await defer_update(interaction)
        member = interaction_member(interaction, getattr(interaction.client, "admin_role_id", None))
        reply = await run_core(
            interaction.client.qotd.handle(interaction_channel(interaction), member, ForgetMe(confirm=self.code)),  # type: ignore[attr-defined]
            "forgetting a member",
        )
        if reply.ok:  # the explanation is replaced by the outcome; the button goes
            await interaction.edit_original_response(embed=reply_embed(reply), view=None, allowed_mentions=NO_PINGS)
        else:
            await interaction.followup.send(embed=reply_embed(reply), ephemeral=True, allowed_mentions=NO_PINGS)


def forget_view(code: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ForgetMeButton(code))
    return view


MEMBER_DATA_ITEMS = (ForgetMeButton,)
