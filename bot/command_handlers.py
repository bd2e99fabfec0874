"""Runs a parsed /qotd command for a member and returns the reply. Admin checks live here."""

from __future__ import annotations

from bot.commands import (
    ADMIN_ACTIONS,
    SPECS,
    Admin,
    Command,
    Help,
    Leaderboard,
    Quiz,
    Setup,
    Simple,
    Streak,
    command_name,
    is_admin_only,
)
from bot.commands import CHECK_DETAILS, Check
from bot.context import Context
from bot.errors import NotAllowed, NotFound
from bot.ports import ChannelRef, Member, Reply
from bot.scoring import RULES_TEXT
from bot.services import posting, quiz, schedule_admin, standings, streak_admin
from bot.services.revealing import open_post_id, reveal_post
from bot.services import self_check
from bot.services import seasons
from bot.services import spaced_review
from bot.commands import SUGGEST_DETAILS, Suggest
from bot.services import suggestions
from bot.topics import TOPICS
from bot.commands import MEMBER_DATA_DETAILS, Export, ForgetMe, Report
from bot.services import member_data, reports


async def handle_command(ctx: Context, channel: ChannelRef, member: Member, command: Command) -> Reply:
    if is_admin_only(command) and not member.is_admin:
        raise NotAllowed(f"only admins can use /qotd {command_name(command)}; ask an admin of this workspace")
    match command:
        case Setup():
            return await schedule_admin.setup(ctx, channel, member, command)
        case Simple(name="post"):
            claim = await posting.claim_manual(ctx, channel)
            posted = await posting.deliver(ctx, claim)
            if posted is None:
                raise NotFound("the question could not be posted; check the log")
            return Reply(f"Posted bonus question #{posted.seq}.")
        case Simple(name="reveal"):
            post_id = await open_post_id(ctx, channel)
            if post_id is None or not await reveal_post(ctx, post_id):
                raise NotFound("there is no open question to reveal")
            return Reply("Revealed.")
        case Simple(name="pause"):
            return await schedule_admin.pause(ctx, channel, member)
        case Simple(name="resume"):
            return await schedule_admin.resume(ctx, channel, member)
        case Simple(name="skip"):
            return await schedule_admin.skip(ctx, channel, member)
        case Simple(name="status"):
            return await schedule_admin.status(ctx, channel)
        case Leaderboard():
            return await standings.leaderboard(ctx, channel, member, command)
        case Streak():
            return await standings.streak(ctx, channel, member, command)
        case Quiz(show_answer=True):
            return await quiz.show_answer(ctx, channel, member, command.attempt)
        case Quiz(grade=str()):
            return await quiz.grade(ctx, channel, member, command.grade, command.attempt)
        case Quiz(stats=True):
            return await spaced_review.stats(ctx, channel, member)
        case Quiz():
            return await quiz.ask(ctx, channel, member, command)
        case Help():
            return Reply(help_text(command.topic))
        case Check():
            return await self_check.handle(ctx, channel, member, command)
        # /qotd admin ACTION: one case per row of bot.commands.ADMIN_ACTIONS.
        case Admin(action="streak"):
            return await streak_admin.set_streak(ctx, channel, member, command.options)
        case Admin(action="audit"):
            return await streak_admin.audit(ctx, channel, member, command.options)
        case Admin(action="season"):
            return await seasons.admin_season(ctx, channel, member, command.options)
        case Suggest():
            return await suggestions.suggest(ctx, channel, member, command)
        case Admin(action="suggestions"):
            return await suggestions.pending(ctx, channel)
        case Admin(action="approve"):
            return await suggestions.approve(ctx, channel, member, command.options)
        case Admin(action="reject"):
            return await suggestions.reject(ctx, channel, member, command.options)
        case Admin(action="edit"):
            return await suggestions.edit(ctx, channel, member, command.options)
        case Admin(action="topics"):
            return await suggestions.topics(ctx, channel, member, command.options)
        case Report():
            return await reports.report(ctx, channel, member, command)
        case Export():
            return await member_data.export(ctx, channel, member, command)
        case ForgetMe():
            return await member_data.forget_me(ctx, channel, member, command)
    raise AssertionError(f"unhandled command {command!r}")  # pragma: no cover


def help_text(topic: str | None = None) -> str:
    if topic:
        spec = SPECS[topic]
        lines = [spec.usage, spec.summary]
        if spec.admin:
            lines.append("Admins only.")
        if topic == "setup":
            lines += [
                "  time=HH:MM        local post time, 24-hour (default 09:00)",
                "  tz=ZONE           IANA time zone such as Europe/Berlin (default UTC)",
                "  days=SPEC         daily, mon-fri, weekends, or a list like mon,wed,fri (default mon-fri)",
                "  reveal=8h|17:00   a delay after posting, or a local time of day (default 8h)",
                "  mode=thread       answers visible in the thread as they come (default)",
                "  mode=private      answers acknowledged privately, all shown at the reveal",
                "  topics=a,b        only these topics; topics=all clears the filter",
                "  difficulty=1-2    only these difficulties (1 warm-up, 2 solid, 3 senior)",
                "  champion=on|off   on the 1st, announce last month's top member(s) by points here (default off)",
            ]
        if topic == "leaderboard":
            lines += [
                "  week | month      answers since Monday, or since the 1st, in the channel's time zone",
                "  season            the workspace's running season; season=\"NAME\" for a past one",
                "  all               all time (default)",
                "  points | answers | streak   what to rank by (default points)",
                "Equal scores share a rank and the next rank skips (1, 1, 3). Your own place is shown under the page.",
            ]
        if topic == "admin":
            for action in ADMIN_ACTIONS.values():
                lines += ["", action.usage, action.summary, *action.details]
                lines += [f"Example: {e}" for e in action.examples]
        if topic == "check":
            lines += CHECK_DETAILS
        if topic == "suggest":
            lines += SUGGEST_DETAILS
        if topic == "quiz":
            lines += spaced_review.HELP_LINES
        if topic == "quiz":
            lines.append("After the answer, /qotd quiz check points=1,3 ticks the key points you covered (see /qotd help check).")
        if topic in ("quiz", "setup", "suggest"):
            lines.append("Topics: " + ", ".join(TOPICS))
        lines += MEMBER_DATA_DETAILS.get(topic, [])
        lines += [f"Example: {e}" for e in spec.examples]
        return "\n".join(lines)
    lines = ["qotd — a question of the day for engineering teams. Answer in the question's thread.", ""]
    for spec in SPECS.values():
        admin = " (admins)" if spec.admin else ""
        usage = spec.usage.split("  ·  ")[0]
        if len(usage) > 44:
            usage = usage[: usage.index(" ", len("/qotd "))] + " key=value …"
        lines.append(f"{usage:<44}  {spec.summary}{admin}")
    lines += ["", RULES_TEXT, "More on one command: /qotd help setup"]
    return "\n".join(lines)
