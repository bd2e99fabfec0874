"""`/qotd admin ACTION`: the admin tools as a Discord subcommand group, one subcommand per action.

Each subcommand's typed options become the core's `Admin(action, options)` through
`bot.commands.build_command("admin", [action], options)`, so Discord accepts exactly what the text
form accepts. Replies are private. To add an action: a subcommand method calling `self.run`.
"""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands

from adapters.discord import limits
from adapters.discord.interactions import (
    defer,
    finish,
    interaction_channel,
    interaction_member,
    refuse_unless_admin,
    run_core,
    send_error,
)
from adapters.discord.suggestion_views import send_queue
from bot.commands import build_command
from bot.errors import QotdError
from bot.topics import TOPICS


async def topic_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    needle = current.strip().lower()
    found = [t for t in TOPICS if t.startswith(needle)] + [t for t in TOPICS if needle in t and not t.startswith(needle)]
    return [app_commands.Choice(name=t, value=t) for t in found][: limits.AUTOCOMPLETE_CHOICES]


async def topic_list_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Completes the last entry of a comma-separated topic list."""
    done, _, last = current.rpartition(",")
    prefix = f"{done}," if done else ""
    chosen = {t.strip() for t in done.split(",") if t.strip()}
    options = [t for t in TOPICS if t not in chosen and last.strip().lower() in t]
    if not done:
        options = (["all"] if "all".startswith(last.strip().lower()) else []) + options
    names = [prefix + t for t in options if len(prefix + t) <= limits.CHOICE_NAME]
    return [app_commands.Choice(name=n, value=n) for n in names][: limits.AUTOCOMPLETE_CHOICES]


class AdminGroup(app_commands.Group):
    def __init__(self) -> None:
        super().__init__(name="admin", description="Admin tools: moderation, topics and more (admins)")

    async def run(self, interaction: discord.Interaction, action: str, options: dict[str, object]) -> None:
        """Check permission and options at once; acknowledge privately; then let the core do the work."""
        client = interaction.client
        admin_role = getattr(client, "admin_role_id", None)
        member = interaction_member(interaction, admin_role)
        if await refuse_unless_admin(interaction, f"/qotd admin {action}", member, admin_role):
            return
        values = {k: str(v) for k, v in options.items() if v is not None}
        try:
            command = build_command("admin", [action], values)
        except QotdError as exc:
            await send_error(interaction, f"Sorry, {exc.message.rstrip('.')}.")
            return
        await defer(interaction, ephemeral=True)
        app = client.qotd  # type: ignore[attr-defined]
        reply = await run_core(app.handle(interaction_channel(interaction), member, command), f"/qotd admin {action}")
        if action == "suggestions" and reply.ok:
            await send_queue(interaction, reply)
            return
        await finish(interaction, reply)

    # ---- streaks and the admin audit log ---------------------------------------------------------------

    @app_commands.command(name="streak", description="Set or restore a member's streak; kept in the audit log (admins)")
    @app_commands.describe(
        member="Whose streak to set",
        value="The new current streak, 0 to 10000 (the longest streak rises to it if lower)",
        reason="Why, up to 300 characters; shown in /qotd admin audit",
    )
    async def streak(
        self,
        interaction: discord.Interaction,
        member: discord.User,
        value: app_commands.Range[int, 0, 10000],
        reason: app_commands.Range[str, 1, 300],
    ) -> None:
        await self.run(interaction, "streak", {"member": str(member.id), "value": value, "reason": reason})

    @app_commands.command(name="audit", description="The latest 20 admin changes here, newest first (admins)")
    @app_commands.describe(member="Only changes about this member")
    async def audit(self, interaction: discord.Interaction, member: discord.User | None = None) -> None:
        await self.run(interaction, "audit", {"member": str(member.id) if member else None})

    # ---- suggestions and their moderation ------------------------------------------------------------

    @app_commands.command(name="suggestions", description="Questions members suggested that wait for review (admins)")
    async def suggestions(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "suggestions", {})

    @app_commands.command(name="approve", description="Approve a suggestion: it joins this server's rotation (admins)")
    @app_commands.describe(id="The suggestion's number, from /qotd admin suggestions")
    async def approve(self, interaction: discord.Interaction, id: app_commands.Range[int, 1, 999_999_999]) -> None:  # noqa: A002
        await self.run(interaction, "approve", {"id": id})

    @app_commands.command(name="reject", description="Turn a suggestion down; the member is told why (admins)")
    @app_commands.describe(id="The suggestion's number, from /qotd admin suggestions", reason="Why; the member sees it")
    async def reject(
        self, interaction: discord.Interaction, id: app_commands.Range[int, 1, 999_999_999], reason: str  # noqa: A002
    ) -> None:
        await self.run(interaction, "reject", {"id": id, "reason": reason})

    @app_commands.command(name="edit", description="Change a waiting suggestion before approving it (admins)")
    @app_commands.describe(
        id="The suggestion's number, from /qotd admin suggestions",
        question="The question, 15 to 1,000 characters",
        answer="A short reference answer, 10 to 300 words",
        points="1 to 8 key points separated by ';'",
        topic="One of the twelve topics",
        difficulty="1 warm-up, 2 solid, 3 senior",
    )
    @app_commands.autocomplete(topic=topic_autocomplete)
    async def edit(
        self,
        interaction: discord.Interaction,
        id: app_commands.Range[int, 1, 999_999_999],  # noqa: A002
        question: str | None = None,
        answer: str | None = None,
        points: str | None = None,
        topic: str | None = None,
        difficulty: Literal["1", "2", "3"] | None = None,
    ) -> None:
        await self.run(
            interaction,
            "edit",
            {"id": id, "question": question, "answer": answer, "points": points, "topic": topic, "difficulty": difficulty},
        )

    # ---- built-in topics per server ---------------------------------------------------------------------

    @app_commands.command(name="topics", description="List built-in topics, or turn some off or on here (admins)")
    @app_commands.describe(
        disable="Topics whose built-in questions stop here, comma-separated",
        enable="Topics to turn back on, comma-separated; 'all' for every topic",
    )
    @app_commands.autocomplete(disable=topic_list_autocomplete, enable=topic_list_autocomplete)
    async def topics(self, interaction: discord.Interaction, disable: str | None = None, enable: str | None = None) -> None:
        await self.run(interaction, "topics", {"disable": disable, "enable": enable})

    # ---- leaderboard seasons ----------------------------------------------------------------------------

    @app_commands.command(name="season", description="Start or end the server's leaderboard season, or list them (admins)")
    @app_commands.describe(
        action="start a season, end the running one, or list the seasons so far",
        name="The new season's name, e.g. Winter 2026 (only for start)",
    )
    async def season(
        self,
        interaction: discord.Interaction,
        action: Literal["start", "end", "list"],
        name: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        await self.run(interaction, "season", {"action": action, "name": name})
