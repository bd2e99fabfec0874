"""Seasons, season leaderboards and the monthly champion on Slack, end to end through FakeSlack.

Same harness as tests/test_slack_adapter.py: the product's own Bolt app over `bootstrap(...)`, served
over aiohttp, its Web API pointed at FakeSlack, driven by Slack-signed slash commands, button clicks
and scheduler ticks.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from adapters.slack.leaderboard_actions import page_command
from bot.commands import Leaderboard
from bot.ports import Member
from bot.services.answering import AnswerSubmitted
from tests.test_slack_adapter import (  # noqa: F401 - bot, clock and no_slack_env are fixtures used here
    Bot,
    all_text,
    bot,
    clock,
    command,
    no_slack_env,
    post_scheduled,
    set_up,
)
from tests.test_slack_interactions import buttons, click

BERLIN_DECEMBER = datetime(2026, 11, 30, 23, 0, tzinfo=timezone.utc)  # 1 Dec 00:00 in Berlin


async def answers_from(bot: Bot, count: int) -> None:
    for n in range(count):
        reply = await bot.app.answer(AnswerSubmitted(bot.channel_ref(), Member(f"UM{n:02d}", f"member{n:02d}"), "an answer"))
        assert reply.ok, reply.text


def test_season_page_buttons_carry_the_season_and_bad_values_are_ignored():
    assert page_command("season.7:answers:2") == Leaderboard(period="season", metric="answers", page=2, season_id=7)
    assert page_command("all:points:3") == Leaderboard(period="all", metric="points", page=3)
    assert page_command("week.7:points:2") is None
    assert page_command("season.x:points:2") is None


async def test_admins_start_and_end_seasons_and_season_boards_page_with_buttons(bot: Bot):
    refused = await command(bot, "UALICE", 'admin season start name="Mine"')
    assert refused["response_type"] == "ephemeral" and "only admins can use /qotd admin season" in refused["text"]
    bad = await command(bot, "UADMIN", "admin season begin")
    assert bad["response_type"] == "ephemeral" and "'begin' is not a season action" in bad["text"]

    await set_up(bot)
    bot.clock.set(bot.clock.now() + timedelta(minutes=30))
    started = await command(bot, "UADMIN", 'admin season start name="Winter 2026"')
    assert started["response_type"] == "in_channel" and 'Season "Winter 2026" has started!' in started["text"]
    again = await command(bot, "UADMIN", 'admin season start name="Spring 2027"')
    assert again["response_type"] == "ephemeral" and 'the season "Winter 2026" is still running' in again["text"]

    await post_scheduled(bot)
    await answers_from(bot, 12)
    first = await command(bot, "UBOB", "leaderboard season")
    assert first["response_type"] == "in_channel"
    assert 'Leaderboard — points, season "Winter 2026" — page 1 of 2' in first["text"]
    (following,) = buttons(first["blocks"])
    assert following["value"].startswith("season.") and following["value"].endswith(":points:2")
    second = await click(bot, "UALICE", following, blocks=first["blocks"], ephemeral=False)
    assert second["replace_original"] is True and 'season "Winter 2026" — page 2 of 2' in second["text"]
    assert "member11 — 10" in second["text"]

    bot.clock.set(bot.clock.now() + timedelta(days=3))
    ended = await command(bot, "UADMIN", "admin season end")
    assert ended["response_type"] == "in_channel" and 'Season "Winter 2026" is over' in ended["text"]
    past = await command(bot, "UBOB", 'leaderboard season="Winter 2026" answers')
    assert 'Leaderboard — on-time answers, season "Winter 2026" (' in past["text"]
    unknown = await command(bot, "UBOB", "leaderboard season=Summer")
    assert unknown["response_type"] == "ephemeral" and "there is no season called 'Summer'" in unknown["text"]
    helped = await command(bot, "UBOB", "help admin")
    assert '/qotd admin season start name="Winter 2026"' in helped["text"]


async def test_the_monthly_champion_is_posted_in_the_channel_escaped(bot: Bot):
    await set_up(bot, "champion=on")
    status = await command(bot, "UALICE", "status")
    assert "Monthly champion announcement: on, next Tue 01 Dec 00:00 CET" in status["text"]
    await post_scheduled(bot)
    reply = await bot.app.answer(AnswerSubmitted(bot.channel_ref(), Member("UEVIL", "<!channel> eve"), "an answer"))
    assert reply.ok, reply.text

    posted = len(bot.fake.calls_to("chat.postMessage"))
    bot.clock.set(BERLIN_DECEMBER + timedelta(seconds=20))
    report = await bot.app.tick()
    assert report.announced == 1
    calls = bot.fake.calls_to("chat.postMessage")[posted:]
    (champion,) = [c.params for c in calls if "🏆" in (c.params.get("text") or "")]
    assert champion["channel"] == "CQOTD" and "thread_ts" not in champion
    assert champion["text"].startswith("🏆 Champion of November 2026: &lt;!channel&gt; eve with 10 points!")
    assert "<!channel>" not in all_text(champion)
    await bot.app.tick()
    assert len([c for c in bot.fake.calls_to("chat.postMessage") if "🏆" in (c.params.get("text") or "")]) == 1
    off = await command(bot, "UADMIN", "setup champion=off")
    assert "Monthly champion announcement: off" in off["text"]
