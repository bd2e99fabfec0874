"""Seasons, season leaderboards and the monthly champion on Discord, end to end through FakeDiscord.

Same harness as tests/test_discord_adapter.py: the product's own QotdDiscordClient over
`bootstrap(...)`, logged into the fake, driven by slash commands (`/qotd admin season`,
`/qotd leaderboard`, `/qotd setup champion:on`), button clicks and scheduler ticks.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.ports import Member
from bot.services.answering import AnswerSubmitted
from tests.test_discord_adapter import (  # noqa: F401 - bot, clock and fake are fixtures used here
    EPHEMERAL,
    SETUP,
    Bot,
    assert_clean,
    bot,
    buttons,
    clock,
    fake,
    interact,
    post_scheduled,
    result_message,
    set_up,
    slash,
    text_of,
)

BERLIN_DECEMBER = datetime(2026, 11, 30, 23, 0, tzinfo=timezone.utc)  # 1 Dec 00:00 in Berlin


async def admin_season(bot: Bot, user, *, updates: int = 1, **options):
    payload = bot.fake.slash_command(
        bot.fake.guild, bot.fake.qotd_channel, user, subcommand_group="admin", subcommand="season", options=options
    )
    return await interact(bot.fake, payload, updates=updates)


async def answers_from(bot: Bot, count: int) -> None:
    for n in range(count):
        reply = await bot.app.answer(
            AnswerSubmitted(channel=bot.channel_ref(), member=Member(f"9{n:03}", f"member-{n:02}"), text="an answer")
        )
        assert reply.ok, reply.text


async def test_admins_start_and_end_seasons_and_everyone_pages_a_season_board(bot: Bot):
    fake = bot.fake
    await set_up(bot, mode="private")
    # Only admins; bad input is refused at once, privately, naming the problem.
    refused = await admin_season(bot, fake.member, action="start", name="Mine")
    assert refused.response_type == 4 and refused.response_data["flags"] == EPHEMERAL
    assert "/qotd admin season is for admins" in text_of(refused.response_data)
    nameless = await admin_season(bot, fake.admin, action="start")
    assert nameless.response_type == 4 and "starting a season needs its name" in text_of(nameless.response_data)

    bot.clock.set(bot.clock.now() + timedelta(minutes=30))
    started = await admin_season(bot, fake.admin, action="start", name="Winter 2026", updates=3)
    (announcement,) = started.followups  # the private "thinking…" becomes a message for the whole channel
    assert not announcement["flags"] & EPHEMERAL and announcement in fake.channel_messages(fake.qotd_channel)
    assert 'Season "Winter 2026" has started!' in text_of(announcement)
    assert announcement["allowed_mentions"] == {"parse": []}
    twice = await admin_season(bot, fake.admin, action="start", name="Spring 2027")
    again = result_message(fake, twice)
    assert again["flags"] & EPHEMERAL and 'the season "Winter 2026" is still running' in text_of(again)

    await post_scheduled(bot)
    await answers_from(bot, 12)
    record = await slash(fake, fake.member, "leaderboard", period="season")
    board = result_message(fake, record)
    assert not board["flags"] & EPHEMERAL
    assert 'Leaderboard — points, season "Winter 2026" — page 1 of 2' in text_of(board)
    assert "… you are not on this board yet" in text_of(board)
    previous, following = buttons(board)
    assert following["custom_id"].startswith("qotd:lb:season.") and following["custom_id"].endswith(":points:2:next")

    click = await interact(fake, fake.button_click(following["custom_id"], board, fake.member2))
    assert click.response_type == 6
    board = fake.message(board["id"])
    assert 'season "Winter 2026" — page 2 of 2' in text_of(board) and "member-11" in text_of(board)

    bot.clock.set(bot.clock.now() + timedelta(days=3))
    ended = await admin_season(bot, fake.admin, action="end", updates=3)
    (final,) = ended.followups
    assert not final["flags"] & EPHEMERAL
    assert 'Season "Winter 2026" is over (23 Nov – 26 Nov 2026).' in text_of(final)
    assert "1. member-00 — 10 points" in text_of(final)

    past = result_message(fake, await slash(fake, fake.member, "leaderboard", season="winter 2026", metric="answers"))
    assert 'Leaderboard — on-time answers, season "Winter 2026" (23 Nov – 26 Nov 2026) — page 1 of 2' in text_of(past)
    payload = fake.slash_command(fake.guild, fake.qotd_channel, fake.member, subcommand="leaderboard", options={"period": "season"})
    missing = await interact(fake, payload, updates=3)  # a public deferral whose reply is an error: shown only to the asker
    (error,) = missing.followups
    assert error["flags"] & EPHEMERAL and 'no season is running right now; the last one was "Winter 2026"' in text_of(error)
    listed = result_message(fake, await admin_season(bot, fake.admin, action="list"))
    assert listed["flags"] & EPHEMERAL and '"Winter 2026" — 23 Nov – 26 Nov 2026' in text_of(listed)
    assert_clean(fake)


async def test_the_monthly_champion_is_posted_in_the_channel_without_pinging_anyone(bot: Bot):
    fake = bot.fake
    record = await slash(fake, fake.admin, "setup", **SETUP, champion="on")
    assert "Monthly champion announcement: on, next Tue 01 Dec 00:00 CET" in text_of(result_message(fake, record))
    status = result_message(fake, await slash(fake, fake.member, "status"))
    assert "Monthly champion announcement: on" in text_of(status)

    await post_scheduled(bot)
    for member in (Member("9001", "@everyone **star**"), Member("9002", "bob")):
        reply = await bot.app.answer(AnswerSubmitted(channel=bot.channel_ref(), member=member, text="an answer"))
        assert reply.ok, reply.text

    bot.clock.set(BERLIN_DECEMBER + timedelta(seconds=20))
    report = await bot.app.tick()
    assert report.announced == 1
    (champion,) = [m for m in fake.channel_messages(fake.qotd_channel) if "🏆" in (m.get("content") or "")]
    assert champion["content"].startswith(
        "🏆 Champions of November 2026: @everyone \\*\\*star\\*\\* and bob, tied on 10 points! Congratulations!"
    )
    assert champion["allowed_mentions"] == {"parse": []}
    bot.clock.set(BERLIN_DECEMBER + timedelta(hours=1))
    await bot.app.tick()
    assert len([m for m in fake.channel_messages(fake.qotd_channel) if "🏆" in (m.get("content") or "")]) == 1

    off = await slash(fake, fake.admin, "setup", champion="off")
    assert "Monthly champion announcement: off" in text_of(result_message(fake, off))
    assert_clean(fake)
