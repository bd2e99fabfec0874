"""Suggestions, their moderation and per-workspace topic switches, through the core on SQLite and PostgreSQL.

A member suggests a question, an admin approves, edits or rejects it, the member is told, and an
approved question joins that workspace's rotation, quizzes and reveals (credited to its author)
and no other workspace's. Workspaces turn built-in topics off and on.
"""

from __future__ import annotations

import asyncio
import json
import shlex

from sqlalchemy import func, select

from bot.commands import parse_command
from bot.db.tables import disabled_topics, posts, suggestions
from bot.errors import InvalidInput
from bot.ports import ChannelRef, Member
from bot.question_source import find_question, questions_for
from tests.conftest import ADMIN, ALICE, BOB, CHANNEL

OTHER_TEAM = ChannelRef("test", "team-2", "general")
OTHER_ADMIN = Member("u-other", "Olga", is_admin=True)
ANSWER = "A stampede is many clients missing the same key at once and all rebuilding it from the database together."
FIELDS = {
    "question": "What is a cache stampede and how do you prevent one?",
    "answer": ANSWER,
    "points": "many misses on one key; lock or single-flight the rebuild; jitter expiry times",
    "topic": "caching",
    "difficulty": "3",
}


def suggest_text(**changes: str) -> str:
    fields = {**FIELDS, **changes}
    return "/qotd suggest " + " ".join(f"{k}={shlex.quote(v)}" for k, v in fields.items())


async def suggest(app, member=ALICE, channel=CHANNEL, **changes) -> int:
    reply = await app.handle_text(channel, member, suggest_text(**changes))
    assert reply.ok, reply.text
    return int(reply.data["suggestion"])


async def count(app, table, *where) -> int:
    async with app.ctx.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar()


async def row(app, suggestion_id: int):
    async with app.ctx.engine.connect() as conn:
        return (await conn.execute(select(suggestions).where(suggestions.c.id == suggestion_id))).first()


# ---- suggesting ----------------------------------------------------------------------------------------


async def test_a_suggestion_waits_in_its_workspace_queue_with_an_id(app):
    reply = await app.handle_text(CHANNEL, ALICE, suggest_text())
    assert reply.ok and reply.private
    assert "Your question is suggestion #1 (Caching, difficulty 3)" in reply.text
    stored = await row(app, 1)
    assert (stored.status, stored.member_id, stored.member_name, stored.channel_id) == ("pending", "u-alice", "alice", "general")
    assert json.loads(stored.key_points) == ["many misses on one key", "lock or single-flight the rebuild", "jitter expiry times"]

    queue = await app.handle_text(CHANNEL, ADMIN, "/qotd admin suggestions")
    assert queue.ok and queue.private
    assert queue.text.startswith("1 suggestion waiting for review")
    assert "#1 from alice · Caching · difficulty 3 (senior)" in queue.text
    assert "Key points: many misses on one key · lock or single-flight the rebuild · jitter expiry times" in queue.text
    assert "/qotd admin approve id=N" in queue.hint
    (card,) = queue.data["suggestions"]
    assert card["id"] == 1 and card["status"] == "pending" and card["duplicate"] is None

    elsewhere = await app.handle_text(OTHER_TEAM, OTHER_ADMIN, "/qotd admin suggestions")
    assert elsewhere.ok and "No suggestions are waiting for review" in elsewhere.text


async def test_bad_suggestions_name_every_bad_field_and_store_nothing(app):
    cases = {
        suggest_text(topic="cachng"): "unknown topic 'cachng' (did you mean caching?)",
        suggest_text(difficulty="5"): "difficulty '5' must be 1 (warm-up), 2 (solid) or 3 (senior)",
        suggest_text(points=";".join(f"point {n}" for n in range(9))): "9 key points; give 1 to 8",
        suggest_text(points=" ; "): "no key points; give 1 to 8",
        suggest_text(question="Why?"): "the question is only 4 characters; write at least 15",
        suggest_text(answer="Because."): "the reference answer has 1 word; write at least 10",
        suggest_text(answer="word " * 301): "the reference answer has 301 words",
        '/qotd suggest question="What is a cache stampede?"': "answer= is missing",
        "/qotd suggest caching": "takes key=value options, not 'caching'",
        suggest_text() + " tags=x": "does not take 'tags='",
        "/qotd suggest": "tell us the question: /qotd suggest question=",
    }
    for text, expected in cases.items():
        reply = await app.handle_text(CHANNEL, ALICE, text)
        assert not reply.ok and reply.private, text
        assert expected in reply.text, (text, reply.text)
    both = await app.handle_text(CHANNEL, ALICE, suggest_text(topic="nope", difficulty="0"))
    assert "unknown topic 'nope'" in both.text and "difficulty '0'" in both.text
    assert await count(app, suggestions) == 0


