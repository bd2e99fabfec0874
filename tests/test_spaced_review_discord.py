"""Spaced repetition on Discord end to end: the real discord.py client against FakeDiscord.

The quiz's grade buttons update the member's review schedule, the next `/qotd quiz` serves the
review that is due and says why, and `/qotd quiz stats:True` shows due today, reviewed this week
and retention by topic. The harness is tests/test_discord_adapter.py's.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.tables import review_log, reviews
from tests.test_discord_adapter import (  # noqa: F401 - bot, clock and fake are fixtures used here
    EPHEMERAL,
    Bot,
    assert_clean,
    bot,
    buttons,
    clock,
    fake,
    interact,
    result_message,
    rows,
    slash,
    text_of,
)


async def ask_and_show(bot: Bot, **options) -> dict:
    """/qotd quiz, then Show answer; returns the practice message with its grade buttons."""
    fake = bot.fake
    quiz = result_message(fake, await slash(fake, fake.member, "quiz", **options))
    (show,) = buttons(quiz)
    await interact(fake, fake.button_click(show["custom_id"], quiz, fake.member))
    return fake.message(quiz["id"])


async def click_grade(bot: Bot, quiz: dict, label: str) -> dict:
    button = next(b for b in buttons(quiz) if b["label"] == label)
    await interact(bot.fake, bot.fake.button_click(button["custom_id"], quiz, bot.fake.member))
    return bot.fake.message(quiz["id"])


async def test_grade_buttons_update_the_schedule_and_a_missed_question_comes_back(bot: Bot):
    fake, member = bot.fake, str(bot.fake.member.id)
    quiz = await ask_and_show(bot, topic="caching")
    assert "Why this one: a new question" in text_of(quiz)
    graded = await click_grade(bot, quiz, "Again")
    assert "Recorded: again. It comes back in 10 minutes" in text_of(graded)
    (row,) = await rows(bot.app, select(reviews).where(reviews.c.member_id == member))
    assert row.platform == "discord" and row.workspace_id == str(fake.guild.id)
    assert (row.repetitions, row.due_at) == (0, bot.clock.now() + timedelta(minutes=10))
    (logged,) = await rows(bot.app, select(review_log.c.grade, review_log.c.source))
    assert logged == ("again", "quiz")

    bot.clock.advance(timedelta(minutes=10))
    again = await ask_and_show(bot)  # no topic: the due review still comes first
    assert "Why this one: it is due for review now." in text_of(again)
    assert f"Reference answer for {row.question_id}." in text_of(again)
    graded = await click_grade(bot, again, "Good")
    assert "Recorded: good. Next review in 1 day." in text_of(graded)
    (row,) = await rows(bot.app, select(reviews.c.repetitions, reviews.c.interval_days, reviews.c.due_at))
    assert row == (1, 1, bot.clock.now() + timedelta(days=1))
    assert [r.grade for r in await rows(bot.app, select(review_log.c.grade).order_by(review_log.c.id))] == ["again", "good"]
    assert fake.channel_messages(fake.qotd_channel) == []  # all of it private
    assert_clean(fake)


async def test_quiz_stats_is_a_private_summary(bot: Bot):
    fake = bot.fake
    (qotd,) = fake.commands[fake.guild.id]
    quiz_options = {o["name"]: o for o in next(s for s in qotd["options"] if s["name"] == "quiz")["options"]}
    assert quiz_options["stats"]["type"] == 5 and not quiz_options["stats"].get("required")  # a boolean

    await click_grade(bot, await ask_and_show(bot, topic="databases"), "Good")
    record = await slash(fake, fake.member, "quiz", stats=True)
    assert record.response_type == 5 and record.response_data["flags"] == EPHEMERAL
    stats = result_message(fake, record)
    text = text_of(stats)
    assert "Due today: nothing. Next review in 1 day; 1 question scheduled." in text
    assert "Reviewed this week: 1 practice grade" in text and "Databases: 100% (1 of 1)" in text
    assert buttons(stats) == []

    refused = await slash(fake, fake.member, "quiz", stats=True, topic="caching")
    assert refused.response_type == 4 and refused.response_data["flags"] == EPHEMERAL
    assert "/qotd quiz stats takes nothing more; 'topic=' is extra" in text_of(refused.response_data)
    plain = await slash(fake, fake.member, "quiz", stats=False, topic="caching")  # stats:False is a question
    assert "Practice question (Caching" in text_of(result_message(fake, plain))
    assert_clean(fake)
