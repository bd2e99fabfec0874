"""Suggestions on Slack end to end: the /qotd suggest form, the moderation queue's buttons, edit and reject forms.

Same set-up as tests/test_slack_adapter.py: the product's own Bolt app over `bootstrap(...)`, served
over aiohttp, its Web API pointed at FakeSlack, driven by Slack-signed requests with the state
Slack really sends for text inputs and selects.
"""

from __future__ import annotations

import json
import shlex
import time

from sqlalchemy import select

from adapters.slack.suggestion_actions import (
    APPROVE_ACTION,
    BLOCK,
    EDIT_ACTION,
    EDIT_MODAL,
    REJECT_ACTION,
    REJECT_MODAL,
    SUGGEST_MODAL,
    wants_suggest_form,
)
from bot.db.tables import suggestions
from tests.fakes.fake_slack import TEAM_ID
from tests.test_slack_adapter import (  # noqa: F401 - bot, clock and no_slack_env are fixtures used here
    CHANNEL,
    Bot,
    bot,
    clock,
    command,
    no_slack_env,
    rows,
)
from tests.test_slack_interactions import buttons, click, interactive, quiet

QUESTION = "What is a cache stampede and how do you prevent one?"
ANSWER = "Many clients miss the same key at once and all rebuild it from the database together, overloading it."
POINTS = "many misses on one key\nsingle-flight the rebuild\njitter expiry times"


def readable(params: dict) -> str:
    """The fallback text and every text in the blocks, as a person would read them."""
    found = [params.get("text") or ""]

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(params.get("blocks") or [])
    return "\n".join(found)


def option(value: str) -> dict:
    return {"text": {"type": "plain_text", "text": value}, "value": value}


def form_state(*, question: str = QUESTION, answer: str = ANSWER, points: str = POINTS, topic: str | None = "caching",
               difficulty: str | None = "3") -> dict:
    """The `view.state.values` Slack sends for the suggestion form."""
    text = lambda value: {"value": {"type": "plain_text_input", "value": value}}  # noqa: E731
    select = lambda value: {"value": {"type": "static_select", "selected_option": option(value) if value else None}}  # noqa: E731
    return {
        BLOCK["question"]: text(question),
        BLOCK["answer"]: text(answer),
        BLOCK["points"]: text(points),
        BLOCK["topic"]: select(topic),
        BLOCK["difficulty"]: select(difficulty),
    }


async def submit(bot: Bot, view: dict, state: dict, *, user: str) -> dict | None:
    """Submit a form; returns the `response_action` body when the form is kept open with errors, else None."""
    payload = {
        "type": "view_submission", "team": {"id": TEAM_ID, "domain": "team"},
        "user": {"id": user, "username": user, "name": user, "team_id": TEAM_ID}, "api_app_id": "AQOTD",
        "token": "legacy", "trigger_id": f"trigger-{time.monotonic_ns()}",
        "view": {**view, "id": f"V{time.monotonic_ns()}", "team_id": TEAM_ID, "state": {"values": state}, "hash": "h"},
    }
    status, body = await interactive(bot, payload)
    assert status == 200
    return json.loads(body) if body.strip() else None


async def open_form(bot: Bot, user: str) -> dict:
    before = len(bot.fake.calls_to("views.open"))
    status, _ = await bot.slack.slash(user, "suggest", CHANNEL)
    assert status == 200
    return (await bot.fake.wait_for("views.open", before + 1))[before].params["view"]


async def suggest_by_form(bot: Bot, user: str = "UALICE", **state) -> dict:
    view = await open_form(bot, user)
    before = len(bot.fake.calls_to("chat.postEphemeral"))
    assert await submit(bot, view, form_state(**state), user=user) is None
    return (await bot.fake.wait_for("chat.postEphemeral", before + 1))[before].params


async def stored(bot: Bot):
    return await rows(bot.app, select(suggestions).order_by(suggestions.c.id))


async def queue(bot: Bot) -> dict:
    reply = await command(bot, "UADMIN", "admin suggestions")
    assert reply["response_type"] == "ephemeral"
    return reply


async def click_and_open(bot: Bot, user: str, button: dict, blocks: list[dict]) -> dict:
    before = len(bot.fake.calls_to("views.open"))
    await click(bot, user, button, blocks=blocks)
    return (await bot.fake.wait_for("views.open", before + 1))[before].params["view"]


def queue_button(blocks: list[dict], action_id: str, suggestion_id: int = 1) -> dict:
    return next(b for b in buttons(blocks) if b["action_id"] == action_id and b["value"] == str(suggestion_id))


# ---- suggesting ------------------------------------------------------------------------------------------


def test_only_a_bare_suggest_asks_for_the_form():
    assert wants_suggest_form("suggest") and wants_suggest_form(" suggest ")
    assert not wants_suggest_form('suggest question="x"') and not wants_suggest_form("setup")


