"""/qotd report, export and forget-me on Slack, end to end: the real Bolt app against FakeSlack.

Files go up the v2 way (files.getUploadURLExternal, an upload to the returned URL,
files.completeUploadExternal): a member's own data into a direct message with them
(conversations.open), the team report's chart into the channel.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from adapters.slack.blocks import FORGET_ACTION
from bot.db.tables import answers, member_stats
from bot.report_chart import PNG_SIGNATURE
from tests.test_slack_adapter import CHANNEL, all_text, command, post_scheduled, rows, set_up, thread_reply
from tests.test_slack_adapter import bot, clock, no_slack_env  # noqa: F401  (fixtures)
from tests.test_slack_interactions import buttons, click


@pytest.fixture(scope="module", autouse=True)
def chart_library_loaded():
    """matplotlib's first import takes seconds on a busy machine; pay it before the fake's 5-second waits."""
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401


async def answered(bot, *users: str) -> None:
    await set_up(bot)
    await post_scheduled(bot)
    for n, user in enumerate(users):
        acks = len(bot.fake.calls_to("chat.postEphemeral"))
        status, _ = await bot.slack.event(thread_reply(bot, user, f"{user}'s answer", f"msg-{n}"))
        assert status == 200
        await bot.fake.wait_for("chat.postEphemeral", acks + 1)


def by_extension(files: list[dict]) -> dict[str, dict]:
    return {f["filename"].rsplit(".", 1)[1]: f for f in files}


async def test_export_goes_to_a_direct_message_as_json_and_csv(bot):
    await answered(bot, "UALICE", "UBOB")
    reply = await command(bot, "UALICE", "export")
    assert reply["response_type"] == "ephemeral" and "direct messages with qotd" in reply["text"], reply
    assert bot.fake.last("conversations.open").params["users"] == "UALICE"
    files = by_extension(bot.fake.shared_files("DUALICE"))
    assert set(files) == {"json", "csv"} and not bot.fake.shared_files(CHANNEL)
    assert "Here is everything qotd keeps about you" in files["json"]["initial_comment"]
    document = json.loads(files["json"]["data"])
    assert document["member_id"] == "UALICE" and [a["text"] for a in document["tables"]["answers"]] == ["UALICE's answer"]
    assert b"UALICE's answer" in files["csv"]["data"] and b"UBOB" not in files["csv"]["data"]
    upload = bot.fake.last("files.getUploadURLExternal")
    assert upload.headers["Authorization"] == "Bearer xoxb-test"


async def test_workspace_export_is_for_admins_and_sent_privately(bot):
    await answered(bot, "UALICE")
    refused = await command(bot, "UALICE", "export workspace")
    assert refused["response_type"] == "ephemeral" and "only admins" in refused["text"]
    assert not bot.fake.calls_to("files.getUploadURLExternal")
    reply = await command(bot, "UADMIN", "export workspace")
    assert reply["response_type"] == "ephemeral" and "direct messages" in reply["text"]
    files = by_extension(bot.fake.shared_files("DUADMIN"))
    assert "-workspace-" in files["json"]["filename"] and json.loads(files["json"]["data"])["kind"] == "workspace"


async def test_team_report_is_posted_in_the_channel_with_its_chart_and_the_member_report_is_private(bot):
    await answered(bot, "UALICE", "UBOB")
    mine = await command(bot, "UALICE", "report")
    assert mine["response_type"] == "ephemeral" and "Your report (this workspace)" in mine["text"]
    assert not bot.fake.calls_to("files.getUploadURLExternal")

    team = await command(bot, "UADMIN", "report team")
    assert team["response_type"] == "in_channel" and "Team report — this channel" in all_text(team)
    await bot.fake.wait_for("files.completeUploadExternal")
    (chart,) = bot.fake.shared_files(CHANNEL)
    assert chart["filename"].endswith(".png") and chart["data"].startswith(PNG_SIGNATURE)
    assert not bot.fake.calls_to("conversations.open")


async def test_without_the_file_scopes_the_member_is_told_what_to_fix(bot):
    await answered(bot, "UALICE")
    bot.fake.fail("conversations.open", "", "missing_scope")
    reply = await command(bot, "UALICE", "export")
    assert reply["response_type"] == "ephemeral" and "files:write and im:write" in reply["text"]
    assert not bot.fake.uploads


async def test_forget_me_explains_then_the_button_deletes_only_the_clickers_data(bot):
    await answered(bot, "UALICE", "UBOB")
    bad = await command(bot, "UALICE", "forget-me confirm=nope")
    assert bad["response_type"] == "ephemeral" and "not a confirmation code" in bad["text"]

    asked = await command(bot, "UALICE", "forget-me")
    assert asked["response_type"] == "ephemeral" and "This deletes everything qotd keeps about you" in asked["text"]
    assert "confirm=" not in all_text(asked)  # the button replaces the typed code
    (delete,) = buttons(asked["blocks"])
    assert delete["action_id"] == FORGET_ACTION and delete["style"] == "danger" and delete["confirm"]

    refused = await click(bot, "UBOB", delete, blocks=asked["blocks"])
    assert refused["replace_original"] is False and "not your current confirmation code" in refused["text"]
    assert (await rows(bot.app, select(func.count()).select_from(answers)))[0][0] == 2

    done = await click(bot, "UALICE", delete, blocks=asked["blocks"])
    assert done["replace_original"] is True and "Done: deleted" in done["text"] and "stay there" in done["text"]
    assert not buttons(done["blocks"])
    for table in (answers, member_stats):
        assert (await rows(bot.app, select(table.c.member_id)))[0] == ("UBOB",)
    board = await command(bot, "UBOB", "leaderboard")
    assert "bob" in board["text"] and "alice" not in board["text"]
