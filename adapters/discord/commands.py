"""The /qotd application command: typed options that become the core's neutral commands."""

from __future__ import annotations

import logging
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
from adapters.discord.views import leaderboard_view, quiz_view
from adapters.discord.member_data_views import forget_view, public_deferral
from adapters.discord.self_check_views import key_point_view
from adapters.discord.admin_commands import AdminGroup
from adapters.discord.suggestion_views import open_suggest_form
from bot.commands import ADMIN_COMMANDS, SPECS, build_command
from bot.errors import QotdError
from bot.schedule_rules import known_zones
from bot.topics import TOPICS

log = logging.getLogger(__name__)
# Commands whose replies are for the whole channel: their "thinking…" message is public too.
PUBLIC_REPLIES = frozenset({"setup", "pause", "resume", "skip", "leaderboard"})


def _choices(names: list[str]) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=n[: limits.CHOICE_NAME], value=n)
        for n in names
        if len(n) <= limits.CHOICE_NAME
    ][: limits.AUTOCOMPLETE_CHOICES]


async def zone_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    needle = current.strip().lower().replace(" ", "_")
    zones = sorted(known_zones())
    starts = [z for z in zones if z.lower().startswith(needle)]
    contains = [z for z in zones if needle in z.lower() and z not in starts]
    return _choices(starts + contains)


