"""Self-checks on Slack end to end: the real Bolt app over aiohttp against FakeSlack.

The reveal carries "Check my answer"; it opens a form (views.open) with a checkbox per key point,
pre-ticked from the automatic guess; submitting records the ticks and tells only the member. A
practice answer carries "Tick key points". The harness is tests/test_slack_adapter.py's.
"""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from adapters.slack.self_check_blocks import CHECK_ACTION, CHECK_BLOCK, CHECK_INPUT
from bot.db.tables import answers, key_point_checks
from tests.fakes.fake_slack import TEAM_ID
from tests.test_slack_adapter import (  # noqa: F401 - bot, clock and no_slack_env are fixtures used here
    CHANNEL,
    Bot,
    all_text,
    bot,
    clock,
    command,
    no_slack_env,
    post_scheduled,
    question_ts,
    rows,
    set_up,
    thread_reply,
)
from tests.test_slack_interactions import click, interactive


def check_buttons(blocks: list[dict]) -> list[dict]:
    """Every self-check button: in actions blocks and as section accessories."""
    found = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    found += [b["accessory"] for b in blocks if b.get("accessory")]
    return [e for e in found if e.get("action_id") == CHECK_ACTION]


async def answered_and_revealed(bot: Bot) -> tuple[dict, int]:
    """Alice's thread reply covers the first and third key points; then the reveal. Returns its button."""
    await set_up(bot)
    _, post_id = await post_scheduled(bot)
    await bot.slack.event(thread_reply(bot, "UALICE", "I'd cover the first point and the third point.", "msg-a"))
    await bot.slack.event(thread_reply(bot, "UBOB", "Restart it.", "msg-b"))
    await bot.fake.wait_for("chat.postEphemeral", 2)
    bot.clock.advance(timedelta(hours=8, minutes=1))
    assert (await bot.app.tick()).revealed == 1
    reveal = bot.fake.last("chat.postMessage").params
    (button,) = check_buttons(reveal["blocks"])
    return button, post_id


async def open_form(bot: Bot, user: str, button: dict) -> dict:
    before = len(bot.fake.calls_to("views.open"))
    status, _ = await bot.slack.click(user, button["action_id"], button["value"])
    assert status == 200
    return (await bot.fake.wait_for("views.open", before + 1))[before].params


async def submit_form(bot: Bot, user: str, view: dict, ticked: list[str]) -> dict:
    state = {CHECK_BLOCK: {CHECK_INPUT: {"type": "checkboxes", "selected_options": [
        {"text": {"type": "plain_text", "text": v}, "value": v} for v in ticked
    ]}}}
    payload = {
        "type": "view_submission", "team": {"id": TEAM_ID, "domain": "team"},
        "user": {"id": user, "username": user, "name": user, "team_id": TEAM_ID}, "api_app_id": "AQOTD",
        "token": "legacy", "trigger_id": f"trigger-{time.monotonic_ns()}",
        "view": {**view, "id": "VCHECK", "team_id": TEAM_ID, "state": {"values": state}, "hash": "h"},
    }
    before = len(bot.fake.calls_to("chat.postEphemeral"))
    status, body = await interactive(bot, payload)
    assert status == 200 and not body.strip(), body  # an empty ack closes the form
    return (await bot.fake.wait_for("chat.postEphemeral", before + 1))[before].params


def checkbox(view: dict) -> dict:
    (block,) = [b for b in view["blocks"] if b.get("block_id") == CHECK_BLOCK]
    return block["element"]


