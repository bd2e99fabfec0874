"""The App Home tab: a member's own page, published each time they open it.

It shows their streaks, points, answer counts and streak freezes across the workspace's channels,
how many practice questions are due for review, their most recent answers (which question, when,
on time or late) and a short how-to. Everything comes from
the core's `member_overview`; nothing is kept in Slack between visits.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from adapters.slack.blocks import channel_mention, context, escape, fit, sections, slack_date
from adapters.slack.listener_support import PLATFORM, SlackContext, body_team, log
from bot.scoring import RULES_TEXT
from bot.services.member_overview import MemberOverview, RecentAnswer

HOME_BLOCKS = 100  # Slack's limit for a Home tab view
HOW_TO = "\n".join(
    [
        "*How it works*",
        "• In channels that run qotd a question is posted on schedule. Reply in its thread, or press *Answer*.",
        "• Answer before the reveal to earn points; answering question after question on time builds your streak.",
        "• `/qotd quiz [topic]` gives you a practice question only you can see, with its answer and a self-grade.",
        "• `/qotd leaderboard`, `/qotd streak` and `/qotd status` in a channel show how it is going there.",
        "• Admins: `/qotd setup` opens the schedule form for a channel. `/qotd help` lists every command.",
    ]
)


def register_app_home(bolt: AsyncApp, ctx: SlackContext) -> None:
    @bolt.event("app_home_opened")
    async def on_home_opened(event, body, client):
        if event.get("tab", "home") != "home":
            return  # the Messages tab: nothing to publish
        user_id = str(event.get("user") or "")
        if not user_id:
            return
        team_id = body.get("team_id") or body_team(body) or str(event.get("team") or "")
        try:
            overview = await ctx.qotd.member_overview(PLATFORM, str(team_id), user_id)
        except Exception:
            log.exception("building the Home tab for %s failed", user_id)
            view = home_view(None)
        else:
            view = home_view(overview)
        await client.views_publish(user_id=user_id, view=view)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def home_view(overview: MemberOverview | None) -> dict:
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": "Your question of the day"}}]
    if overview is None:
        blocks += sections("Your numbers could not be loaded just now. Open this tab again in a minute.")
    elif not overview.has_answered:
        blocks += sections(
            "You have not answered a question yet. Reply to the next question of the day in its thread "
            "to start a streak, or try `/qotd quiz` for a private practice question."
        )
    else:
        blocks += standing_blocks(overview)
        blocks += recent_blocks(overview.recent)
    if overview is not None and overview.reviews_due:
        blocks += sections(
            f"*Practice:* {plural(overview.reviews_due, 'question')} due for review. "
            "Run `/qotd quiz` in any channel to go through them privately."
        )
    if overview is not None and overview.practice_asked:
        blocks.append(
            context(
                f"Practice: {plural(overview.practice_asked, 'question')} asked, "
                f"{overview.practice_graded} self-graded."
            )
        )
    blocks.append({"type": "divider"})
    blocks += sections(HOW_TO)
    blocks.append(context(escape(RULES_TEXT)))
    return {"type": "home", "blocks": blocks[:HOME_BLOCKS]}


def standing_blocks(overview: MemberOverview) -> list[dict]:
    fields = [
        f"*Current streak*\n{overview.current_streak}",
        f"*Longest streak*\n{overview.longest_streak}",
        f"*Points*\n{overview.points}",
        f"*Answers*\n{overview.on_time_answers} on time · {overview.late_answers} late",
    ]
    if overview.freezes:
        fields.append(f"*Streak freezes*\n{overview.freezes} held (a missed question keeps your streak)")
    blocks = [{"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]}]
    if len(overview.channels) > 1:
        lines = [
            f"• {channel_mention(c.channel_id)}: streak {c.current_streak} (longest {c.longest_streak}), "
            f"{plural(c.points, 'point')}, {c.on_time_answers} on time, {c.late_answers} late"
            + (f", {plural(c.freezes, 'freeze')} held" if c.freezes else "")
            for c in overview.channels
        ]
        blocks += sections("*By channel* (streaks count per channel)\n" + "\n".join(lines))
    return blocks


def recent_blocks(recent: tuple[RecentAnswer, ...]) -> list[dict]:
    if not recent:
        return []
    blocks: list[dict] = [{"type": "divider"}, *sections("*Your recent questions*")]
    for item in recent:
        number = f"#{item.seq}" if item.seq is not None else "A question"
        if not item.scheduled:
            number = f"Bonus {number}"
        title = f"{number} · {escape(item.topic)}" if item.topic else number
        timing = "late" if item.late else f"on time, +{plural(item.points, 'point')}"
        line = f"*{title}* in {channel_mention(item.channel_id)} · {slack_date(item.answered_at, '{date_short_pretty}')} · {timing}"
        if item.question:
            line += f"\n{escape(fit(item.question, 300))}"
        blocks += sections(line)
    return blocks