async def topics_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Completes the last entry of a comma-separated topic list."""
    done, _, last = current.rpartition(",")
    prefix = f"{done}," if done else ""
    chosen = {t.strip() for t in done.split(",") if t.strip()}
    options = [t for t in TOPICS if t not in chosen and last.strip().lower() in t]
    if not done:
        options = (["all"] if "all".startswith(last.strip().lower()) else []) + options
    return _choices([prefix + t for t in options])


async def topic_or_tag_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    needle = current.strip().lower()
    bank = interaction.client.qotd.bank  # type: ignore[attr-defined]
    names = list(TOPICS) + sorted(t for t in bank.tags() if t not in TOPICS)
    found = [n for n in names if n.startswith(needle)] + [n for n in names if needle in n and not n.startswith(needle)]
    return _choices(found)


class QotdGroup(app_commands.Group):
    def __init__(self) -> None:
        super().__init__(name="qotd", description="Question of the day", guild_only=True)
        self.add_command(AdminGroup())  # /qotd admin ACTION (adapters/discord/admin_commands.py)

    async def run(self, interaction: discord.Interaction, name: str, options: dict[str, object]) -> None:
        """Check permissions and options at once; acknowledge; then let the core do the work."""
        client = interaction.client
        app = client.qotd  # type: ignore[attr-defined]
        admin_role = getattr(client, "admin_role_id", None)
        member = interaction_member(interaction, admin_role)
        if name in ADMIN_COMMANDS and await refuse_unless_admin(interaction, f"/qotd {name}", member, admin_role):
            return
        values = {k: str(v) for k, v in options.items() if v is not None}
        positional = [values.pop("command")] if name == "help" and "command" in values else []
        if name == "quiz" and values.pop("stats", None) == "True":  # /qotd quiz stats:True
            positional = ["stats"]
        try:
            command = build_command(name, positional, values)
        except QotdError as exc:
            await send_error(interaction, f"Sorry, {exc.message}.")
            return
        await defer(interaction, ephemeral=name not in PUBLIC_REPLIES and not public_deferral(name, values))
        reply = await run_core(app.handle(interaction_channel(interaction), member, command), f"/qotd {name}")
        view = None
        if name == "quiz" and reply.ok and "quiz_attempt" in reply.data and "grades" not in reply.data:
            view = quiz_view(int(reply.data["quiz_attempt"]))
        elif name == "leaderboard" and reply.ok:
            view = leaderboard_view(reply.data)
        elif name == "check" and reply.ok and "post_id" in reply.data:
            view = key_point_view("post", int(reply.data["post_id"]), reply.data)
        elif name == "forget-me" and reply.ok and "forget_code" in reply.data:
            view = forget_view(str(reply.data["forget_code"]))
        await finish(interaction, reply, view=view)

    @app_commands.command(name="setup", description="Schedule this channel's question (admins)")
    @app_commands.describe(
        time="Local post time, 24-hour HH:MM (default 09:00)",
        tz="IANA time zone, e.g. Europe/Berlin (default UTC)",
        days="daily, mon-fri, weekends or a list like mon,wed,fri",
        reveal="A delay such as 8h, or a local time such as 17:00",
        mode="thread: answers visible as they come; private: shown together at the reveal",
        topics="Only these topics, comma-separated; 'all' clears the filter",
        difficulty="1, 2, 3 or a range like 1-2",
        champion="on: on the 1st, announce last month's top member(s) by points in this channel",
    )
    @app_commands.autocomplete(tz=zone_autocomplete, topics=topics_autocomplete)
    async def setup(
        self,
        interaction: discord.Interaction,
        time: str | None = None,
        tz: str | None = None,
        days: str | None = None,
        reveal: str | None = None,
        mode: Literal["thread", "private"] | None = None,
        topics: str | None = None,
        difficulty: str | None = None,
        champion: Literal["on", "off"] | None = None,
    ) -> None:
        await self.run(
            interaction,
            "setup",
            {"time": time, "tz": tz, "days": days, "reveal": reveal, "mode": mode, "topics": topics, "difficulty": difficulty,
             "champion": champion},
        )

    @app_commands.command(name="post", description="Post a bonus question now (admins)")
    async def post(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "post", {})

    @app_commands.command(name="reveal", description="Reveal the open question now (admins)")
    async def reveal(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "reveal", {})

    @app_commands.command(name="pause", description="Pause the schedule; streaks are safe meanwhile (admins)")
    async def pause(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "pause", {})

    @app_commands.command(name="resume", description="Resume a paused or disabled schedule (admins)")
    async def resume(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "resume", {})

    @app_commands.command(name="skip", description="Skip the next scheduled question (admins)")
    async def skip(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "skip", {})

    @app_commands.command(name="status", description="Schedule, next post and open question")
    async def status(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "status", {})

    @app_commands.command(name="leaderboard", description="Who answers most")
    @app_commands.describe(
        period="Which answers count: this week, this month, the current season or all time (default)",
        metric="What to rank by (default: points)",
        season="A past season by name, e.g. Winter 2026 (default: the current one)",
    )
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        period: Literal["week", "month", "season", "all"] | None = None,
        metric: Literal["points", "answers", "streak"] = "points",
        season: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        await self.run(interaction, "leaderboard", {"period": period, "metric": metric, "season": season})

    @app_commands.command(name="streak", description="Your streak, or a member's")
    @app_commands.describe(member="Whose streak to show (default: yours)")
    async def streak(self, interaction: discord.Interaction, member: discord.User | None = None) -> None:
        await self.run(interaction, "streak", {"member": str(member.id) if member else None})

    @app_commands.command(name="quiz", description="A practice question only you see")
    @app_commands.describe(
        topic="A topic or tag (default: any)",
        difficulty="1 warm-up, 2 solid, 3 senior, or a range",
        stats="Show what is due for review and your retention by topic instead of a question",
    )
    @app_commands.autocomplete(topic=topic_or_tag_autocomplete)
    async def quiz(
        self,
        interaction: discord.Interaction,
        topic: str | None = None,
        difficulty: Literal["1", "2", "3", "1-2", "2-3"] | None = None,
        stats: bool | None = None,
    ) -> None:
        await self.run(interaction, "quiz", {"topic": topic, "difficulty": difficulty, "stats": stats})

    @app_commands.command(name="suggest", description="Suggest a question for this server's rotation (opens a form)")
    async def suggest(self, interaction: discord.Interaction) -> None:
        await open_suggest_form(interaction)

    @app_commands.command(name="check", description="After the reveal: tick the key points your answer covered")
    @app_commands.describe(
        points="The key points you covered, e.g. 1,3 or 1-3, or none; leave out to see them (and a picker)",
        question="The question's #number (default: the most recently revealed one)",
    )
    async def check(
        self,
        interaction: discord.Interaction,
        points: str | None = None,
        question: app_commands.Range[int, 1] | None = None,
    ) -> None:
        await self.run(interaction, "check", {"points": points, "question": question})

    @app_commands.command(name="help", description="How qotd works")
    @app_commands.describe(command="Explain one command in detail")
    @app_commands.choices(command=[app_commands.Choice(name=n, value=n) for n in SPECS])
    async def help(self, interaction: discord.Interaction, command: str | None = None) -> None:
        await self.run(interaction, "help", {"command": command})

    # ---- reports and members' own data (adapters/discord/member_data_views.py) ----

    @app_commands.command(name="report", description="Your weak spots by topic and a quiz to try; admins: the team report")
    @app_commands.describe(scope="Yours, only for you (default), or this channel's team report with a chart (admins)")
    @app_commands.choices(
        scope=[app_commands.Choice(name="mine", value="me"), app_commands.Choice(name="team (admins)", value="team")]
    )
    async def report(self, interaction: discord.Interaction, scope: str = "me") -> None:
        await self.run(interaction, "report", {"scope": scope})

    @app_commands.command(name="export", description="All your data here as JSON and CSV files, only for you")
    @app_commands.describe(scope="Yours (default), or every member's in this server (admins)")
    @app_commands.choices(
        scope=[app_commands.Choice(name="mine", value="me"), app_commands.Choice(name="whole server (admins)", value="workspace")]
    )
    async def export(self, interaction: discord.Interaction, scope: str = "me") -> None:
        await self.run(interaction, "export", {"scope": scope})

    @app_commands.command(name="forget-me", description="Delete everything qotd keeps about you in this server")
    @app_commands.describe(confirm="The code /qotd forget-me gave you (or use its Delete my data button)")
    async def forget_me(self, interaction: discord.Interaction, confirm: str | None = None) -> None:
        await self.run(interaction, "forget-me", {"confirm": confirm})
