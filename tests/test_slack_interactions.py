"""Slack's interactive surfaces end to end: quiz buttons, leaderboard paging, the App Home tab and the setup form.

Same set-up as tests/test_slack_adapter.py: the product's own Bolt app over `bootstrap(...)`, served
over aiohttp, its Web API pointed at FakeSlack, driven by Slack-signed requests. Clicks and form
submissions are built here with the state Slack really sends for selects, pickers and checkboxes
(and, for ephemeral messages, with or without the message's blocks).
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy import select

from adapters.slack.app_home import home_view
from adapters.slack.blocks import reply_blocks
from adapters.slack.setup_modal import (
    CHANNEL_ACTION,
    CHANNEL_BLOCK,
    DAYS_BLOCK,
    OTHER_ZONE_BLOCK,
    SETUP_MODAL,
    TIME_BLOCK,
    TOPICS_BLOCK,
    ZONE_BLOCK,
    wants_setup_form,
)
from bot.ports import Member, Reply
from bot.db.tables import quiz_attempts, schedules
from bot.services.answering import AnswerSubmitted
from tests.fakes.fake_slack import TEAM_ID
from tests.test_slack_adapter import (  # noqa: F401 - bot, clock and no_slack_env are fixtures used here
    CHANNEL,
    SECRET,
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


# ---- requests as Slack sends them ---------------------------------------------------------------------


async def interactive(bot: Bot, payload: dict) -> tuple[int, str]:
    return await bot.slack.send(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


def buttons(blocks: list[dict]) -> list[dict]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def actions_of(blocks: list[dict]) -> dict:
    (block,) = [b for b in blocks if b["type"] == "actions"]
    return block


async def click(bot: Bot, user: str, button: dict, *, blocks: list[dict] | None = None, block_id: str | None = None,
                ephemeral: bool = True) -> dict | None:
    """Click `button` on a message holding `blocks`; returns the response_url post it caused (or None)."""
    before = len(bot.fake.calls_to("response_url"))
    container = {"type": "message", "message_ts": "1700000001.000200", "channel_id": CHANNEL, "is_ephemeral": ephemeral}
    payload = {
        "type": "block_actions", "team": {"id": TEAM_ID, "domain": "team"},
        "user": {"id": user, "username": user, "name": user, "team_id": TEAM_ID}, "api_app_id": "AQOTD",
        "token": "legacy", "container": container, "trigger_id": f"trigger-{time.monotonic_ns()}",
        "channel": {"id": CHANNEL, "name": "qotd"}, "response_url": bot.fake.response_url(),
        "actions": [{"action_id": button["action_id"], "block_id": block_id or "b", "type": "button",
                     "value": button.get("value", ""), "text": button.get("text"), "action_ts": str(time.time())}],
    }
    if blocks is not None:
        payload["message"] = {"type": "message", "ts": container["message_ts"], "blocks": blocks}
        if block_id is None:
            payload["actions"][0]["block_id"] = next(
                b["block_id"] for b in blocks if b["type"] == "actions" and button in b["elements"]
            )
    status, _ = await interactive(bot, payload)
    assert status == 200
    try:
        return (await bot.fake.wait_for("response_url", before + 1, timeout=1.0))[before].params
    except AssertionError:
        return None


def option(value: str) -> dict:
    return {"text": {"type": "plain_text", "text": value}, "value": value}


def setup_state(*, channel: str | None = CHANNEL, post_time: str = "09:00", tz: str | None = "UTC", tz_other: str | None = None,
                days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri"), reveal: str = "8h",
                topics: tuple[str, ...] = (), difficulty: str = "1-3", mode: str = "thread") -> dict:
    """The `view.state.values` Slack sends for the setup form, element types included."""
    return {
        CHANNEL_BLOCK: {CHANNEL_ACTION: {"type": "conversations_select", "selected_conversation": channel}},
        TIME_BLOCK: {"time": {"type": "timepicker", "selected_time": post_time}},
        ZONE_BLOCK: {"tz": {"type": "static_select", "selected_option": option(tz) if tz else None}},
        OTHER_ZONE_BLOCK: {"tz_other": {"type": "plain_text_input", "value": tz_other}},
        DAYS_BLOCK: {"days": {"type": "checkboxes", "selected_options": [option(d) for d in days]}},
        "qotd_setup_reveal": {"reveal": {"type": "static_select", "selected_option": option(reveal)}},
        TOPICS_BLOCK: {"topics": {"type": "multi_static_select", "selected_options": [option(t) for t in topics]}},
        "qotd_setup_difficulty": {"difficulty": {"type": "static_select", "selected_option": option(difficulty)}},
        "qotd_setup_mode": {"mode": {"type": "radio_buttons", "selected_option": option(mode)}},
    }


async def open_setup_form(bot: Bot, user: str = "UADMIN", channel: str = CHANNEL) -> dict:
    before = len(bot.fake.calls_to("views.open"))
    status, _ = await bot.slack.slash(user, "setup", channel)
    assert status == 200
    return (await bot.fake.wait_for("views.open", before + 1))[before].params


async def submit_setup(bot: Bot, view: dict, state: dict, *, user: str = "UADMIN",
                       response_url_for: str | None = None) -> tuple[int, str]:
    payload = {
        "type": "view_submission", "team": {"id": TEAM_ID, "domain": "team"},
        "user": {"id": user, "username": user, "name": user, "team_id": TEAM_ID}, "api_app_id": "AQOTD",
        "token": "legacy", "trigger_id": f"trigger-{time.monotonic_ns()}",
        "view": {**view, "id": "VSETUP", "team_id": TEAM_ID, "state": {"values": state}, "hash": "h"},
        "response_urls": [],
    }
    if response_url_for:
        payload["response_urls"] = [{"block_id": CHANNEL_BLOCK, "action_id": CHANNEL_ACTION,
                                     "channel_id": response_url_for, "response_url": bot.fake.response_url()}]
    return await interactive(bot, payload)


async def quiet(bot: Bot, method: str, count: int, wait: float = 0.3) -> None:
    """Nothing more reaches `method` for a moment."""
    await asyncio.sleep(wait)
    assert len(bot.fake.calls_to(method)) == count, [c.params for c in bot.fake.calls_to(method)]


# ---- the quiz ---------------------------------------------------------------------------------------------


async def test_quiz_show_answer_then_grade_is_recorded(bot: Bot):
    asked = await command(bot, "UALICE", "quiz databases")
    assert asked["response_type"] == "ephemeral"
    assert "about databases?" in asked["text"] and "/qotd quiz answer" not in all_text(asked)  # the button replaces the hint
    (show,) = buttons(asked["blocks"])
    (attempt_row,) = await rows(bot.app, select(quiz_attempts))
    assert show["action_id"] == "qotd_quiz_show" and show["value"] == str(attempt_row.id)
    assert actions_of(asked["blocks"])["block_id"] == f"qotd_quiz:{attempt_row.question_id}"

    shown = await click(bot, "UALICE", show, blocks=asked["blocks"])
    assert shown["replace_original"] is True
    text = all_text(shown)
    assert "about databases?" in text and f"Reference answer for {attempt_row.question_id}" in text  # question kept
    assert "/qotd quiz grade" not in text
    grades = buttons(shown["blocks"])
    assert [b["text"]["text"] for b in grades] == ["Again", "Hard", "Good", "Easy"]
    assert [b["value"] for b in grades] == [f"{attempt_row.id}:{g}" for g in ("again", "hard", "good", "easy")]
    assert all(b["action_id"].startswith("qotd_quiz_grade") for b in grades)
    assert len({b["action_id"] for b in grades}) == 4  # unique within the block, as Slack requires

    good = next(b for b in grades if b["text"]["text"] == "Good")
    graded = await click(bot, "UALICE", good, blocks=shown["blocks"])
    assert graded["replace_original"] is True
    text = all_text(graded)
    assert "Recorded: good." in text and "Reference answer for" in text and "about databases?" in text
    assert "Another one? /qotd quiz" not in text
    after = buttons(graded["blocks"])
    assert [b["text"]["text"] for b in after] == ["Again", "Hard", "Good", "Easy", "Another question"]
    assert next(b for b in after if b["text"]["text"] == "Good")["style"] == "primary"
    (row,) = await rows(bot.app, select(quiz_attempts.c.member_id, quiz_attempts.c.grade, quiz_attempts.c.answer_shown_at))
    assert row.member_id == "UALICE" and row.grade == "good" and row.answer_shown_at is not None

    # Changing one's mind replaces the confirmation instead of stacking another one.
    easy = next(b for b in after if b["text"]["text"] == "Easy")
    regraded = await click(bot, "UALICE", easy, blocks=graded["blocks"])
    assert json.dumps(regraded["blocks"]).count("Recorded:") == 1 and "Recorded: easy." in all_text(regraded)
    (row,) = await rows(bot.app, select(quiz_attempts.c.grade))
    assert row.grade == "easy"

    another = next(b for b in after if b["action_id"] == "qotd_quiz_next")
    fresh = await click(bot, "UALICE", another, blocks=graded["blocks"])
    assert fresh["replace_original"] is True and "Practice question" in fresh["text"]
    (new_show,) = buttons(fresh["blocks"])
    assert new_show["action_id"] == "qotd_quiz_show" and new_show["value"] != show["value"]
    assert len(await rows(bot.app, select(quiz_attempts))) == 2


async def test_only_the_member_who_asked_can_see_or_grade_a_practice_question(bot: Bot):
    asked = await command(bot, "UALICE", "quiz")
    (show,) = buttons(asked["blocks"])
    refused = await click(bot, "UBOB", show, blocks=asked["blocks"])
    assert refused["replace_original"] is False and refused["response_type"] == "ephemeral"
    assert "not one of yours" in refused["text"] and "Reference answer" not in all_text(refused)

    shown = await click(bot, "UALICE", show, blocks=asked["blocks"])
    good = next(b for b in buttons(shown["blocks"]) if b["text"]["text"] == "Good")
    refused = await click(bot, "UBOB", good, blocks=shown["blocks"])
    assert refused["replace_original"] is False and "not one of yours" in refused["text"]
    (row,) = await rows(bot.app, select(quiz_attempts.c.grade))
    assert row.grade is None

    forged = await click(bot, "UALICE", {**good, "value": "not-a-grade"}, block_id=actions_of(shown["blocks"])["block_id"])
    assert forged is None
    (row,) = await rows(bot.app, select(quiz_attempts.c.grade))
    assert row.grade is None


async def test_show_answer_keeps_the_question_when_slack_sends_no_message_blocks(bot: Bot):
    asked = await command(bot, "UALICE", "quiz caching")
    (show,) = buttons(asked["blocks"])
    block_id = actions_of(asked["blocks"])["block_id"]
    shown = await click(bot, "UALICE", show, block_id=block_id)  # an ephemeral message: no `message` in the payload
    text = all_text(shown)
    assert "Practice question" in text and "about caching?" in text and "Reference answer for caching-" in text


async def test_a_suggested_question_is_kept_too_when_slack_sends_no_message_blocks(bot: Bot):
    suggested = "What is a cache stampede and how do you stop one?"
    reply = await command(bot, "UALICE", f"suggest question='{suggested}' answer='Many misses on one key rebuilding it at "
                          "once; let one caller rebuild.' points='one key, many misses; single-flight' topic=caching difficulty=2")
    sid = reply["text"].split("#")[1].split()[0].strip(".,:")
    assert "approved" in (await command(bot, "UADMIN", f"admin approve id={sid}"))["text"].lower()
    await command(bot, "UADMIN", "admin topics disable=caching")  # the workspace's own caching question is the only one

    asked = await command(bot, "UALICE", "quiz caching")
    assert suggested in all_text(asked)
    (show,) = buttons(asked["blocks"])
    shown = await click(bot, "UALICE", show, block_id=actions_of(asked["blocks"])["block_id"])
    text = all_text(shown)
    assert "Practice question" in text and suggested in text and "let one caller rebuild" in text


async def test_typed_quiz_answer_gets_grade_buttons_too(bot: Bot):
    await command(bot, "UALICE", "quiz")
    shown = await command(bot, "UALICE", "quiz answer")
    assert [b["text"]["text"] for b in buttons(shown["blocks"])] == ["Again", "Hard", "Good", "Easy"]
    assert "/qotd quiz grade" not in all_text(shown)
    failed = await command(bot, "UBOB", "quiz answer")  # no practice question yet: an error, no buttons
    assert not buttons(failed["blocks"]) and "no practice question" in failed["text"]


# ---- leaderboard pages ----------------------------------------------------------------------------------------


async def test_leaderboard_pages_turn_with_buttons_and_keep_the_askers_row(bot: Bot):
    await set_up(bot)
    await post_scheduled(bot)
    channel = bot.channel_ref()
    for n in range(12):
        reply = await bot.app.answer(AnswerSubmitted(channel, Member(f"UM{n:02d}", f"member{n:02d}"), "an answer"))
        assert reply.ok, reply.text
    await bot.slack.event(thread_reply(bot, "UALICE", "mine", "msg-alice"))
    await bot.fake.wait_for("chat.postEphemeral")

    first = await command(bot, "UBOB", "leaderboard")
    assert first["response_type"] == "in_channel" and "page 1 of 2" in first["text"]
    assert "/qotd leaderboard all points 2" not in all_text(first)  # the button replaces the hint
    (next_button,) = buttons(first["blocks"])
    assert next_button["text"]["text"] == "Next ▶" and next_button["value"] == "all:points:2"
    assert next_button["action_id"].startswith("qotd_lb_page")
    assert actions_of(first["blocks"])["block_id"] == "qotd_lb_nav:UBOB"

    own = await command(bot, "UM11", "leaderboard")
    second = await click(bot, "UALICE", buttons(own["blocks"])[0], blocks=own["blocks"], ephemeral=False)
    assert second["replace_original"] is True and second["response_type"] == "in_channel"
    assert "page 2 of 2" in second["text"] and "member11 — 10  ← you" in second["text"]  # the asker's row, not the clicker's
    (previous,) = buttons(second["blocks"])
    assert previous["text"]["text"] == "◀ Previous" and previous["value"] == "all:points:1"

    back = await click(bot, "UALICE", previous, blocks=second["blocks"], ephemeral=False)
    assert "page 1 of 2" in back["text"] and [b["value"] for b in buttons(back["blocks"])] == ["all:points:2"]

    assert await click(bot, "UALICE", {**previous, "value": "all:bogus:2"}, block_id="qotd_lb_nav:UM11") is None


def test_one_page_leaderboards_and_failed_replies_have_no_buttons():
    one = Reply("Leaderboard", private=False, data={"period": "all", "metric": "points", "page": 1, "pages": 1})
    assert not buttons(reply_blocks(one)[1])
    failed = Reply("Sorry, no.", ok=False, data={"quiz_attempt": 3, "question_id": "q"}, hint="try /qotd quiz")
    text, blocks = reply_blocks(failed)
    assert not buttons(blocks) and "try /qotd quiz" in text
    plain = Reply("Scheduled.", hint="/qotd status shows it")
    assert "/qotd status shows it" in reply_blocks(plain)[0]


# ---- App Home -------------------------------------------------------------------------------------------------


def home_opened(user: str, tab: str = "home") -> dict:
    return {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": tab, "event_ts": str(time.time())}


async def test_app_home_shows_the_members_own_numbers(bot: Bot):
    await set_up(bot)
    await post_scheduled(bot)
    await bot.slack.event(thread_reply(bot, "UALICE", "An index <speeds> reads", "msg-a1"))
    await bot.fake.wait_for("chat.postEphemeral")
    await command(bot, "UALICE", "quiz")

    assert (await bot.slack.event(home_opened("UALICE")))[0] == 200
    published = (await bot.fake.wait_for("views.publish"))[0].params
    assert published["user_id"] == "UALICE" and published["view"]["type"] == "home"
    text = json.dumps(published["view"]["blocks"], ensure_ascii=False)
    assert "*Current streak*\\n1" in text and "*Longest streak*\\n1" in text and "*Points*\\n10" in text
    assert "1 on time \u00b7 0 late" in text
    assert "#1 \u00b7 " in text and "<#CQOTD>" in text and "on time, +10 points" in text and "?" in text
    assert "Practice: 1 question asked, 0 self-graded." in text
    assert "/qotd quiz" in text and "/qotd help" in text
    assert "due for review" not in text and "Streak freezes" not in text  # none yet

    bot.clock.advance(timedelta(days=1, hours=1))  # the answered question is due for its first review
    assert (await bot.slack.event(home_opened("UALICE")))[0] == 200
    later = json.dumps((await bot.fake.wait_for("views.publish", 2))[1].params["view"]["blocks"], ensure_ascii=False)
    assert "*Practice:* 1 question due for review. Run `/qotd quiz` in any channel" in later

    assert (await bot.slack.event(home_opened("UBOB")))[0] == 200
    bob = (await bot.fake.wait_for("views.publish", 3))[2].params
    assert bob["user_id"] == "UBOB" and "You have not answered a question yet" in all_text({"blocks": bob["view"]["blocks"]})

    await bot.slack.event(home_opened("UALICE", tab="messages"))
    await quiet(bot, "views.publish", 3)


def test_app_home_shows_streak_freezes_held_per_channel():
    from bot.services.member_overview import ChannelStanding, MemberOverview

    def standing(channel_id: str, freezes: int) -> ChannelStanding:
        return ChannelStanding(channel_id, 6, 6, 6, 0, 66, None, freezes=freezes)

    overview = MemberOverview("UALICE", (standing("CQOTD", 1), standing("CMORE", 2)), ())
    text = json.dumps(home_view(overview)["blocks"], ensure_ascii=False)
    assert "*Streak freezes*\\n3 held (a missed question keeps your streak)" in text
    assert "<#CQOTD>: streak 6 (longest 6), 66 points, 6 on time, 0 late, 1 freeze held" in text
    assert "<#CMORE>: streak 6 (longest 6), 66 points, 6 on time, 0 late, 2 freezes held" in text


# ---- the setup form ------------------------------------------------------------------------------------------


def test_only_a_bare_setup_asks_for_the_form():
    assert wants_setup_form("setup") and wants_setup_form("  SETUP ") and wants_setup_form("/qotd setup")
    assert not wants_setup_form("setup time=09:00") and not wants_setup_form("status") and not wants_setup_form("'")


def element(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)["element"]


async def test_setup_form_opens_for_an_admin_with_this_channel_and_defaults(bot: Bot):
    opened = await open_setup_form(bot)
    assert opened["trigger_id"].startswith("trigger-")
    view = opened["view"]
    assert view["type"] == "modal" and view["callback_id"] == SETUP_MODAL
    assert element(view, CHANNEL_BLOCK)["initial_conversation"] == CHANNEL
    assert element(view, CHANNEL_BLOCK)["response_url_enabled"] is True
    assert element(view, TIME_BLOCK)["initial_time"] == "09:00"
    assert element(view, ZONE_BLOCK)["initial_option"]["value"] == "UTC"
    zones = [o["value"] for o in element(view, ZONE_BLOCK)["options"]]
    assert "Europe/Berlin" in zones and "America/New_York" in zones and len(zones) <= 100
    assert [o["value"] for o in element(view, DAYS_BLOCK)["initial_options"]] == ["mon", "tue", "wed", "thu", "fri"]
    assert element(view, "qotd_setup_reveal")["initial_option"]["value"] == "8h"
    assert element(view, "qotd_setup_mode")["initial_option"]["value"] == "thread"
    assert "initial_options" not in element(view, TOPICS_BLOCK)
    assert len(element(view, TOPICS_BLOCK)["options"]) == 12
    await quiet(bot, "response_url", 0)
    assert await rows(bot.app, select(schedules)) == []


async def test_setup_form_starts_from_the_channels_schedule(bot: Bot):
    reply = await command(bot, "UADMIN", "setup time=08:15 tz=Europe/Berlin days=daily reveal=90m mode=private topics=databases,caching")
    assert "Scheduled" in reply["text"], reply
    view = (await open_setup_form(bot))["view"]
    assert element(view, ZONE_BLOCK)["initial_option"]["value"] == "Europe/Berlin"
    assert element(view, TIME_BLOCK)["initial_time"] == "08:15"
    assert len(element(view, DAYS_BLOCK)["initial_options"]) == 7
    assert element(view, "qotd_setup_reveal")["initial_option"]["value"] == "1h30m"
    assert element(view, "qotd_setup_mode")["initial_option"]["value"] == "private"
    assert sorted(o["value"] for o in element(view, TOPICS_BLOCK)["initial_options"]) == ["caching", "databases"]


async def test_setup_form_is_refused_to_a_plain_member(bot: Bot):
    reply = await command(bot, "UALICE", "setup")
    assert reply["response_type"] == "ephemeral" and "only admins" in reply["text"]
    await quiet(bot, "views.open", 0)


async def test_bad_form_input_is_shown_on_the_fields_and_changes_nothing(bot: Bot):
    view = (await open_setup_form(bot))["view"]
    status, body = await submit_setup(bot, view, setup_state(tz_other="Mars/Olympus", days=()))
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {OTHER_ZONE_BLOCK, DAYS_BLOCK}
    assert "Unknown time zone 'Mars/Olympus'" in answer["errors"][OTHER_ZONE_BLOCK]
    assert answer["errors"][DAYS_BLOCK] == "Pick at least one day."

    status, body = await submit_setup(bot, view, setup_state(post_time="25:00", tz=None, channel=None))
    assert set(json.loads(body)["errors"]) == {TIME_BLOCK, ZONE_BLOCK, CHANNEL_BLOCK}

    # make_bank has difficulties 1 and 2 only: topics + difficulty that match nothing are refused up front.
    status, body = await submit_setup(bot, view, setup_state(topics=("databases",), difficulty="3"))
    assert set(json.loads(body)["errors"]) == {TOPICS_BLOCK}
    await asyncio.sleep(0.2)
    assert await rows(bot.app, select(schedules)) == []
    assert not bot.fake.calls_to("response_url") and not bot.fake.calls_to("chat.postMessage")


async def test_a_good_form_schedules_the_picked_channel_and_confirms_there(bot: Bot):
    view = (await open_setup_form(bot))["view"]
    state = setup_state(channel="CGENERAL", post_time="10:30", tz="Europe/Berlin", days=("mon", "wed", "fri"),
                        reveal="17:00", topics=("databases", "caching"), difficulty="1-2", mode="private")
    status, body = await submit_setup(bot, view, state, response_url_for="CGENERAL")
    assert status == 200 and not body.strip()  # an empty ack closes the form
    confirmed = (await bot.fake.wait_for("response_url"))[0].params
    assert confirmed["response_type"] == "in_channel"
    assert "Scheduled: 10:30 Europe/Berlin, mon,wed,fri, reveal at 17:00, private mode, caching, databases, difficulty 1-2" in confirmed["text"]
    (row,) = await rows(bot.app, select(schedules))
    assert (row.channel_id, row.post_time, row.timezone, row.days, row.mode, row.topics) == (
        "CGENERAL", "10:30", "Europe/Berlin", "mon,wed,fri", "private", "caching,databases"
    )
    assert (row.reveal_kind, row.reveal_value, row.difficulty_min, row.difficulty_max, row.updated_by) == ("at", "17:00", 1, 2, "UADMIN")

    # Without a response URL the confirmation is posted with the bot token; the free-text zone wins.
    status, _ = await submit_setup(bot, view, setup_state(tz="UTC", tz_other="America/Argentina/Cordoba"))
    posted = (await bot.fake.wait_for("chat.postMessage"))[0].params
    assert posted["channel"] == CHANNEL and "Scheduled: 09:00 America/Argentina/Cordoba" in posted["text"]
    assert len(await rows(bot.app, select(schedules))) == 2


async def test_a_form_submitted_by_a_plain_member_is_refused_by_the_core(bot: Bot):
    view = (await open_setup_form(bot))["view"]
    status, body = await submit_setup(bot, view, setup_state(), user="UALICE", response_url_for=CHANNEL)
    assert status == 200 and not body.strip()
    refused = (await bot.fake.wait_for("response_url"))[0].params
    assert refused["response_type"] == "ephemeral" and "only admins" in refused["text"]
    assert await rows(bot.app, select(schedules)) == []
