"""Self-checks on Discord end to end: the real discord.py client against FakeDiscord.

The reveal carries "Check my answer"; it replies only to the clicker with the key points and a
multi-select pre-selected from the automatic guess; choosing records the ticks. A practice answer
carries "Tick key points" next to the grade buttons. The harness is tests/test_discord_adapter.py's.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.db.tables import answers, key_point_checks
from tests.test_discord_adapter import (  # noqa: F401 - bot, clock and fake are fixtures used here
    EPHEMERAL,
    Bot,
    assert_clean,
    bot,
    buttons,
    clock,
    fake,
    interact,
    post_scheduled,
    result_message,
    reveal_by_clock,
    rows,
    running,
    set_up,
    slash,
    text_of,
    answer_with_modal,
)

SELECT = 3


def components(message: dict) -> list[dict]:
    return [c for row in message.get("components") or [] for c in row.get("components", [])]


def the_select(message: dict) -> dict:
    (select_menu,) = [c for c in components(message) if c["type"] == SELECT]
    return select_menu


async def answered_and_revealed(bot: Bot) -> tuple[dict, object]:
    """Alice's answer covers the first and third key points, bob's none; then the reveal. Returns its message."""
    fake = bot.fake
    await set_up(bot)
    question, thread = await post_scheduled(bot)
    await answer_with_modal(bot, question, fake.member, "I'd cover the first point and the third point.")
    await answer_with_modal(bot, question, fake.member2, "Restart it.")
    await reveal_by_clock(bot)
    (reveal,) = [m for m in fake.channel_messages(thread) if components(m)]
    return reveal, thread


async def click_check(bot: Bot, reveal: dict, user) -> dict:
    (button,) = buttons(reveal)
    record = await interact(bot.fake, bot.fake.button_click(button["custom_id"], reveal, user))
    assert record.response_type == 5 and record.response_data["flags"] == EPHEMERAL  # "thinking…", only for them
    return result_message(bot.fake, record)


async def choose(bot: Bot, message: dict, user, values: list[str]):
    menu = the_select(message)
    record = await interact(
        bot.fake, bot.fake.button_click(menu["custom_id"], message, user, component_type=SELECT, values=values)
    )
    assert record.response_type == 6  # an update of the same private message
    return record


async def test_check_my_answer_offers_the_guess_and_records_the_ticks(bot: Bot):
    fake = bot.fake
    reveal, _ = await answered_and_revealed(bot)
    (button,) = buttons(reveal)
    assert button["label"] == "Check my answer" and button["custom_id"].startswith("qotd:check:")
    assert "Key points" in text_of(reveal)

    private = await click_check(bot, reveal, fake.member)
    assert private["flags"] & EPHEMERAL
    shown = text_of(private)
    assert "Question #1 — key points" in shown and "Our guess from your answer: 1 and 3" in shown
    assert "Team coverage — 2 answered" in shown
    menu = the_select(private)
    assert menu["min_values"] == 0 and menu["max_values"] == 3
    assert [(o["label"], bool(o.get("default"))) for o in menu["options"]] == [
        ("1. first point", True),
        ("2. second point", False),
        ("3. third point", True),
    ]

    await choose(bot, private, fake.member, ["2", "3"])
    updated = fake.message(private["id"])
    assert "you covered key points 2 and 3 of 3" in text_of(updated) and "+2 points" in text_of(updated)
    assert [bool(o.get("default")) for o in the_select(updated)["options"]] == [False, True, True]
    (check,) = await rows(bot.app, select(key_point_checks.c.ticked, key_point_checks.c.bonus_points).where(
        key_point_checks.c.member_id == str(fake.member.id)))
    assert check == ("2,3", 2)
    (points,) = await rows(bot.app, select(answers.c.points).where(answers.c.member_id == str(fake.member.id)))
    assert points == (12,)

    await choose(bot, updated, fake.member, [])  # nothing selected: covered none
    assert "none of the key points" in text_of(fake.message(private["id"]))
    (points,) = await rows(bot.app, select(answers.c.points).where(answers.c.member_id == str(fake.member.id)))
    assert points == (10,)
    assert_clean(fake)


async def test_a_member_who_did_not_answer_sees_the_coverage_but_cannot_tick(bot: Bot):
    fake = bot.fake
    reveal, _ = await answered_and_revealed(bot)
    outsider = fake.add_user("carol")
    fake.guild.add_member(outsider)
    private = await click_check(bot, reveal, outsider)
    assert "You did not answer this one" in text_of(private) and "Team coverage — 2 answered" in text_of(private)
    assert components(private) == []
    assert await rows(bot.app, select(key_point_checks.c.ticked).where(key_point_checks.c.ticked.is_not(None))) == []
    assert_clean(fake)


async def test_the_slash_command_ticks_by_number_and_bad_numbers_are_refused_privately(bot: Bot):
    fake = bot.fake
    await answered_and_revealed(bot)
    bad = await slash(fake, fake.member, "check", points="1,9")
    assert "has 3 key points, so 9 is not one of them" in text_of(result_message(fake, bad))
    assert result_message(fake, bad)["flags"] & EPHEMERAL
    good = await slash(fake, fake.member, "check", points="1", question=1)
    message = result_message(fake, good)
    assert message["flags"] & EPHEMERAL and "you covered key point 1 of 3" in text_of(message)
    assert [bool(o.get("default")) for o in the_select(message)["options"]] == [True, False, False]
    shown = result_message(fake, await slash(fake, fake.member2, "check"))
    assert "Our guess from your answer: none" in text_of(shown)
    assert_clean(fake)


async def test_the_reveal_button_and_the_select_keep_working_after_a_restart(fake, tmp_path, clock):
    async with running(fake, tmp_path, clock) as bot:
        reveal, _ = await answered_and_revealed(bot)
        private = await click_check(bot, reveal, fake.member)
    async with running(fake, tmp_path, clock) as restarted:
        await choose(restarted, fake.message(private["id"]), fake.member, ["1"])
        assert "you covered key point 1 of 3" in text_of(fake.message(private["id"]))
        again = await click_check(restarted, fake.message(reveal["id"]), fake.member)
        assert "You ticked: 1 (+1 point)" in text_of(again)
        assert_clean(fake)


async def test_tick_key_points_on_a_practice_answer(bot: Bot):
    fake = bot.fake
    quiz = result_message(fake, await slash(fake, fake.member, "quiz", topic="databases"))
    (show,) = buttons(quiz)
    await interact(fake, fake.button_click(show["custom_id"], quiz, fake.member))
    quiz = fake.message(quiz["id"])
    tick = next(b for b in buttons(quiz) if b["label"] == "Tick key points")
    assert tick["custom_id"].startswith("qotd:check:quiz:")

    refused = await interact(fake, fake.button_click(tick["custom_id"], quiz, fake.member2))
    assert "not one of yours" in text_of(result_message(fake, refused)) and components(result_message(fake, refused)) == []

    record = await interact(fake, fake.button_click(tick["custom_id"], quiz, fake.member))
    private = result_message(fake, record)
    assert private["flags"] & EPHEMERAL and "Your practice question — key points" in text_of(private)
    assert not any(o.get("default") for o in the_select(private)["options"])  # no guess for practice
    await choose(bot, private, fake.member, ["1", "2"])
    assert "you covered 2 of 3 key points (1 and 2)" in text_of(fake.message(private["id"]))
    (row,) = await rows(bot.app, select(key_point_checks.c.quiz_attempt_id, key_point_checks.c.ticked))
    assert row.ticked == "1,2" and row.quiz_attempt_id == int(tick["custom_id"].rsplit(":", 1)[1])
    # Grading afterwards keeps the button.
    good = next(b for b in buttons(quiz) if b["label"] == "Good")
    await interact(fake, fake.button_click(good["custom_id"], quiz, fake.member))
    assert "Tick key points" in [b["label"] for b in buttons(fake.message(quiz["id"]))]
    assert_clean(fake)
