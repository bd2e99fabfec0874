"""Withdrawing an answer by deleting its reply, and recomputing a member's standing from history."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.tables import answer_edits, answers, member_stats
from bot.services.member_history import recompute_member_totals
from bot.services.withdrawing import AnswerWithdrawn
from tests.conftest import ALICE, BOB, CHANNEL
from tests.test_lifecycle import advance_to, answer, count, setup
from tests.test_streaks import play_day, streak_of


async def stats_row(app, member):
    async with app.ctx.engine.connect() as conn:
        row = (await conn.execute(select(member_stats).where(member_stats.c.member_id == member.id))).first()
    return row


async def recomputed(app, member):
    async with app.ctx.engine.connect() as conn:
        return await recompute_member_totals(conn, CHANNEL, member.id)


def stored(row):
    return (row.current_streak, row.longest_streak, row.on_time_answers, row.late_answers, row.points)


def totals(t):
    return (t.current_streak, t.longest_streak, t.on_time_answers, t.late_answers, t.points)


async def open_thread(port) -> str:
    return f"thread-{port.posts[-1][1].post_id}"


async def test_deleting_the_reply_before_the_reveal_withdraws_the_answer_exactly(app, clock, port):
    await setup(app)
    await play_day(app, clock, ALICE)
    await play_day(app, clock, ALICE)
    before = stored(await stats_row(app, ALICE))
    await advance_to(app, clock, 2)
    await answer(app, ALICE, "third day answer")
    assert "streak of 3" in await streak_of(app, ALICE)
    thread = await open_thread(port)
    reply = await app.withdraw(AnswerWithdrawn(CHANNEL, ALICE.id, thread_id=thread, text="third day answer", event_id="del-1"))
    assert reply.data["outcome"] == "withdrawn" and "withdrawn" in reply.text and "streak is now 2" in reply.text
    assert stored(await stats_row(app, ALICE)) == before
    assert await count(app, answers, answers.c.member_id == ALICE.id) == 2
    # The same deletion delivered again changes nothing; the member may answer again.
    again = await app.withdraw(AnswerWithdrawn(CHANNEL, ALICE.id, thread_id=thread, text="third day answer", event_id="del-1"))
    assert again.data["outcome"] == "duplicate"
    assert (await answer(app, ALICE, "second try")).data["outcome"] == "on_time"
    assert "streak of 3" in await streak_of(app, ALICE)


async def test_a_withdrawn_answer_leaves_the_member_unanswered_at_the_reveal(app, clock, port):
    await setup(app)
    await play_day(app, clock, ALICE, BOB)
    await advance_to(app, clock, 2)
    await answer(app, BOB, "bob's answer")
    await answer(app, BOB, "bob's better answer")  # an edit: the current text
    thread = await open_thread(port)
    old = await app.withdraw(AnswerWithdrawn(CHANNEL, BOB.id, thread_id=thread, text="bob's answer"))
    assert old.data["outcome"] == "not_current"  # deleting an older reply does not withdraw
    gone = await app.withdraw(AnswerWithdrawn(CHANNEL, BOB.id, thread_id=thread, text="bob's better answer"))
    assert gone.data["outcome"] == "withdrawn"
    assert await count(app, answer_edits) == 0
    await advance_to(app, clock, 20)  # revealed: bob did not answer this one
    assert "streak of 0 (longest 1)" in await streak_of(app, BOB)
    assert bob_not_named(port)


def bob_not_named(port) -> bool:
    reveal = port.reveals[-1][1]
    return "bob" not in reveal.answered_on_time


async def test_after_the_reveal_the_answer_stays_on_record(app, clock, port):
    await setup(app)
    await advance_to(app, clock, 2)
    await answer(app, ALICE, "on time")
    thread = await open_thread(port)
    await advance_to(app, clock, 10)
    reply = await app.withdraw(AnswerWithdrawn(CHANNEL, ALICE.id, thread_id=thread, text="on time"))
    assert reply.data["outcome"] == "kept" and "stays on record" in reply.text
    assert "streak of 1" in await streak_of(app, ALICE)


async def test_unknown_threads_and_members_without_an_answer_change_nothing(app, clock, port):
    await setup(app)
    await advance_to(app, clock, 2)
    thread = await open_thread(port)
    assert (await app.withdraw(AnswerWithdrawn(CHANNEL, ALICE.id, thread_id="nope"))).data["outcome"] == "not_found"
    assert (await app.withdraw(AnswerWithdrawn(CHANNEL, ALICE.id, thread_id=thread))).data["outcome"] == "not_found"


async def test_recomputed_totals_match_the_incremental_ones_over_mixed_days(app, clock):
    await setup(app, "time=09:00 tz=Europe/Berlin days=daily reveal=8h")
    pattern = [(ALICE, BOB), (ALICE,), (BOB,), (ALICE, BOB), (), (ALICE, BOB), (ALICE,)]
    for who in pattern:
        await play_day(app, clock, *who)
    await advance_to(app, clock, 12)  # a late answer after the next reveal
    await answer(app, BOB, "late one")
    for member in (ALICE, BOB):
        assert totals(await recomputed(app, member)) == stored(await stats_row(app, member)), member.name


async def test_a_deletion_naming_only_the_message_is_traced_to_its_answer(app, clock, port):
    """Some platforms say only which message was deleted: the ids stored with answers and edits find it."""
    from bot.services.answering import AnswerSubmitted

    await setup(app)
    await advance_to(app, clock, 2)
    thread = await open_thread(port)

    async def reply(member, text, message_id):
        return await app.answer(AnswerSubmitted(CHANNEL, member, text, thread_id=thread, message_id=message_id,
                                                event_id=f"msg-{message_id}", already_visible=True))

    assert (await reply(ALICE, "first thought", "m1")).data["outcome"] == "on_time"
    assert (await reply(ALICE, "better thought", "m2")).data["outcome"] == "edit"
    assert (await reply(BOB, "bob's answer", "m3")).data["outcome"] == "on_time"

    def deleted(message_id):
        return AnswerWithdrawn(CHANNEL, None, thread_id=thread, message_id=message_id, event_id=f"del-{message_id}")

    assert (await app.withdraw(deleted("m-unknown"))).data["outcome"] == "not_found"
    assert (await app.withdraw(deleted("m1"))).data["outcome"] == "not_current"  # alice's answer is now m2's text
    assert await count(app, answers) == 2
    gone = await app.withdraw(deleted("m2"))
    assert gone.data["outcome"] == "withdrawn" and gone.data["member_id"] == ALICE.id
    async with app.ctx.engine.connect() as conn:
        left = (await conn.execute(select(answers.c.member_id, answers.c.message_id))).all()
    assert left == [(BOB.id, "m3")]
    assert await count(app, answer_edits) == 0