async def test_a_member_suggests_with_the_form_and_is_thanked_privately(bot: Bot):
    view = await open_form(bot, "UALICE")
    assert view["callback_id"] == SUGGEST_MODAL and json.loads(view["private_metadata"]) == {"channel": CHANNEL}
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert set(blocks) == {BLOCK[n] for n in ("question", "answer", "points", "topic", "difficulty")}
    assert len(blocks[BLOCK["topic"]]["element"]["options"]) == 12
    assert blocks[BLOCK["answer"]]["element"]["max_length"] <= 3000  # Slack's limit for a text input

    thanks = await suggest_by_form(bot)
    assert thanks["channel"] == CHANNEL and thanks["user"] == "UALICE"
    assert "Thanks, alice! Your question is suggestion #1 (Caching, difficulty 3)" in thanks["text"]
    (row,) = await stored(bot)
    assert (row.status, row.member_id, row.member_name, row.topic, row.difficulty) == ("pending", "UALICE", "alice", "caching", 3)
    assert json.loads(row.key_points) == POINTS.split("\n")


async def test_bad_form_input_is_shown_on_its_fields_and_nothing_is_saved(bot: Bot):
    view = await open_form(bot, "UALICE")
    body = await submit(bot, view, form_state(points="just one\n" * 9 + "and more", answer="Too short.", topic=None), user="UALICE")
    assert body["response_action"] == "errors"
    errors = body["errors"]
    assert set(errors) == {BLOCK["points"], BLOCK["answer"], BLOCK["topic"]}
    assert errors[BLOCK["points"]].startswith("10 key points; give 1 to 8")
    assert errors[BLOCK["answer"]].startswith("The reference answer has 2 words; write at least 10")
    assert errors[BLOCK["topic"]].startswith("Topic= is missing")
    assert await stored(bot) == []
    await quiet(bot, "chat.postEphemeral", 0)


async def test_the_typed_form_works_too_and_names_a_bad_value(bot: Bot):
    typed = f"suggest question={shlex.quote(QUESTION)} answer={shlex.quote(ANSWER)} points='a; b' topic=cachng difficulty=2"
    reply = await command(bot, "UALICE", typed)
    assert reply["response_type"] == "ephemeral" and "unknown topic 'cachng' (did you mean caching?)" in reply["text"]
    reply = await command(bot, "UALICE", typed.replace("cachng", "caching"))
    assert "Your question is suggestion #1" in reply["text"]
    assert len(await stored(bot)) == 1


# ---- moderation --------------------------------------------------------------------------------------------


async def test_approve_from_the_queue_tells_the_member_and_credits_them_at_the_reveal(bot: Bot):
    await suggest_by_form(bot)
    listed = await queue(bot)
    assert "1 suggestion waiting for review" in listed["text"]
    text = readable(listed)
    assert "#1 from alice" in text and QUESTION in text and "single-flight the rebuild" in text
    labels = [(b["text"]["text"], b["action_id"]) for b in buttons(listed["blocks"])]
    assert labels == [("Approve", APPROVE_ACTION), ("Edit", EDIT_ACTION), ("Reject", REJECT_ACTION)]

    told_before = len(bot.fake.calls_to("chat.postEphemeral"))
    updated = await click(bot, "UADMIN", queue_button(listed["blocks"], APPROVE_ACTION), blocks=listed["blocks"])
    assert updated["replace_original"] in (True, "true")
    assert "Approved suggestion #1 from alice" in readable(updated) and "No suggestions are waiting" in readable(updated)
    told = (await bot.fake.wait_for("chat.postEphemeral", told_before + 1))[told_before].params
    assert told["user"] == "UALICE" and told["channel"] == CHANNEL and "was approved by Ada" in told["text"]
    assert (await stored(bot))[0].status == "approved"

    # The approved question is this workspace's: a filter only it matches now posts it, and the reveal credits alice.
    setup = await command(bot, "UADMIN", "setup time=09:00 tz=UTC days=daily reveal=8h topics=caching difficulty=3")
    assert "Scheduled" in setup["text"], setup
    await command(bot, "UADMIN", "post")
    question = bot.fake.last("chat.postMessage").params
    assert QUESTION in readable(question)
    await command(bot, "UADMIN", "reveal")
    reveal = [c.params for c in bot.fake.calls_to("chat.postMessage") if c.params.get("thread_ts")][0]
    assert "Suggested by alice" in readable(reveal) and "jitter expiry times" in readable(reveal)


