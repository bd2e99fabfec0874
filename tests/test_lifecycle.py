"""The question lifecycle through the core, on real SQLite and PostgreSQL: set up, post, answer, reveal."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.db.tables import answer_edits, answers, posts, schedules
from bot.services.answering import AnswerSubmitted
from tests.conftest import ADMIN, ALICE, BOB, CHANNEL


async def setup(app, spec="time=09:00 tz=Europe/Berlin days=mon-fri reveal=8h"):
    reply = await app.handle_text(CHANNEL, ADMIN, f"/qotd setup {spec}")
    assert reply.ok, reply.text
    return reply


async def advance_to(app, clock, hours: float):
    """Move the clock forward in steps, ticking, as the scheduler would."""
    end = clock.now() + timedelta(hours=hours)
    while clock.now() < end:
        clock.advance(timedelta(minutes=30))
        await app.tick()


async def answer(app, member, text="my answer", **kw):
    return await app.answer(AnswerSubmitted(channel=CHANNEL, member=member, text=text, **kw))


async def count(app, table, *where):
    async with app.ctx.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar()


async def test_setup_reports_next_post_in_local_and_utc(app):
    reply = await setup(app)
    assert "09:00 Europe/Berlin, mon-fri, reveal after 8h" in reply.text
    assert "Next question: Mon 23 Nov 09:00 CET (08:00 UTC)" in reply.text
    status = await app.handle_text(CHANNEL, ALICE, "/qotd status")
    assert "Next question: Mon 23 Nov 09:00 CET (08:00 UTC)" in status.text
    assert "No question is open" in status.text


async def test_post_answer_reveal_cycle(app, clock, port):
    await setup(app)
    await advance_to(app, clock, 2)  # 08:00 UTC = 09:00 Berlin
    assert len(port.posts) == 1
    posted = port.posts[0][1]
    assert posted.seq == 1 and posted.mode == "thread"
    assert posted.reveal_at == posted.reveal_at.replace(hour=16, minute=0)
    status = await app.handle_text(CHANNEL, ALICE, "/qotd status")
    assert "Open question: #1" in status.text

    ack = await answer(app, ALICE, "use an index")
    assert ack.ok and "Answer recorded for question #1" in ack.text
    assert [e.text for _, e in port.echoes] == ["use an index"]  # thread mode shows answers as they come
    await answer(app, BOB, "already shown", already_visible=True)
    assert len(port.echoes) == 1  # the platform already shows thread replies

    await advance_to(app, clock, 8)
    assert len(port.reveals) == 1
    reveal = port.reveals[0][1]
    assert reveal.answered_on_time == ("alice", "bob")
    assert reveal.answer.startswith("Reference answer")
    assert reveal.key_points and reveal.private_answers == ()
    assert await count(app, posts, posts.c.status == "revealed") == 1


async def test_private_mode_shows_answers_only_at_reveal(app, clock, port):
    await setup(app, "time=09:00 tz=Europe/Berlin days=daily reveal=17:00 mode=private")
    await advance_to(app, clock, 2)
    ack = await answer(app, ALICE, "secret answer")
    assert "privately" in ack.text
    assert port.echoes == []
    await advance_to(app, clock, 8)
    assert port.reveals[0][1].private_answers == (("alice", "secret answer"),)


async def test_first_answer_counts_and_later_ones_are_kept_as_edits(app, clock, port):
    await setup(app)
    await advance_to(app, clock, 2)
    await answer(app, ALICE, "first")
    ack = await answer(app, ALICE, "second thoughts")
    assert "Edit saved" in ack.text
    async with app.ctx.engine.connect() as conn:
        row = (await conn.execute(select(answers))).one()
        edits = (await conn.execute(select(answer_edits.c.text))).scalars().all()
    assert row.text == "first" and row.edit_count == 1 and row.points == 10
    assert edits == ["second thoughts"]
    streak = await app.handle_text(CHANNEL, ALICE, "/qotd streak")
    assert "streak of 1" in streak.text and "10 points" in streak.text


async def test_answer_after_reveal_is_late_and_earns_nothing(app, clock, port):
    await setup(app)
    await advance_to(app, clock, 2)
    await advance_to(app, clock, 8)
    ack = await answer(app, ALICE, "too slow")
    assert "late answer" in ack.text
    async with app.ctx.engine.connect() as conn:
        row = (await conn.execute(select(answers))).one()
    assert row.late and row.points == 0
    streak = await app.handle_text(CHANNEL, ALICE, "/qotd streak")
    assert "streak of 0" in streak.text and "1 late" in streak.text


async def test_oversized_or_empty_answer_changes_nothing(app, clock):
    await setup(app)
    await advance_to(app, clock, 2)
    big = await answer(app, ALICE, "x" * 4001)
    assert not big.ok and "4,001 characters" in big.text and "Nothing was saved" in big.text
    empty = await answer(app, ALICE, "   ")
    assert not empty.ok
    assert await count(app, answers) == 0


async def test_retried_delivery_is_recorded_once(app, clock, port):
    await setup(app)
    await advance_to(app, clock, 2)
    first = await answer(app, ALICE, "hello", event_id="evt-1")
    again = await answer(app, ALICE, "hello", event_id="evt-1")
    assert "recorded" in first.text and "already recorded" in again.text
    assert await count(app, answers) == 1 and await count(app, answer_edits) == 0
    assert len(port.echoes) == 1


async def test_answer_with_no_question_yet_is_a_friendly_error(app):
    reply = await answer(app, ALICE, "hello?")
    assert not reply.ok and "no question to answer" in reply.text


async def test_manual_post_and_reveal_commands(app, port):
    posted = await app.handle_text(CHANNEL, ADMIN, "/qotd post")
    assert posted.ok and "#1" in posted.text
    assert port.posts[0][1].scheduled is False
    revealed = await app.handle_text(CHANNEL, ADMIN, "/qotd reveal")
    assert revealed.ok and len(port.reveals) == 1
    again = await app.handle_text(CHANNEL, ADMIN, "/qotd reveal")
    assert not again.ok and "no open question" in again.text


async def test_new_post_closes_the_previous_open_question(app, port):
    await app.handle_text(CHANNEL, ADMIN, "/qotd post")
    await app.handle_text(CHANNEL, ADMIN, "/qotd post")
    assert len(port.posts) == 2 and len(port.reveals) == 1
    assert port.reveals[0][1].post_id == port.posts[0][1].post_id


async def test_admin_commands_refused_for_members_and_nothing_changes(app, port):
    for command in ("setup time=10:00", "post", "reveal", "pause", "resume", "skip"):
        reply = await app.handle_text(CHANNEL, ALICE, f"/qotd {command}")
        assert not reply.ok and "only admins" in reply.text, command
    assert await count(app, schedules) == 0 and port.posts == []


async def test_invalid_setup_names_the_bad_value_and_changes_nothing(app):
    await setup(app)
    async with app.ctx.engine.connect() as conn:
        before = (await conn.execute(select(schedules))).one()
    for spec, bad in [
        ("tz=Mars/Olympus", "Mars/Olympus"),
        ("time=25:00", "25:00"),
        ("days=funday", "funday"),
        ("reveal=-1h", "-1h"),
        ("topics=astrology", "astrology"),
        ("difficulty=5", "5"),
        ("colour=blue", "colour"),
    ]:
        reply = await app.handle_text(CHANNEL, ADMIN, f"/qotd setup {spec}")
        assert not reply.ok and bad in reply.text, (spec, reply.text)
    async with app.ctx.engine.connect() as conn:
        after = (await conn.execute(select(schedules))).one()
    assert before == after


async def test_pause_resume_and_skip(app, clock, port):
    await setup(app)
    assert "Paused" in (await app.handle_text(CHANNEL, ADMIN, "/qotd pause")).text
    await advance_to(app, clock, 30)
    assert port.posts == []
    resumed = await app.handle_text(CHANNEL, ADMIN, "/qotd resume")
    assert "Next question: Wed 25 Nov 09:00 CET" in resumed.text  # Tue 24 Nov 12:00 UTC now
    skipped = await app.handle_text(CHANNEL, ADMIN, "/qotd skip")
    assert "Skipped the question of Wed 25 Nov" in skipped.text and "Thu 26 Nov 09:00" in skipped.text
    await advance_to(app, clock, 24)
    assert port.posts == []
    await advance_to(app, clock, 24)
    assert len(port.posts) == 1


async def test_setup_again_the_same_day_does_not_post_twice(app, clock, port):
    await setup(app)
    await advance_to(app, clock, 2)
    assert len(port.posts) == 1
    await app.handle_text(CHANNEL, ADMIN, "/qotd setup time=10:00")
    await advance_to(app, clock, 3)
    assert len(port.posts) == 1  # one post per channel per scheduled day
    await advance_to(app, clock, 24)
    assert len(port.posts) == 2


async def test_missed_post_within_grace_is_made_on_restart(app, clock, port):
    await setup(app)
    clock.advance(timedelta(hours=2, minutes=5) + timedelta(hours=3))  # down from 08:00 until 11:05 UTC
    await app.tick()
    assert len(port.posts) == 1
    # reveal=8h counts from the late post, so members still get the full window
    assert port.posts[0][1].reveal_at == clock.now() + timedelta(hours=8)


async def test_missed_post_beyond_grace_is_skipped_but_reveal_still_happens(app, clock, port, caplog):
    await setup(app, "time=09:00 tz=Europe/Berlin days=daily reveal=8h")
    await advance_to(app, clock, 2)
    assert len(port.posts) == 1
    clock.advance(timedelta(hours=31))  # down for the reveal and past the next post's grace window
    await app.tick()
    assert len(port.reveals) == 1  # the open question is still revealed
    assert len(port.posts) == 1  # the missed post is skipped...
    assert "grace window" in caplog.text  # ...and logged
    assert await count(app, posts, posts.c.status == "skipped") == 1
    await advance_to(app, clock, 24)
    assert len(port.posts) == 2  # and the schedule carries on


async def test_workspaces_never_see_each_others_data(app, clock, port):
    from bot.ports import ChannelRef

    other = ChannelRef("test", "team-2", "general")
    await setup(app)
    await advance_to(app, clock, 2)
    await answer(app, ALICE, "team one answer")
    assert not (await app.answer(AnswerSubmitted(channel=other, member=ALICE, text="x"))).ok
    status = await app.handle_text(other, ALICE, "/qotd status")
    assert "No schedule" in status.text and "No question is open" in status.text
    board = await app.handle_text(other, ALICE, "/qotd leaderboard")
    assert "Nobody" in board.text
    assert "alice" in (await app.handle_text(CHANNEL, ALICE, "/qotd leaderboard")).text


async def test_quiz_is_private_and_leaves_the_rotation_alone(app, port):
    reply = await app.handle_text(CHANNEL, ALICE, "/qotd quiz databases 1")
    assert reply.private and "Databases" in reply.text and "/qotd quiz answer" in reply.hint
    shown = await app.handle_text(CHANNEL, ALICE, "/qotd quiz answer")
    assert "Reference answer" in shown.text and "first point" in shown.text
    assert await count(app, posts) == 0 and port.posts == []
    nothing = await app.handle_text(CHANNEL, BOB, "/qotd quiz answer")
    assert not nothing.ok


async def test_a_channel_the_bot_cannot_post_in_disables_its_schedule(app, clock, port):
    from bot.ports import ChannelUnavailable

    async def refuse(channel, post):
        raise ChannelUnavailable("the channel was deleted")

    await setup(app)
    port.post_question = refuse
    await advance_to(app, clock, 2)
    status = await app.handle_text(CHANNEL, ADMIN, "/qotd status")
    assert "Schedule (disabled)" in status.text and "the channel was deleted" in status.text
    assert "Next question" not in status.text
    assert await count(app, posts, posts.c.status == "skipped") == 1
    await advance_to(app, clock, 24)  # no retries against a channel that is gone
    assert await count(app, posts) == 1
    del port.post_question
    resumed = await app.handle_text(CHANNEL, ADMIN, "/qotd resume")
    assert resumed.ok and "Resumed" in resumed.text
    assert "Schedule (active)" in (await app.handle_text(CHANNEL, ADMIN, "/qotd status")).text


async def test_quiz_by_tag_and_unknown_topic_or_tag(app):
    by_tag = await app.handle_text(CHANNEL, ALICE, "/qotd quiz caching")
    assert by_tag.ok and "Caching" in by_tag.text
    unknown = await app.handle_text(CHANNEL, ALICE, "/qotd quiz astrology")
    assert not unknown.ok and "unknown topic or tag 'astrology'" in unknown.text
    typo = await app.handle_text(CHANNEL, ALICE, "/qotd quiz databse")
    assert "did you mean databases?" in typo.text


async def test_a_failed_echo_does_not_undo_a_saved_answer(app, clock, port):
    async def broken(channel, where, echo):
        raise ConnectionError("platform down")

    await setup(app)
    await advance_to(app, clock, 2)
    port.reply_in_thread = broken
    ack = await answer(app, ALICE, "still saved")
    assert ack.ok and "Answer recorded" in ack.text
    assert await count(app, answers) == 1


async def test_status_lists_channels_where_the_bot_was_stopped(app):
    from bot.ports import ChannelRef

    gone = ChannelRef("test", "team-1", "old-channel")
    await app.handle_text(gone, ADMIN, "/qotd setup time=09:00")
    await app.channel_unavailable(gone, "the channel no longer exists")
    status = await app.handle_text(CHANNEL, ADMIN, "/qotd status")
    assert "Stopped in channel old-channel: the channel no longer exists." in status.text
    assert status.data["disabled_elsewhere"] == [("old-channel", "the channel no longer exists")]
    other_workspace = await app.handle_text(ChannelRef("test", "team-2", "general"), ADMIN, "/qotd status")
    assert "old-channel" not in other_workspace.text


async def test_answer_replies_name_their_outcome_for_adapters(app, clock):
    await setup(app)
    nothing = await answer(app, ALICE, "too early")
    assert nothing.data == {"outcome": "not_found"}
    await advance_to(app, clock, 2)
    first = await answer(app, ALICE, "first", event_id="e1")
    assert first.data["outcome"] == "on_time"
    assert (await answer(app, ALICE, "first", event_id="e1")).data == {"outcome": "duplicate"}
    assert (await answer(app, ALICE, "again")).data["outcome"] == "edit"
    assert (await answer(app, ALICE, "x" * 5000)).data == {"outcome": "invalid"}
    await advance_to(app, clock, 8)
    assert (await answer(app, BOB, "late")).data["outcome"] == "late"
