"""Persistent buttons and the answer modal.

Every button's custom_id carries its state (`qotd:answer:<post id>`,
`qotd:quiz:show:<attempt>`, `qotd:quiz:grade:<attempt>:<grade>`,
`qotd:lb:<period>:<metric>:<page>`, the period `season.<season id>` for a season's board), and the classes below are registered as
dynamic items at start-up, so buttons keep working after a restart.

The answer modal is stateless in the same way: it is never kept in discord.py's
in-memory modal store (which is keyed by custom_id alone, so two members answering
the same question would overwrite each other, and which a restart empties). Its
submission is decoded from the custom_id `qotd:answer-modal:<post id>` and the
field `qotd:answer-text` by `submit_answer_modal`, called from the client's
`on_interaction`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

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
from adapters.discord.self_check_views import TickKeyPointsButton
from bot.commands import GRADES, Leaderboard, Quiz
from bot.ports import Member, Reply
from bot.services.answering import AnswerSubmitted

ANSWER_MODAL = re.compile(r"qotd:answer-modal:(?P<post_id>\d+)")
ANSWER_FIELD = "qotd:answer-text"
NO_PINGS = discord.AllowedMentions.none()


def _qotd(interaction: discord.Interaction):
    return interaction.client.qotd  # type: ignore[attr-defined]


def _admin_role(interaction: discord.Interaction) -> int | None:
    return getattr(interaction.client, "admin_role_id", None)


def _member(interaction: discord.Interaction):
    return interaction_member(interaction, _admin_role(interaction))


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=r"qotd:answer:(?P<post_id>\d+)"):
    def __init__(self, post_id: int) -> None:
        super().__init__(
            discord.ui.Button(label="Answer", style=discord.ButtonStyle.primary, emoji="✍️", custom_id=f"qotd:answer:{post_id}")
        )
        self.post_id = post_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]):  # noqa: ARG003
        return cls(int(match["post_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        limit = min(limits.MODAL_TEXT, _qotd(interaction).ctx.settings.max_answer_chars)
        await interaction.response.send_modal(answer_modal(self.post_id, limit))


def answer_modal(post_id: int, max_length: int = limits.MODAL_TEXT) -> discord.ui.Modal:
    """The answer form. Stopped before it is sent, so discord.py does not keep it (see the module doc)."""
    modal = discord.ui.Modal(title="Your answer", custom_id=f"qotd:answer-modal:{post_id}", timeout=None)
    modal.add_item(
        discord.ui.Label(
            text="Answer",
            description=f"Up to {max_length:,} characters. Markdown and code blocks welcome.",
            component=discord.ui.TextInput(
                custom_id=ANSWER_FIELD,
                style=discord.TextStyle.paragraph,
                max_length=max_length,
                placeholder="Your answer",
            ),
        )
    )
    modal.stop()
    return modal


def submitted_values(components: Iterable[dict]) -> dict[str, str]:
    """Text and single-choice select values by custom_id from a MODAL_SUBMIT payload (action rows or labels)."""
    values: dict[str, str] = {}
    for component in components:
        if component.get("type") == 1:
            values.update(submitted_values(component.get("components") or []))
        elif component.get("type") == 18 and component.get("component"):
            values.update(submitted_values([component["component"]]))
        elif component.get("custom_id"):
            if "value" in component:
                values[component["custom_id"]] = str(component["value"])
            elif component.get("values"):
                values[component["custom_id"]] = str(component["values"][0])
    return values


async def submit_answer_modal(interaction: discord.Interaction, post_id: int) -> None:
    await defer(interaction, ephemeral=True)
    text = submitted_values((interaction.data or {}).get("components") or []).get(ANSWER_FIELD, "")
    reply = await run_core(
        _qotd(interaction).answer(
            AnswerSubmitted(
                channel=interaction_channel(interaction),
                member=_member(interaction),
                text=text,
                post_id=post_id,
                event_id=f"interaction-{interaction.id}",
            )
        ),
        "recording an answer",
    )
    await finish(interaction, Reply(reply.text, private=True, ok=reply.ok, data=reply.data))


async def _update_or_report(interaction: discord.Interaction, reply: Reply, **edit) -> None:
    """After a deferred click: edit the clicked message on success, tell only the clicker otherwise."""
    if reply.ok:
        await interaction.edit_original_response(allowed_mentions=NO_PINGS, **edit)
    else:
        await interaction.followup.send(embed=reply_embed(reply), ephemeral=True, allowed_mentions=NO_PINGS)


class QuizShowButton(discord.ui.DynamicItem[discord.ui.Button], template=r"qotd:quiz:show:(?P<attempt>\d+)"):
    def __init__(self, attempt: int) -> None:
        super().__init__(
            discord.ui.Button(label="Show answer", style=discord.ButtonStyle.primary, custom_id=f"qotd:quiz:show:{attempt}")
        )
        self.attempt = attempt

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]):  # noqa: ARG003
        return cls(int(match["attempt"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await defer_update(interaction)
        reply = await run_core(
            _qotd(interaction).handle(
                interaction_channel(interaction), _member(interaction), Quiz(show_answer=True, attempt=self.attempt)
            ),
            "showing a quiz answer",
        )
        question = interaction.message.embeds[:1] if interaction.message else []
        answer = reply_embed(reply, "Reference answer")
        await _update_or_report(interaction, reply, embeds=limits.one_message([*question, answer]), view=grade_view(self.attempt))


class QuizGradeButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"qotd:quiz:grade:(?P<attempt>\d+):(?P<grade>again|hard|good|easy)",
):
    def __init__(self, attempt: int, grade: str, chosen: bool = False) -> None:
        style = discord.ButtonStyle.success if chosen else (
            discord.ButtonStyle.danger if grade == "again" else discord.ButtonStyle.secondary
        )
        super().__init__(
            discord.ui.Button(label=grade.capitalize(), style=style, custom_id=f"qotd:quiz:grade:{attempt}:{grade}")
        )
        self.attempt = attempt
        self.grade = grade

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]):  # noqa: ARG003
        return cls(int(match["attempt"]), match["grade"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await defer_update(interaction)
        reply = await run_core(
            _qotd(interaction).handle(
                interaction_channel(interaction), _member(interaction), Quiz(grade=self.grade, attempt=self.attempt)
            ),
            "recording a quiz grade",
        )
        kept = interaction.message.embeds[:2] if interaction.message else []
        recorded = reply_embed(Reply(reply.text.replace("/qotd quiz", "`/qotd quiz`"), ok=reply.ok))
        await _update_or_report(
            interaction, reply, embeds=limits.one_message([*kept, recorded]), view=grade_view(self.attempt, chosen=self.grade)
        )


class LeaderboardPageButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=(
        r"qotd:lb:(?P<period>week|month|season|all)(?:\.(?P<season>\d+))?"
        r":(?P<metric>points|answers|streak):(?P<page>\d+)(?::(?P<tag>\w+))?"
    ),
):
    def __init__(
        self, period: str, metric: str, page: int, label: str = "", disabled: bool = False, tag: str = "",
        season_id: int | None = None,
    ) -> None:
        # Previous and Next can point at the same page (on the first or last one); a tag keeps ids unique.
        suffix = f":{tag}" if tag else ""
        # A season's board names its season by id, so its pages stay that season's even after it ends.
        which = f"{period}.{season_id}" if season_id is not None else period
        super().__init__(
            discord.ui.Button(
                label=label or f"Page {page}",
                style=discord.ButtonStyle.secondary,
                custom_id=f"qotd:lb:{which}:{metric}:{page}{suffix}",
                disabled=disabled,
            )
        )
        self.period, self.metric, self.page, self.season_id = period, metric, page, season_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]):  # noqa: ARG003
        season_id = int(match["season"]) if match["season"] else None
        return cls(match["period"], match["metric"], int(match["page"]), tag=match["tag"] or "", season_id=season_id)

    async def callback(self, interaction: discord.Interaction) -> None:
        await defer_update(interaction)
        reply = await run_core(
            _qotd(interaction).handle(
                interaction_channel(interaction),
                _viewer(interaction),
                Leaderboard(period=self.period, metric=self.metric, page=self.page, season_id=self.season_id),
            ),
            "paging the leaderboard",
        )
        view = leaderboard_view(reply.data)
        await _update_or_report(
            interaction, reply, embed=reply_embed(reply), **({"view": view} if view else {})
        )


def _viewer(interaction: discord.Interaction) -> Member:
    """Whose "← you" a shared leaderboard shows: whoever asked for it, not whoever turns its pages."""
    metadata = interaction.message.interaction_metadata if interaction.message else None
    user = metadata.user if metadata is not None else interaction.user
    return Member(id=str(user.id), name=user.display_name)


def answer_view(post_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(AnswerButton(post_id))
    return view


def quiz_view(attempt: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(QuizShowButton(attempt))
    return view


def grade_view(attempt: int, chosen: str | None = None) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for grade in GRADES:
        view.add_item(QuizGradeButton(attempt, grade, chosen=grade == chosen))
    view.add_item(TickKeyPointsButton(attempt))  # on its own row: tick the key points the answer covered
    return view


def leaderboard_view(data: dict) -> discord.ui.View | None:
    pages = int(data.get("pages", 1))
    if pages <= 1:
        return None
    page, period, metric = int(data["page"]), data["period"], data["metric"]
    season_id = data.get("season_id")
    view = discord.ui.View(timeout=None)
    view.add_item(
        LeaderboardPageButton(period, metric, max(page - 1, 1), "◀ Previous", disabled=page <= 1, tag="prev", season_id=season_id)
    )
    view.add_item(
        LeaderboardPageButton(period, metric, min(page + 1, pages), "Next ▶", disabled=page >= pages, tag="next", season_id=season_id)
    )
    return view


DYNAMIC_ITEMS = (AnswerButton, QuizShowButton, QuizGradeButton, LeaderboardPageButton)
