"""Self-check components: "Check my answer" on a reveal, "Tick key points" on a practice answer, and the
multi-select of key points both open.

Every custom_id carries its state, and the classes are registered as dynamic items at start-up, so
they keep working after a restart:

* `qotd:check:<post id>`: the reveal's button. It replies only to the clicker with the key points,
  their ticks (or the automatic guess) and the team's coverage, plus the select when they answered.
* `qotd:check:quiz:<attempt>`: the same for a practice question, next to the grade buttons.
* `qotd:check:pick:<post|quiz>:<id>`: the select, pre-selected from the member's ticks or the guess;
  choosing records the ticks (none selected means none covered) and updates the message in place.

The core decides who may tick what (only members who answered, only after the reveal; a practice
question only by its owner after Show answer); refusals are shown only to the clicker.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import discord

from adapters.discord import limits
from adapters.discord.interactions import (
    defer,
    defer_update,
    finish,
    interaction_channel,
    interaction_member,
    run_core,
)
from adapters.discord.rendering import reply_embed
from bot.commands import Check
from bot.ports import Reply

NO_PINGS = discord.AllowedMentions.none()
SELECT_LABEL = 100
SELECT_OPTIONS = 25
PLACEHOLDER = "Tick the key points your answer covered"


def _qotd(interaction: discord.Interaction):
    return interaction.client.qotd  # type: ignore[attr-defined]


def _member(interaction: discord.Interaction):
    return interaction_member(interaction, getattr(interaction.client, "admin_role_id", None))


def _command(kind: str, target: int, points: tuple[int, ...] | None = None) -> Check:
    if kind == "quiz":
        return Check(points=points, quiz=True, attempt=target)
    return Check(points=points, post_id=target)


async def _show(interaction: discord.Interaction, kind: str, target: int) -> None:
    """Reply only to the clicker: the key points, their ticks or the guess, and the select."""
    await defer(interaction, ephemeral=True)
    reply = await run_core(
        _qotd(interaction).handle(interaction_channel(interaction), _member(interaction), _command(kind, target)),
        "showing a self-check",
    )
    view = key_point_view(kind, target, reply.data) if reply.ok else None
    await finish(interaction, Reply(reply.text, private=True, ok=reply.ok, data=reply.data), view=view)


class CheckAnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=r"qotd:check:(?P<post_id>\d+)"):
    def __init__(self, post_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Check my answer", style=discord.ButtonStyle.secondary, emoji="☑️", custom_id=f"qotd:check:{post_id}"
            )
        )
        self.post_id = post_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]):  # noqa: ARG003
        return cls(int(match["post_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _show(interaction, "post", self.post_id)


class TickKeyPointsButton(discord.ui.DynamicItem[discord.ui.Button], template=r"qotd:check:quiz:(?P<attempt>\d+)"):
    def __init__(self, attempt: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Tick key points", style=discord.ButtonStyle.secondary, emoji="☑️",
                custom_id=f"qotd:check:quiz:{attempt}", row=1,
            )
        )
        self.attempt = attempt

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]):  # noqa: ARG003
        return cls(int(match["attempt"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _show(interaction, "quiz", self.attempt)


def _options(key_points: Sequence[str], selected: Sequence[int]) -> list[discord.SelectOption]:
    return [
        discord.SelectOption(label=limits.fit(f"{n}. {point}", SELECT_LABEL), value=str(n), default=n in selected)
        for n, point in enumerate(key_points[:SELECT_OPTIONS], start=1)
    ]


class KeyPointSelect(
    discord.ui.DynamicItem[discord.ui.Select], template=r"qotd:check:pick:(?P<kind>post|quiz):(?P<target>\d+)"
):
    def __init__(self, kind: str, target: int, options: list[discord.SelectOption]) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"qotd:check:pick:{kind}:{target}",
                placeholder=PLACEHOLDER,
                min_values=0,  # nothing selected: the answer covered none of them
                max_values=max(len(options), 1),
                options=options,
            )
        )
        self.kind, self.target = kind, target

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]):  # noqa: ARG003
        return cls(match["kind"], int(match["target"]), list(item.options))

    async def callback(self, interaction: discord.Interaction) -> None:
        await defer_update(interaction)
        try:
            points = tuple(sorted({int(v) for v in self.item.values}))
        except ValueError:  # not values we offered
            reply = Reply("Sorry, that choice could not be read; nothing was changed.", ok=False)
        else:
            reply = await run_core(
                _qotd(interaction).handle(
                    interaction_channel(interaction), _member(interaction), _command(self.kind, self.target, points)
                ),
                "recording a self-check",
            )
        if reply.ok:
            await interaction.edit_original_response(
                embed=reply_embed(reply), view=key_point_view(self.kind, self.target, reply.data), allowed_mentions=NO_PINGS
            )
        else:
            await interaction.followup.send(embed=reply_embed(reply), ephemeral=True, allowed_mentions=NO_PINGS)


def key_point_view(kind: str, target: int, data: dict) -> discord.ui.View | None:
    """The select for a self-check reply; None when there is nothing of the member's to tick."""
    key_points = [str(p) for p in data.get("key_points") or []]
    if not key_points or data.get("answered") is False:
        return None
    selected = [int(n) for n in data.get("selected") or []]
    view = discord.ui.View(timeout=None)
    view.add_item(KeyPointSelect(kind, target, _options(key_points, selected)))
    return view


def check_answer_view(post_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(CheckAnswerButton(post_id))
    return view


SELF_CHECK_ITEMS = (CheckAnswerButton, TickKeyPointsButton, KeyPointSelect)