async def test_the_same_question_twice_and_too_many_waiting_are_refused(app):
    await suggest(app)
    again = await app.handle_text(CHANNEL, ALICE, suggest_text())
    assert not again.ok and "you already suggested this question (#1)" in again.text
    for n in range(2, 11):
        await suggest(app, question=f"Question number {n} about cache keys and their expiry?")
    over = await app.handle_text(CHANNEL, ALICE, suggest_text(question="One more question about cache warming, please?"))
    assert not over.ok and "you have 10 suggestions waiting for review" in over.text
    assert await count(app, suggestions) == 10
    assert (await app.handle_text(CHANNEL, BOB, suggest_text())).ok  # another member is not limited by alice


# ---- moderation ----------------------------------------------------------------------------------------


async def test_approving_tells_the_member_and_the_question_joins_only_this_workspace(app, port):
    setup = "/qotd setup time=09:00 tz=UTC days=daily reveal=8h topics=caching difficulty=3"
    refused = await app.handle_text(CHANNEL, ADMIN, setup)
    assert not refused.ok and "no question in the bank matches topics=caching difficulty=3-3" in refused.text

    sid = await suggest(app)
    await suggest(app, member=BOB, channel=OTHER_TEAM)  # the same text in another workspace: its own queue
    reply = await app.handle_text(CHANNEL, ADMIN, f"/qotd admin approve id={sid}")
    assert reply.ok and reply.private
    assert reply.text == (
        f"Approved suggestion #{sid} from alice: it joins this workspace's rotation as ws-{sid}. alice was told."
    )
    assert reply.data["card"]["status"] == "approved"
    ((where, member_id, told),) = port.private
    assert where == CHANNEL and member_id == "u-alice"
    assert f"your suggested question #{sid} was approved by Ada" in told and "What is a cache stampede" in told
    stored = await row(app, sid)
    assert (stored.status, stored.reviewed_by, stored.reviewer_name) == ("approved", "u-admin", "Ada")

    assert (await app.handle_text(CHANNEL, ADMIN, setup)).ok  # now a question matches
    posted = await app.handle_text(CHANNEL, ADMIN, "/qotd post")
    assert posted.ok, posted.text
    (_, question), = port.posts
    assert question.question_id == f"ws-{sid}" and question.text == FIELDS["question"] and question.difficulty == 3
    assert (await app.handle_text(CHANNEL, ADMIN, "/qotd reveal")).ok
    (_, reveal), = port.reveals
    assert reveal.answer == ANSWER and reveal.credit == "Suggested by alice"
    assert reveal.key_points == ("many misses on one key", "lock or single-flight the rebuild", "jitter expiry times")

    # Another workspace never sees it, by rotation or by id.
    assert not (await app.handle_text(OTHER_TEAM, OTHER_ADMIN, setup)).ok
    assert await find_question(app.ctx, OTHER_TEAM, f"ws-{sid}") is None
    assert (await find_question(app.ctx, CHANNEL, f"ws-{sid}")).suggested_by == "alice"


