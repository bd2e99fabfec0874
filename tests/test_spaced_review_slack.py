"""Spaced repetition on Slack end to end: the real Bolt app over aiohttp against FakeSlack.

The quiz's grade buttons update the member's review schedule, "Another question" serves the
review that is due and says why, `/qotd quiz stats` is a private summary, and an on-time thread
reply to the daily question counts as seen. The harness is tests/test_slack_adapter.py's.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.tables import review_log, reviews
from tests.fakes.fake_slack import TEAM_ID
from tests.test_slack_adapter import (  # noqa: F401 - bot, clock and no_slack_env are fixtures used here
    Bot,
    all_text,
    bot,
    clock,
    command,
    no_slack_env,
    post_scheduled,
    rows,
    set_up,
    thread_reply,
)
from tests.test_slack_interactions import buttons, click


def button(blocks: list[dict], label: str) -> dict:
    return next(b for b in buttons(blocks) if b["text"]["text"] == label)


async def test_grade_buttons_update_the_schedule_and_the_due_review_comes_back(bot: Bot):
    asked = await command(bot, "UALICE", "quiz caching")
    assert "Why this one: a new question" in all_text(asked)
    shown = await click(bot, "UALICE", button(asked["blocks"], "Show answer"), blocks=asked["blocks"])
    missed = await click(bot, "UALICE", button(shown["blocks"], "Again"), blocks=shown["blocks"])
    assert "Recorded: again. It comes back in 10 minutes" in all_text(missed)
    (row,) = await rows(bot.app, select(reviews))
    assert (row.platform, row.workspace_id, row.member_id) == ("slack", TEAM_ID, "UALICE")
    assert (row.repetitions, row.due_at, row.last_grade) == (0, bot.clock.now() + timedelta(minutes=10), "again")

    # Changing one's mind on the same attempt replaces the grade in the schedule, not on top of it.
    regraded = await click(bot, "UALICE", button(missed["blocks"], "Easy"), blocks=missed["blocks"])
    assert "Recorded: easy. Next review in 4 days." in all_text(regraded)
    (row,) = await rows(bot.app, select(reviews.c.repetitions, reviews.c.interval_days, reviews.c.lapses))
    assert row == (1, 4, 0)
    assert [r.grade for r in await rows(bot.app, select(review_log.c.grade))] == ["easy"]

    bot.clock.advance(timedelta(days=4))
    due = await click(bot, "UALICE", button(regraded["blocks"], "Another question"), blocks=regraded["blocks"])
    assert "Why this one: it is due for review now." in all_text(due)
    question_id = (await rows(bot.app, select(reviews.c.question_id)))[0].question_id
    assert f"qotd_quiz:{question_id}" in all_text(due)  # the same question, back for review
    shown = await click(bot, "UALICE", button(due["blocks"], "Show answer"), blocks=due["blocks"])
    good = await click(bot, "UALICE", button(shown["blocks"], "Good"), blocks=shown["blocks"])
    assert "Recorded: good. Next review in 6 days." in all_text(good)
    (row,) = await rows(bot.app, select(reviews.c.repetitions, reviews.c.interval_days))
    assert row == (2, 6)
    assert [r.grade for r in await rows(bot.app, select(review_log.c.grade).order_by(review_log.c.id))] == ["easy", "good"]


async def test_quiz_stats_is_private_and_bad_input_is_explained(bot: Bot):
    asked = await command(bot, "UALICE", "quiz databases")
    shown = await click(bot, "UALICE", button(asked["blocks"], "Show answer"), blocks=asked["blocks"])
    await click(bot, "UALICE", button(shown["blocks"], "Hard"), blocks=shown["blocks"])

    stats = await command(bot, "UALICE", "quiz stats")
    assert stats["response_type"] == "ephemeral"
    text = all_text(stats)
    assert "Due today: nothing. Next review in 1 day; 1 question scheduled." in text
    assert "Reviewed this week: 1 practice grade, 0 daily questions answered on time." in text
    assert "Databases: 0% (0 of 1)" in text and "Not tried yet:" in text
    assert buttons(stats["blocks"]) == []

    refused = await command(bot, "UALICE", "quiz stats everything")
    assert refused["response_type"] == "ephemeral"
    assert "/qotd quiz stats takes nothing more; 'everything' is extra" in all_text(refused)


async def test_an_on_time_thread_reply_counts_as_seen(bot: Bot):
    await set_up(bot)
    await post_scheduled(bot)
    await bot.slack.event(thread_reply(bot, "UALICE", "an answer", "msg-a"))
    await bot.fake.wait_for("chat.postEphemeral", 1)
    (logged,) = await rows(bot.app, select(review_log))
    assert (logged.member_id, logged.source, logged.grade) == ("UALICE", "daily", "seen")
    (row,) = await rows(bot.app, select(reviews))
    assert row.question_id == logged.question_id and row.due_at == bot.clock.now() + timedelta(days=1)
    stats = await command(bot, "UALICE", "quiz stats")
    assert "1 daily question answered on time" in all_text(stats)