async def test_check_my_answer_opens_a_form_pre_ticked_from_the_guess_and_records_the_ticks(bot: Bot):
    button, post_id = await answered_and_revealed(bot)
    assert button["text"]["text"] == "Check my answer" and button["value"] == f"post:{post_id}"

    opened = await open_form(bot, "UALICE", button)
    view = opened["view"]
    assert view["callback_id"] == "qotd_check_modal" and view["private_metadata"] == f"post:{post_id}:{CHANNEL}"
    assert len(view["title"]["text"]) <= 24
    element = checkbox(view)
    assert [o["text"]["text"] for o in element["options"]] == ["1. first point", "2. second point", "3. third point"]
    assert [o["value"] for o in element["initial_options"]] == ["1", "3"]
    assert "our guess" in all_text({"blocks": view["blocks"]})

    saved = await submit_form(bot, "UALICE", view, ["2", "3"])
    assert saved["user"] == "UALICE" and saved["channel"] == CHANNEL
    assert "you covered key points 2 and 3 of 3" in saved["text"] and "+2 points" in saved["text"]
    (row,) = await rows(bot.app, select(key_point_checks.c.ticked, key_point_checks.c.bonus_points).where(
        key_point_checks.c.member_id == "UALICE"))
    assert row == ("2,3", 2)
    (points,) = await rows(bot.app, select(answers.c.points).where(answers.c.member_id == "UALICE"))
    assert points == (12,)

    again = await open_form(bot, "UALICE", button)  # the form remembers the member's own ticks
    assert [o["value"] for o in checkbox(again["view"])["initial_options"]] == ["2", "3"]
    none = await submit_form(bot, "UALICE", again["view"], [])
    assert "none of the key points" in none["text"]
    (points,) = await rows(bot.app, select(answers.c.points).where(answers.c.member_id == "UALICE"))
    assert points == (10,)


async def test_a_member_who_did_not_answer_sees_the_coverage_and_no_form(bot: Bot):
    button, _ = await answered_and_revealed(bot)
    forms = len(bot.fake.calls_to("views.open"))
    before = len(bot.fake.calls_to("response_url"))
    status, _ = await bot.slack.click("UADMIN", button["action_id"], button["value"], message_ts=question_ts(bot))
    assert status == 200
    told = (await bot.fake.wait_for("response_url", before + 1))[before].params
    assert told["response_type"] == "ephemeral" and told["replace_original"] is False
    assert "You did not answer this one" in told["text"] and "Team coverage — 2 answered" in told["text"]
    assert len(bot.fake.calls_to("views.open")) == forms
    forged = await click(bot, "UALICE", {"action_id": CHECK_ACTION, "value": "post:abc"}, ephemeral=False)
    assert forged is None  # not a value we made: ignored


async def test_typed_check_gets_a_form_button_and_bad_numbers_change_nothing(bot: Bot):
    _, post_id = await answered_and_revealed(bot)
    shown = await command(bot, "UBOB", "check")
    assert shown["response_type"] == "ephemeral" and "Our guess from your answer: none" in shown["text"]
    (button,) = check_buttons(shown["blocks"])
    assert button["text"]["text"] == "Tick key points" and button["value"] == f"post:{post_id}"
    assert "/qotd check points=" not in all_text(shown)  # the button replaces the typed hint

    bad = await command(bot, "UBOB", "check points=2,7")
    assert bad["response_type"] == "ephemeral" and "so 7 is not one of them" in bad["text"]
    assert not check_buttons(bad["blocks"])
    good = await command(bot, "UBOB", "check points=2")
    assert "you covered key point 2 of 3" in good["text"]
    (row,) = await rows(bot.app, select(key_point_checks.c.ticked).where(key_point_checks.c.member_id == "UBOB"))
    assert row.ticked == "2"


async def test_tick_key_points_on_a_practice_answer(bot: Bot):
    asked = await command(bot, "UALICE", "quiz databases")
    show = next(e for b in asked["blocks"] if b["type"] == "actions" for e in b["elements"])
    shown = await click(bot, "UALICE", show, blocks=asked["blocks"])
    (tick,) = check_buttons(shown["blocks"])
    assert tick["text"]["text"] == "Tick key points" and tick["value"].startswith("quiz:")
    grades = [e["text"]["text"] for b in shown["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert grades == ["Again", "Hard", "Good", "Easy"]  # the grade buttons are unchanged

    refused = await click(bot, "UBOB", tick, blocks=shown["blocks"], block_id="qotd_quiz_answer:tick")
    assert refused["response_type"] == "ephemeral" and "not one of yours" in refused["text"]

    opened = await open_form(bot, "UALICE", tick)
    view = opened["view"]
    assert "initial_options" not in checkbox(view)  # no guess for practice: nothing is pre-ticked
    saved = await submit_form(bot, "UALICE", view, ["1"])
    assert "you covered 1 of 3 key points (1)" in saved["text"]
    (row,) = await rows(bot.app, select(key_point_checks.c.quiz_attempt_id, key_point_checks.c.ticked))
    assert row.ticked == "1" and tick["value"] == f"quiz:{row.quiz_attempt_id}"

    typed = await command(bot, "UALICE", "quiz answer")  # the typed form gets the button too
    assert len(check_buttons(typed["blocks"])) == 1