async def test_rejecting_needs_a_reason_and_tells_the_member_why(app, port):
    sid = await suggest(app)
    missing = await app.handle_text(CHANNEL, ADMIN, f"/qotd admin reject id={sid}")
    assert not missing.ok and "/qotd admin reject needs reason=" in missing.text
    blank = await app.handle_text(CHANNEL, ADMIN, f'/qotd admin reject id={sid} reason="  "')
    assert not blank.ok and "needs reason=" in blank.text
    assert (await row(app, sid)).status == "pending" and not port.private

    reply = await app.handle_text(CHANNEL, ADMIN, f'/qotd admin reject {sid} "the bank already covers stampedes"')
    assert reply.ok and reply.text == f"Rejected suggestion #{sid} from alice. alice was told."
    ((_, member_id, told),) = port.private
    assert member_id == "u-alice" and "was not taken this time. Ada said: the bank already covers stampedes" in told
    stored = await row(app, sid)
    assert (stored.status, stored.reason) == ("rejected", "the bank already covers stampedes")

    again = await app.handle_text(CHANNEL, ADMIN, f"/qotd admin approve id={sid}")
    assert not again.ok and f"suggestion #{sid} was already rejected by Ada; nothing changed" in again.text
    assert (await row(app, sid)).status == "rejected" and len(port.private) == 1
    assert await find_question(app.ctx, CHANNEL, f"ws-{sid}") is None


async def test_editing_changes_only_what_is_given_and_keeps_it_waiting(app, port):
    sid = await suggest(app)
    reply = await app.handle_text(
        CHANNEL, ADMIN, f'/qotd admin edit id={sid} difficulty=2 points="single-flight the rebuild; add jitter"'
    )
    assert reply.ok and reply.text.startswith(f"Updated suggestion #{sid} (points, difficulty); it still waits for review.")
    card = reply.data["card"]
    assert card["difficulty"] == 2 and card["key_points"] == ["single-flight the rebuild", "add jitter"] and card["edited"]
    assert card["question"] == FIELDS["question"] and card["topic"] == "caching"

    for text, expected in {
        f"/qotd admin edit id={sid}": "say what to change",
        f"/qotd admin edit id={sid} topic=cachng": "unknown topic 'cachng'",
        f"/qotd admin edit id={sid} kind=debug": "does not take 'kind='",
        "/qotd admin edit id=abc topic=caching": "id 'abc' must be a suggestion number",
        "/qotd admin edit id=99 topic=databases": "there is no suggestion #99 in this workspace",
    }.items():
        bad = await app.handle_text(CHANNEL, ADMIN, text)
        assert not bad.ok and expected in bad.text, (text, bad.text)
    assert (await row(app, sid)).difficulty == 2 and (await row(app, sid)).topic == "caching"

    approved = await app.handle_text(CHANNEL, ADMIN, f"/qotd admin approve {sid}")
    assert approved.ok and "with a few edits" in port.private[-1][2]
    late = await app.handle_text(CHANNEL, ADMIN, f"/qotd admin edit id={sid} difficulty=1")
    assert not late.ok and "was already approved" in late.text
    assert (await find_question(app.ctx, CHANNEL, f"ws-{sid}")).difficulty == 2


async def test_only_admins_moderate_and_other_workspaces_cannot_touch_the_queue(app):
    sid = await suggest(app)
    for text in ("/qotd admin suggestions", f"/qotd admin approve id={sid}", f'/qotd admin reject id={sid} reason="no"',
                 f"/qotd admin edit id={sid} difficulty=1", "/qotd admin topics disable=caching"):
        refused = await app.handle_text(CHANNEL, BOB, text)
        assert not refused.ok and refused.data["outcome"] == "not_allowed", text
        assert "only admins can use /qotd admin" in refused.text
    foreign = await app.handle_text(OTHER_TEAM, OTHER_ADMIN, f"/qotd admin approve id={sid}")
    assert not foreign.ok and f"there is no suggestion #{sid} in this workspace" in foreign.text
    assert (await row(app, sid)).status == "pending"
    assert await count(app, disabled_topics) == 0


async def test_two_admins_deciding_at_once_decide_once(app, port):
    sid = await suggest(app)
    second_admin = Member("u-admin2", "Ben", is_admin=True)
    approve, reject = await asyncio.gather(
        app.handle_text(CHANNEL, ADMIN, f"/qotd admin approve id={sid}"),
        app.handle_text(CHANNEL, second_admin, f'/qotd admin reject id={sid} reason="duplicate"'),
    )
    assert sorted([approve.ok, reject.ok]) == [False, True]
    loser = reject if approve.ok else approve
    assert "was already" in loser.text
    assert len(port.private) == 1  # the member hears one decision