async def test_reject_asks_for_a_reason_then_tells_the_member(bot: Bot):
    await suggest_by_form(bot)
    listed = await queue(bot)
    view = await click_and_open(bot, "UADMIN", queue_button(listed["blocks"], REJECT_ACTION), listed["blocks"])
    assert view["callback_id"] == REJECT_MODAL and json.loads(view["private_metadata"])["id"] == 1
    state = lambda reason: {BLOCK["reason"]: {"value": {"type": "plain_text_input", "value": reason}}}  # noqa: E731
    body = await submit(bot, view, state("   "), user="UADMIN")
    assert body["response_action"] == "errors" and "A reason is required" in body["errors"][BLOCK["reason"]]
    assert (await stored(bot))[0].status == "pending"

    urls = len(bot.fake.calls_to("response_url"))
    told_before = len(bot.fake.calls_to("chat.postEphemeral"))
    assert await submit(bot, view, state("The bank already asks this one."), user="UADMIN") is None
    updated = (await bot.fake.wait_for("response_url", urls + 1))[urls].params
    assert "Rejected suggestion #1 from alice" in readable(updated) and updated["replace_original"] in (True, "true")
    told = (await bot.fake.wait_for("chat.postEphemeral", told_before + 1))[told_before].params
    assert told["user"] == "UALICE" and "Ada said: The bank already asks this one." in told["text"]
    row = (await stored(bot))[0]
    assert (row.status, row.reason, row.reviewer_name) == ("rejected", "The bank already asks this one.", "Ada")


async def test_edit_opens_the_form_filled_in_and_saves_what_changed(bot: Bot):
    await suggest_by_form(bot)
    listed = await queue(bot)
    view = await click_and_open(bot, "UADMIN", queue_button(listed["blocks"], EDIT_ACTION), listed["blocks"])
    assert view["callback_id"] == EDIT_MODAL
    filled = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert filled[BLOCK["question"]]["initial_value"] == QUESTION
    assert filled[BLOCK["points"]]["initial_value"] == POINTS
    assert filled[BLOCK["topic"]]["initial_option"]["value"] == "caching"
    assert filled[BLOCK["difficulty"]]["initial_option"]["value"] == "3"

    body = await submit(bot, view, form_state(points="one\n" * 9 + "two"), user="UADMIN")
    assert body["response_action"] == "errors" and set(body["errors"]) == {BLOCK["points"]}

    urls = len(bot.fake.calls_to("response_url"))
    assert await submit(bot, view, form_state(difficulty="2", topic="databases"), user="UADMIN") is None
    updated = (await bot.fake.wait_for("response_url", urls + 1))[urls].params
    assert "Updated suggestion #1 (topic, difficulty); it still waits for review." in readable(updated)
    assert "Databases · difficulty 2 (solid) · edited" in readable(updated)
    assert [b["action_id"] for b in buttons(updated["blocks"])] == [APPROVE_ACTION, EDIT_ACTION, REJECT_ACTION]
    row = (await stored(bot))[0]
    assert (row.status, row.topic, row.difficulty, row.edited_by) == ("pending", "databases", 2, "UADMIN")


async def test_plain_members_cannot_moderate_from_the_buttons(bot: Bot):
    await suggest_by_form(bot)
    listed = await queue(bot)
    for action in (APPROVE_ACTION, EDIT_ACTION, REJECT_ACTION):
        refused = await click(bot, "UBOB", queue_button(listed["blocks"], action), blocks=listed["blocks"])
        assert refused["response_type"] == "ephemeral" and refused.get("replace_original") in (False, "false")
        assert "admin" in refused["text"].lower()
    await quiet(bot, "views.open", 1)  # only the suggestion form was ever opened
    assert (await stored(bot))[0].status == "pending"
    typed = await command(bot, "UBOB", "admin suggestions")
    assert "only admins can use /qotd admin suggestions" in typed["text"]


async def test_a_decided_suggestion_cannot_be_decided_again_from_an_old_queue(bot: Bot):
    await suggest_by_form(bot)
    listed = await queue(bot)
    await click(bot, "UADMIN", queue_button(listed["blocks"], APPROVE_ACTION), blocks=listed["blocks"])
    again = await click(bot, "UADMIN", queue_button(listed["blocks"], APPROVE_ACTION), blocks=listed["blocks"])
    assert "suggestion #1 was already approved by Ada; nothing changed" in again["text"]
    stale = await click(bot, "UADMIN", queue_button(listed["blocks"], EDIT_ACTION), blocks=listed["blocks"])
    assert "suggestion #1 was already approved; nothing to edit" in stale["text"]


async def test_workspace_topics_can_be_switched_from_slack(bot: Bot):
    reply = await command(bot, "UADMIN", "admin topics disable=nodejs")
    assert reply["response_type"] == "ephemeral" and "Turned off: nodejs." in reply["text"]
    refused = await command(bot, "UBOB", "admin topics enable=nodejs")
    assert "only admins can use /qotd admin topics" in refused["text"]
    quiz = await command(bot, "UBOB", "quiz nodejs")
    assert "the topic nodejs is turned off in this workspace" in quiz["text"]
