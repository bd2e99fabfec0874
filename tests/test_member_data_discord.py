"""/qotd report, export and forget-me on Discord, end to end: the real discord.py client against FakeDiscord.

Files travel as multipart attachments on the interaction's response (the @original edit of a
deferred reply); member data is ephemeral, the team report and its chart are public. The
forget-me button is persistent: its custom_id carries the member's confirmation code.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from bot.db.tables import answers, member_stats, quiz_attempts
from bot.report_chart import PNG_SIGNATURE
from tests.test_discord_adapter import (
    EPHEMERAL,
    answer_with_modal,
    assert_clean,
    buttons,
    interact,
    post_scheduled,
    result_message,
    reveal_by_clock,
    rows,
    running,
    set_up,
    slash,
    text_of,
    webhook_path,
)
from tests.test_discord_adapter import bot, clock, fake  # noqa: F401  (fixtures)


@pytest.fixture(scope="module", autouse=True)
def chart_library_loaded():
    """matplotlib's first import takes seconds on a busy machine; pay it before the fake's 5-second waits."""
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401


def files_sent(fake, record) -> list[dict]:
    """The files uploaded with an interaction's result (its @original edit or follow-ups)."""
    calls = fake.calls_to(None, webhook_path(fake, record.payload))
    return [f for call in calls for f in call.files]


async def test_export_is_an_ephemeral_reply_with_json_and_csv_files(bot):
    fake = bot.fake
    await set_up(bot)
    question, _ = await post_scheduled(bot)
    await answer_with_modal(bot, question, fake.member, "my answer")
    await answer_with_modal(bot, question, fake.member2, "someone else's answer")

    record = await slash(fake, fake.member, "export")
    assert record.response_type == 5 and record.response_data["flags"] == EPHEMERAL
    message = result_message(fake, record)
    assert message["flags"] & EPHEMERAL and "Here is everything qotd keeps about you" in text_of(message)
    assert sorted(a["filename"].rsplit(".", 1)[1] for a in message["attachments"]) == ["csv", "json"]
    sent = {f["filename"].rsplit(".", 1)[1]: f for f in files_sent(fake, record)}
    document = json.loads(sent["json"]["data"])
    assert document["member_id"] == str(fake.member.id) and document["workspace_id"] == str(fake.guild.id)
    assert [a["text"] for a in document["tables"]["answers"]] == ["my answer"]
    assert b"my answer" in sent["csv"]["data"] and b"someone else" not in sent["csv"]["data"]
    assert fake.channel_messages(fake.qotd_channel)[-1].get("attachments") in (None, [])  # nothing public
    assert_clean(fake)


async def test_workspace_export_is_refused_for_members_and_private_for_admins(bot):
    fake = bot.fake
    refused = await slash(fake, fake.member, "export", scope="workspace")
    assert "only admins" in text_of(result_message(fake, refused)) and not files_sent(fake, refused)
    record = await slash(fake, fake.admin, "export", scope="workspace")
    assert result_message(fake, record)["flags"] & EPHEMERAL
    names = [f["filename"] for f in files_sent(fake, record)]
    assert len(names) == 2 and all("-workspace-" in n for n in names)
    assert_clean(fake)


async def test_reports_member_private_team_public_with_a_png_chart(bot):
    fake = bot.fake
    await set_up(bot)
    question, _ = await post_scheduled(bot)
    await answer_with_modal(bot, question, fake.member, "my answer")
    await reveal_by_clock(bot)

    mine = await slash(fake, fake.member, "report")
    assert mine.response_data["flags"] == EPHEMERAL and "Your report (this workspace)" in text_of(result_message(fake, mine))
    # A member asking for the team report: the public "thinking…" goes, the refusal is only for them.
    payload = fake.slash_command(fake.guild, fake.qotd_channel, fake.member, subcommand="report", options={"scope": "team"})
    refused = await interact(fake, payload, updates=3)  # edit the placeholder, follow up privately, delete it
    (followup,) = refused.followups
    assert followup["flags"] & EPHEMERAL and "only admins" in text_of(followup)

    team = await slash(fake, fake.admin, "report", scope="team")
    assert team.response_type == 5 and not team.response_data.get("flags", 0) & EPHEMERAL  # public from the start
    message = result_message(fake, team)
    assert not message["flags"] & EPHEMERAL and "Team report — this channel" in text_of(message)
    (chart,) = files_sent(fake, team)
    assert chart["filename"].endswith(".png") and chart["data"].startswith(PNG_SIGNATURE)
    assert [a["filename"] for a in message["attachments"]] == [chart["filename"]]
    assert_clean(fake)


async def test_forget_me_asks_first_then_deletes_with_a_button_that_survives_a_restart(fake, tmp_path, clock):
    async with running(fake, tmp_path, clock) as bot:
        await set_up(bot)
        question, _ = await post_scheduled(bot)
        await answer_with_modal(bot, question, fake.member, "my answer")
        await answer_with_modal(bot, question, fake.member2, "bob's answer")
        await interact(fake, fake.slash_command(fake.guild, fake.qotd_channel, fake.member, subcommand="quiz"))

        wrong = await slash(fake, fake.member, "forget-me", confirm="AAAAAA")
        assert "nothing was deleted" in text_of(result_message(fake, wrong))
        asked = await slash(fake, fake.member, "forget-me")
        message = result_message(fake, asked)
        assert message["flags"] & EPHEMERAL and "This deletes everything qotd keeps about you" in text_of(message)
        assert "stay there" in text_of(message)
        (button,) = buttons(message)
        assert button["label"] == "Delete my data" and re.fullmatch(r"qotd:forget:[A-Z2-9]{6}", button["custom_id"])

    async with running(fake, tmp_path, clock) as bot:  # a new client and a new Qotd on the same database
        # Someone else clicking the same button (say it was shared) deletes nothing of theirs, nor of the member's.
        other = await interact(fake, fake.button_click(button["custom_id"], message, fake.member2))
        assert other.followups and "not your current confirmation code" in text_of(other.followups[0])

        done = await interact(fake, fake.button_click(button["custom_id"], message, fake.member))
        assert done.response_type == 6
        updated = fake.message(message["id"])
        assert "Done: deleted" in text_of(updated) and not buttons(updated)
        me = str(fake.member.id)
        for table in (answers, member_stats, quiz_attempts):
            assert (await rows(bot.app, select(func.count()).select_from(table).where(table.c.member_id == me)))[0][0] == 0
        bobs = select(func.count()).select_from(answers).where(answers.c.member_id == str(fake.member2.id))
        assert (await rows(bot.app, bobs))[0][0] == 1

        board = await slash(fake, fake.member2, "leaderboard")
        text = text_of(result_message(fake, board))
        assert "alice" not in text and "bob" in text, text
        assert_clean(fake)