async def test_a_member_who_cannot_be_told_does_not_undo_the_decision(app, port, caplog):
    async def unreachable(channel, member_id, text):
        raise ConnectionError("direct messages are closed")

    port.send_private = unreachable
    sid = await suggest(app)
    reply = await app.handle_text(CHANNEL, ADMIN, f"/qotd admin approve id={sid}")
    assert reply.ok and "alice could not be told (see the log)" in reply.text and reply.data["told"] is False
    assert (await row(app, sid)).status == "approved"
    assert "could not tell u-alice about suggestion" in caplog.text


async def test_near_duplicates_of_known_questions_are_flagged_to_the_moderator(app):
    # make_bank's caching questions read "Question 1 about caching?"; this one asks the same in other words.
    await suggest(app, question="Question about caching number 1, please?")
    await suggest(app, member=BOB, question="What does a CDN cache, and for how long, in practice?")
    await suggest(app, member=ADMIN, question="In practice, what does a CDN cache and for how long?")
    queue = await app.handle_text(CHANNEL, ADMIN, "/qotd admin suggestions")
    first, fresh, copy = queue.data["suggestions"]
    assert first["duplicate"]["id"] == "caching-q1" and first["duplicate"]["score"] >= 0.6
    assert '⚠ Looks like caching-q1 (similarity 0.67): "Question 1 about caching?"' in queue.text
    assert fresh["duplicate"] is None
    assert copy["duplicate"]["id"] == f"suggestion #{fresh['id']}"


async def test_the_queue_shows_the_oldest_five_and_counts_the_rest(app):
    for n in range(7):
        await suggest(app, question=f"Suggested question {n} about consistent hashing rings?")
    queue = await app.handle_text(CHANNEL, ADMIN, "/qotd admin suggestions")
    assert queue.text.startswith("7 suggestions waiting for review; here are the oldest 5")
    assert [c["id"] for c in queue.data["suggestions"]] == [1, 2, 3, 4, 5] and queue.data["pending_total"] == 7


# ---- approved questions in quizzes ------------------------------------------------------------------------


async def test_an_approved_suggestion_is_a_practice_question_of_its_workspace(app):
    sid = await suggest(app)
    await app.handle_text(CHANNEL, ADMIN, f"/qotd admin approve id={sid}")
    asked = await app.handle_text(CHANNEL, BOB, "/qotd quiz caching 3")
    assert asked.ok and asked.data["question_id"] == f"ws-{sid}" and FIELDS["question"] in asked.text
    shown = await app.handle_text(CHANNEL, BOB, "/qotd quiz answer")
    assert shown.ok and ANSWER in shown.text and "jitter expiry times" in shown.text
    other = await app.handle_text(OTHER_TEAM, BOB, "/qotd quiz caching 3")
    assert not other.ok


# ---- topics per workspace ------------------------------------------------------------------------------


