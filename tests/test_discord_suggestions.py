"""Suggestions on Discord end to end: the /qotd suggest form, the moderation queue's buttons, edit and reject forms.

Same harness as tests/test_discord_adapter.py: the product's own QotdDiscordClient over
`bootstrap(...)`, logged into FakeDiscord, driven by slash commands, modal submits and button clicks.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from adapters.discord.suggestion_views import FIELD, SUGGEST_MODAL
from bot.db.tables import suggestions
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
    webhook_path,
)

QUESTION = "What is a cache stampede and how do you prevent one?"
ANSWER = "Many clients miss the same key at once and all rebuild it from the database together, overloading it."
POINTS = "many misses on one key\nsingle-flight the rebuild\njitter expiry times"


def form(**changes) -> dict:
    """What a member types and picks in the suggestion form (selects send lists of values)."""
    values = {"question": QUESTION, "answer": ANSWER, "points": POINTS, "topic": ["caching"], "difficulty": ["3"], **changes}
    return {FIELD[name]: value for name, value in values.items()}


async def open_suggest_form(bot: Bot, user) -> dict:
    payload = bot.fake.slash_command(bot.fake.guild, bot.fake.qotd_channel, user, subcommand="suggest")
    response = await bot.fake.run_interaction(payload)
    assert response["type"] == 9, response
    return response["data"]


async def suggest(bot: Bot, user=None, **changes):
    user = user or bot.fake.member
    modal = await open_suggest_form(bot, user)
    record = await interact(bot.fake, bot.fake.modal_submit(modal["custom_id"], form(**changes), user))
    assert record.response_type == 5 and record.response_data.get("flags") == EPHEMERAL, record.responses
    return result_message(bot.fake, record)


async def stored(bot: Bot):
    return await rows(bot.app, select(suggestions).order_by(suggestions.c.id))


async def admin_command(bot: Bot, user, action: str, *, updates: int = 1, **options):
    payload = bot.fake.slash_command(
        bot.fake.guild, bot.fake.qotd_channel, user, subcommand_group="admin", subcommand=action, options=options or None
    )
    return await interact(bot.fake, payload, updates=updates)


def ephemeral_followups(bot: Bot, record) -> list[dict]:
    """The private follow-up messages an interaction sent (beyond its edited original)."""
    posts = bot.fake.calls_to("POST", webhook_path(bot.fake, record.payload))
    return [bot.fake.message(int(call.response["id"])) for call in posts]


async def queue(bot: Bot, expected: int) -> tuple[dict, list[dict]]:
    record = await admin_command(bot, bot.fake.admin, "suggestions", updates=1 + expected)
    summary = result_message(bot.fake, record)
    messages = ephemeral_followups(bot, record)
    assert len(messages) == expected and all(m["flags"] & EPHEMERAL for m in messages)
    return summary, messages


def button(message: dict, label: str) -> dict:
    return next(b for b in buttons(message) if b["label"] == label)


async def click(bot: Bot, message: dict, label: str, user=None):
    return await interact(bot.fake, bot.fake.button_click(button(message, label)["custom_id"], message, user or bot.fake.admin))


async def click_for_modal(bot: Bot, message: dict, label: str, user=None) -> dict:
    payload = bot.fake.button_click(button(message, label)["custom_id"], message, user or bot.fake.admin)
    response = await bot.fake.run_interaction(payload)
    assert response["type"] == 9, response
    return response["data"]


def dm_texts(bot: Bot, user) -> list[str]:
    channel = bot.fake.dm_channel(user)
    return [m["content"] for m in bot.fake.messages.values() if int(m["channel_id"]) == channel.id]


# ---- suggesting ------------------------------------------------------------------------------------------


async def test_suggest_opens_a_form_and_the_member_is_thanked_privately(bot: Bot):
    modal = await open_suggest_form(bot, bot.fake.member)
    assert modal["custom_id"] == SUGGEST_MODAL and len(modal["title"]) <= 45
    fields = [c["component"] for c in modal["components"]]
    assert [f["custom_id"] for f in fields] == [FIELD[n] for n in ("question", "answer", "points", "topic", "difficulty")]
    assert fields[0]["min_length"] == 15 and fields[0]["max_length"] == 1000
    assert len(fields[3]["options"]) == 12 and [o["value"] for o in fields[4]["options"]] == ["1", "2", "3"]

    record = await interact(bot.fake, bot.fake.modal_submit(SUGGEST_MODAL, form(), bot.fake.member))
    message = result_message(bot.fake, record)
    assert message["flags"] & EPHEMERAL
    assert "Thanks, alice! Your question is suggestion #1 (Caching, difficulty 3)" in text_of(message)
    (row,) = await stored(bot)
    assert (row.status, row.member_id, row.member_name, row.topic, row.difficulty) == (
        "pending", str(bot.fake.member.id), "alice", "caching", 3
    )
    assert json.loads(row.key_points) == POINTS.split("\n")
    assert_clean(bot.fake)


async def test_a_bad_suggestion_is_refused_privately_and_nothing_is_saved(bot: Bot):
    message = await suggest(bot, points="\n".join(f"point {n}" for n in range(9)), answer="Too short.")
    text = text_of(message)
    assert "9 key points; give 1 to 8" in text and "the reference answer has 2 words" in text
    assert await stored(bot) == []
    assert_clean(bot.fake)


# ---- moderation ------------------------------------------------------------------------------------------


async def test_the_queue_has_a_message_per_suggestion_and_approve_tells_the_member(bot: Bot):
    await suggest(bot)
    await suggest(bot, bot.fake.member2, question="How would you warm a cold cache after a deploy, and why?")
    summary, (first, second) = await queue(bot, 2)
    assert summary["flags"] & EPHEMERAL and "2 suggestions waiting for review" in text_of(summary)
    assert [b["label"] for b in buttons(first)] == ["Approve", "Edit", "Reject"]
    assert re.fullmatch(r"qotd:sg:approve:1", button(first, "Approve")["custom_id"])
    assert QUESTION in text_of(first) and "single-flight the rebuild" in text_of(first)
    assert "Suggested by alice" in text_of(first) and "Suggested by bob" in text_of(second)

    await click(bot, first, "Approve")
    approved = bot.fake.message(first["id"])
    assert "Approved #1" in text_of(approved) and not buttons(approved)
    assert "alice was told" in text_of(approved)
    assert any("was approved by Ada" in t for t in dm_texts(bot, bot.fake.member))
    assert [r.status for r in await stored(bot)] == ["approved", "pending"]
    assert_clean(bot.fake)


async def test_reject_asks_for_a_reason_and_the_member_hears_it(bot: Bot):
    await suggest(bot)
    _, (message,) = await queue(bot, 1)
    modal = await click_for_modal(bot, message, "Reject")
    assert modal["custom_id"] == "qotd:sg-reject:1"
    record = await interact(
        bot.fake, bot.fake.modal_submit(modal["custom_id"], {FIELD["reason"]: "The bank already asks this one."}, bot.fake.admin)
    )
    assert record.response_type == 6  # the queue message itself is updated
    rejected = bot.fake.message(message["id"])
    assert "Rejected #1" in text_of(rejected) and "The bank already asks this one." in text_of(rejected)
    assert not buttons(rejected)
    assert any("Ada said: The bank already asks this one." in t for t in dm_texts(bot, bot.fake.member))
    (row,) = await stored(bot)
    assert (row.status, row.reason) == ("rejected", "The bank already asks this one.")
    assert_clean(bot.fake)


async def test_edit_opens_the_form_filled_in_and_keeps_the_buttons(bot: Bot):
    await suggest(bot)
    _, (message,) = await queue(bot, 1)
    modal = await click_for_modal(bot, message, "Edit")
    assert modal["custom_id"] == "qotd:sg-edit:1"
    fields = {c["component"]["custom_id"]: c["component"] for c in modal["components"]}
    assert fields[FIELD["question"]]["value"] == QUESTION and fields[FIELD["points"]]["value"] == POINTS
    assert [o["value"] for o in fields[FIELD["topic"]]["options"] if o.get("default")] == ["caching"]
    assert [o["value"] for o in fields[FIELD["difficulty"]]["options"] if o.get("default")] == ["3"]

    await interact(bot.fake, bot.fake.modal_submit(modal["custom_id"], form(difficulty=["2"], topic=["databases"]), bot.fake.admin))
    edited = bot.fake.message(message["id"])
    assert "Suggestion #1 · Databases · difficulty 2 (solid)" in text_of(edited)
    assert "Updated suggestion #1 (topic, difficulty)" in text_of(edited)
    assert [b["label"] for b in buttons(edited)] == ["Approve", "Edit", "Reject"]

    bad = await interact(bot.fake, bot.fake.modal_submit(modal["custom_id"], form(points="one\n" * 9 + "x"), bot.fake.admin))
    assert bad.response_type == 6
    (error,) = ephemeral_followups(bot, bad)
    assert "10 key points" in text_of(error) and error["flags"] & EPHEMERAL
    (row,) = await stored(bot)
    assert (row.status, row.topic, row.difficulty) == ("pending", "databases", 2)
    assert_clean(bot.fake)


async def test_plain_members_cannot_moderate(bot: Bot):
    await suggest(bot)
    _, (message,) = await queue(bot, 1)
    approve = await click(bot, message, "Approve", bot.fake.member2)
    (refusal,) = ephemeral_followups(bot, approve)
    assert "only admins can use /qotd admin approve" in text_of(refusal)
    for label in ("Edit", "Reject"):
        payload = bot.fake.button_click(button(message, label)["custom_id"], message, bot.fake.member2)
        response = await bot.fake.run_interaction(payload)
        assert response["type"] == 4 and response["data"]["flags"] == EPHEMERAL
        assert "only admins review suggestions" in text_of(response["data"])
    typed = await admin_command(bot, bot.fake.member2, "suggestions")
    assert typed.response_type == 4 and typed.response_data["flags"] == EPHEMERAL
    assert "/qotd admin suggestions is for admins: it needs the **Manage Server** permission" in text_of(typed.response_data)
    assert (await stored(bot))[0].status == "pending"
    assert_clean(bot.fake)


async def test_typed_moderation_and_topic_switches_work_as_subcommands(bot: Bot):
    await suggest(bot)
    rejected = await admin_command(bot, bot.fake.admin, "reject", id=1, reason="Too close to one we have.")
    assert "Rejected suggestion #1 from alice. alice was told." in text_of(result_message(bot.fake, rejected))
    topics = await admin_command(bot, bot.fake.admin, "topics", disable="nodejs")
    assert "Turned off: nodejs." in text_of(result_message(bot.fake, topics))
    assert_clean(bot.fake)