async def test_disabled_topics_leave_the_rotation_and_quizzes_but_suggestions_stay(app, port):
    listing = await app.handle_text(CHANNEL, ADMIN, "/qotd admin topics")
    assert listing.ok and "Built-in topics here (12 on, 0 off):" in listing.text
    assert "  on   caching" in listing.text and "Caching · 2 built-in" in listing.text

    reply = await app.handle_text(CHANNEL, ADMIN, "/qotd admin topics disable=caching,databases")
    assert reply.ok and reply.text.startswith("Turned off: caching, databases.")
    assert "  off  caching" in reply.text and "(10 on, 2 off)" in reply.text
    quiz = await app.handle_text(CHANNEL, BOB, "/qotd quiz caching")
    assert not quiz.ok and "the topic caching is turned off in this workspace" in quiz.text
    assert (await app.handle_text(OTHER_TEAM, BOB, "/qotd quiz caching")).ok  # only this workspace

    source = await questions_for(app.ctx, CHANNEL)
    assert not [q for q in source.eligible() if q.topic in ("caching", "databases")]
    assert await find_question(app.ctx, CHANNEL, "caching-q1") is not None  # old posts still reveal

    sid = await suggest(app)
    await app.handle_text(CHANNEL, ADMIN, f"/qotd admin approve id={sid}")
    quiz = await app.handle_text(CHANNEL, BOB, "/qotd quiz caching")
    assert quiz.ok and quiz.data["question_id"] == f"ws-{sid}"  # approved suggestions stay, whatever the topic
    listing = await app.handle_text(CHANNEL, ADMIN, "/qotd admin topics")
    assert "Caching · 2 built-in + 1 suggested" in listing.text and "Approved suggestions (1)" in listing.text

    assert (await app.handle_text(CHANNEL, ADMIN, "/qotd setup time=09:00 tz=UTC days=daily reveal=1h")).ok
    for _ in range(12):
        assert (await app.handle_text(CHANNEL, ADMIN, "/qotd post")).ok
    topics_posted = {question.topic for _, question in port.posts if not question.question_id.startswith("ws-")}
    assert topics_posted and not topics_posted & {"caching", "databases"}

    back = await app.handle_text(CHANNEL, ADMIN, "/qotd admin topics enable=all")
    assert back.ok and back.text.startswith("Turned back on: caching, databases.")
    assert await count(app, disabled_topics) == 0


async def test_topic_switches_refuse_bad_input_and_leaving_nothing_to_post(app):
    for text, expected in {
        "/qotd admin topics disable=cachng": "disable=: unknown topic 'cachng' (did you mean caching?)",
        "/qotd admin topics disable=caching enable=caching": "'caching' is both in disable= and enable=",
        "/qotd admin topics enable=": "enable= is empty",
        "/qotd admin topics disable=all": "would leave this workspace with no question to post",
        "/qotd admin topics switch=caching": "does not take 'switch='",
    }.items():
        reply = await app.handle_text(CHANNEL, ADMIN, text)
        assert not reply.ok and expected in reply.text, (text, reply.text)
    assert await count(app, disabled_topics) == 0
    same = await app.handle_text(CHANNEL, ADMIN, "/qotd admin topics enable=caching")
    assert same.ok and same.text.startswith("Nothing to change")


async def test_turning_a_topic_off_warns_about_schedules_left_with_nothing(app):
    assert (await app.handle_text(CHANNEL, ADMIN, "/qotd setup time=09:00 tz=UTC days=daily reveal=8h topics=security")).ok
    reply = await app.handle_text(CHANNEL, ADMIN, "/qotd admin topics disable=security")
    assert reply.ok
    assert "Heads-up: the schedule in channel general now matches no question (its filters: security" in reply.text
    post = await app.handle_text(CHANNEL, ADMIN, "/qotd post")
    assert not post.ok and "no question matches this channel's topic and difficulty filters" in post.text
    assert await count(app, posts) == 0


def test_the_text_form_parses_into_a_checked_draft():
    command = parse_command(suggest_text(points="- first\n- second\n3. third"))
    assert command.draft.key_points == ("first", "second", "third")
    try:
        parse_command("/qotd admin approve id=#x")
    except InvalidInput as exc:
        assert "id '#x' must be a suggestion number" in exc.message
    else:  # pragma: no cover
        raise AssertionError("a bad id was accepted")
    assert parse_command("/qotd admin approve #7").options == {"id": "7"}


def test_bank_files_cannot_use_the_ids_kept_for_suggestions(tmp_path):
    from bot.question_bank import read_bank

    answer = " ".join(["A reference answer long enough for the bank's rules."] * 8)
    (tmp_path / "mine.yaml").write_text(
        "- id: ws-12\n  topic: caching\n  tags: [caching]\n  difficulty: 1\n  kind: concept\n"
        f"  question: Why cache?\n  answer: {answer}\n  key_points: [one, two, three]\n",
        encoding="utf-8",
    )
    _, problems = read_bank(tmp_path)
    assert [p.message for p in problems] == [
        "id: 'ws-12': ids 'ws-' plus a number are kept for questions members suggest; pick another"
    ]
