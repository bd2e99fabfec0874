"""Members' own data: /qotd export (JSON + CSV) and /qotd forget-me, on real databases (SQLite and PostgreSQL).

The member's data is found from the schema (every table with `member_id` and the workspace scope,
the tables hanging off them by foreign key, and the listed reference columns), so the key tests
here scan the whole schema: after export and forget-me no row of the member is left in any table
of that workspace, the other workspace is untouched, and a new member-looking column that none of
the lists covers fails `test_every_member_column_is_covered_or_explicitly_excluded`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import String, Text, func, insert, or_, select

from bot.commands import ForgetMe, parse_command
from bot.db.tables import answers, member_stats, metadata, quiz_attempts, schedules
from bot.errors import InvalidInput
from bot.ports import ChannelRef, Member
from bot.services import member_data
from bot.services.answering import AnswerSubmitted
from tests.conftest import ADMIN, ALICE, BOB, CHANNEL
from tests.test_lifecycle import advance_to, setup

ELSEWHERE = ChannelRef("test", "team-2", "general")  # another workspace where alice is a member too
SPEC = "time=09:00 tz=Europe/Berlin days=mon-fri reveal=8h"
MEMBERISH = re.compile(r"member|actor|user|author|review|owner|winner|install|_by$|^by_")


async def say(app, member, text, channel=CHANNEL):
    return await app.handle_text(channel, member, text)


async def answer_in(app, channel, member, text):
    reply = await app.answer(AnswerSubmitted(channel=channel, member=member, text=text))
    assert reply.ok, reply.text
    return reply


async def play(app, clock, *, extra_admin_rows: bool = True) -> None:
    """Two workspaces with alice in both: answers and an edit, a revealed question, practice, a self-check."""
    await setup(app, SPEC)
    assert (await say(app, ADMIN, f"/qotd setup {SPEC}", ELSEWHERE)).ok
    await advance_to(app, clock, 2)  # Monday 09:00 Berlin: both channels post
    await answer_in(app, CHANNEL, ALICE, "an index on (customer_id, created_at)")
    await answer_in(app, CHANNEL, ALICE, "a covering index, actually")  # kept as an edit
    await answer_in(app, CHANNEL, BOB, "bob's answer")
    await answer_in(app, ELSEWHERE, ALICE, "alice elsewhere")
    await advance_to(app, clock, 8)  # revealed
    for channel in (CHANNEL, ELSEWHERE):
        checked = await say(app, ALICE, "/qotd check points=1", channel)
        assert checked.ok, checked.text
        assert (await say(app, ALICE, "/qotd quiz databases", channel)).ok
        assert (await say(app, ALICE, "/qotd quiz answer", channel)).ok
        assert (await say(app, ALICE, "/qotd quiz grade hard", channel)).ok
        assert (await say(app, ALICE, "/qotd quiz check points=1,2", channel)).ok
    assert (await say(app, BOB, "/qotd quiz caching")).ok
    if extra_admin_rows:
        # alice, as an admin of team-1, changed the schedule; the audit log names her as the actor.
        alice_admin = Member(ALICE.id, ALICE.name, is_admin=True)
        assert (await say(app, alice_admin, "/qotd setup reveal=9h")).ok, "setup"
        streak = await say(app, alice_admin, '/qotd admin streak member=bob value=3 reason="was away"')
        assert streak.ok, streak.text


async def rows_naming(app, member_id: str, workspace_id: str) -> dict[str, list]:
    """Every row in any table of `workspace_id` with `member_id` in any text column (unscoped tables: any row)."""
    found: dict[str, list] = {}
    async with app.ctx.engine.connect() as conn:
        for table in metadata.sorted_tables:
            text_columns = [c for c in table.c if isinstance(c.type, (String, Text))]
            if not text_columns:
                continue
            query = select(table).where(or_(*(c == member_id for c in text_columns)))
            if "workspace_id" in table.c:
                query = query.where(table.c.workspace_id == workspace_id)
            hits = (await conn.execute(query)).all()
            if hits:
                found[table.name] = hits
    return found


async def table_counts(app, workspace_id: str) -> dict[str, int]:
    counts = {}
    async with app.ctx.engine.connect() as conn:
        for table in metadata.sorted_tables:
            query = select(func.count()).select_from(table)
            if "workspace_id" in table.c:
                query = query.where(table.c.workspace_id == workspace_id)
            counts[table.name] = (await conn.execute(query)).scalar_one()
    return counts


def attachment(reply, suffix: str) -> bytes:
    (found,) = [a for a in reply.attachments if a.filename.endswith(suffix)]
    return found.content


# ---- export ----------------------------------------------------------------------------------------------


async def test_export_holds_all_of_the_members_rows_in_the_workspace_and_nothing_else(app, clock):
    await play(app, clock)
    reply = await say(app, ALICE, "/qotd export")
    assert reply.ok and reply.private, reply.text
    assert "Here is everything qotd keeps about you" in reply.text and "/qotd forget-me" in reply.text
    assert [a.mime for a in reply.attachments] == ["application/json", "text/csv"]
    assert all(a.filename.startswith("qotd-test-team-1-u-alice-") for a in reply.attachments)

    document = json.loads(attachment(reply, ".json"))
    assert document["kind"] == "member" and document["member_id"] == ALICE.id and document["workspace_id"] == "team-1"
    tables = document["tables"]
    assert {r["text"] for r in tables["answers"]} == {"an index on (customer_id, created_at)"}  # the first counts
    assert [r["text"] for r in tables["answer_edits"]] == ["a covering index, actually"]  # later ones are edits
    assert [(r["grade"], r["question_id"].startswith("databases-")) for r in tables["quiz_attempts"]] == [("hard", True)]
    assert len(tables["member_stats"]) == 1 and tables["member_stats"][0]["points"] >= 10
    assert len(tables["key_point_checks"]) == 2  # the daily answer and the practice question
    assert tables["reviews"] and tables["review_log"]
    for name, rows in tables.items():
        for row in rows:
            assert row.get("workspace_id", "team-1") == "team-1", name
            assert row.get("member_id", ALICE.id) == ALICE.id, name
    # Rows of the workspace that name alice as the admin who changed them.
    assert set(document["mentions"]) >= {"schedules.updated_by", "admin_audit.actor_id"}
    assert document["context"]["posts"][0]["question_id"] in document["context"]["questions"]
    assert document["counts"]["answers"] == 1

    table = list(csv.DictReader(io.StringIO(attachment(reply, ".csv").decode())))
    assert sum(1 for r in table if r["table"] == "answers") == 1
    assert any(r["table"] == "answer_edits" and r["text"] == "a covering index, actually" for r in table)
    assert len(table) == sum(len(v) for v in tables.values()) + sum(len(v) for v in document["mentions"].values())
    assert "bob's answer" not in attachment(reply, ".csv").decode() and "alice elsewhere" not in attachment(reply, ".json").decode()


async def test_export_for_someone_with_no_data_says_so(app):
    reply = await say(app, ALICE, "/qotd export")
    assert reply.ok and "keeps nothing about you" in reply.text
    document = json.loads(attachment(reply, ".json"))
    assert all(rows == [] for rows in document["tables"].values())


async def test_workspace_export_is_for_admins_and_holds_only_that_workspace(app, clock):
    await play(app, clock)
    refused = await say(app, ALICE, "/qotd export workspace")
    assert not refused.ok and "only admins" in refused.text and not refused.attachments
    reply = await say(app, ADMIN, "/qotd export workspace")
    assert reply.ok and reply.private and "keep it safe" in reply.text
    document = json.loads(attachment(reply, ".json"))
    assert document["kind"] == "workspace" and document["workspace_id"] == "team-1"
    tables = document["tables"]
    assert {r["member_id"] for r in tables["answers"]} == {ALICE.id, BOB.id}
    assert "processed_events" not in tables and not any(name.startswith("slack_") for name in tables)
    for name, rows in tables.items():
        assert all(r.get("workspace_id", "team-1") == "team-1" for r in rows), name
    assert "alice elsewhere" not in attachment(reply, ".csv").decode()


# ---- forget-me -------------------------------------------------------------------------------------------


async def test_export_then_forget_me_leaves_no_row_of_that_member_in_any_table(app, clock):
    await play(app, clock)
    elsewhere_before = await table_counts(app, "team-2")
    assert await rows_naming(app, ALICE.id, "team-1")  # the scan does find her before

    exported = json.loads(attachment(await say(app, ALICE, "/qotd export"), ".json"))
    step1 = await say(app, ALICE, "/qotd forget-me")
    assert step1.ok and step1.private and "deletes everything qotd keeps about you" in step1.text
    assert "stay there" in step1.text and "/qotd export" in step1.text
    code = step1.data["forget_code"]
    assert re.fullmatch(r"[A-Z2-9]{6}", code) and f"confirm={code}" in step1.hint
    assert "  • 1 answer\n  • 1 earlier version of an answer\n" in step1.text, step1.text

    done = await say(app, ALICE, f"/qotd forget-me confirm={code}")
    assert done.ok and "Done: deleted" in done.text and "stay there" in done.text, done.text
    assert done.data["deleted"] == sum(len(rows) for rows in exported["tables"].values())

    assert await rows_naming(app, ALICE.id, "team-1") == {}
    assert await table_counts(app, "team-2") == elsewhere_before  # the other workspace is untouched
    assert await rows_naming(app, ALICE.id, "team-2")
    async with app.ctx.engine.connect() as conn:
        updated_by = (await conn.execute(select(schedules.c.updated_by).where(schedules.c.workspace_id == "team-1"))).scalar_one()
        bob_stats = (await conn.execute(select(func.count()).select_from(member_stats).where(member_stats.c.member_id == BOB.id))).scalar_one()
        bob_quiz = (await conn.execute(select(func.count()).select_from(quiz_attempts).where(quiz_attempts.c.member_id == BOB.id))).scalar_one()
    assert updated_by == member_data.FORGOTTEN_ID and bob_stats == 1 and bob_quiz == 1

    again = await say(app, ALICE, f"/qotd forget-me confirm={code}")
    assert again.ok and "nothing left to delete" in again.text
    assert "keeps nothing about you" in (await say(app, ALICE, "/qotd forget-me")).text


async def test_leaderboards_and_streaks_no_longer_show_a_forgotten_member(app, clock):
    await play(app, clock, extra_admin_rows=False)
    assert "alice" in (await say(app, BOB, "/qotd leaderboard")).text
    code = (await say(app, ALICE, "/qotd forget-me")).data["forget_code"]
    assert (await say(app, ALICE, f"/qotd forget-me {code.lower()}")).ok  # codes are case-insensitive
    for text in ("/qotd leaderboard", "/qotd leaderboard week answers", "/qotd leaderboard all streak"):
        board = await say(app, BOB, text)
        assert "alice" not in board.text and "bob" in board.text, board.text
    assert "no member called 'alice'" in (await say(app, BOB, "/qotd streak alice")).text
    assert "alice" in (await say(app, BOB, "/qotd leaderboard", ELSEWHERE)).text  # still there in the other workspace
    overview = await app.member_overview("test", "team-1", ALICE.id)
    assert not overview.has_answered and overview.practice_asked == 0


async def test_a_wrong_someone_elses_or_stale_code_deletes_nothing(app, clock):
    await play(app, clock, extra_admin_rows=False)
    before = await table_counts(app, "team-1")
    bobs = (await say(app, BOB, "/qotd forget-me")).data["forget_code"]
    alices = (await say(app, ALICE, "/qotd forget-me")).data["forget_code"]
    assert bobs != alices
    for text in (f"/qotd forget-me confirm={bobs}", "/qotd forget-me confirm=AAAAAA", "/qotd forget-me confirm=12"):
        refused = await say(app, ALICE, text)
        assert not refused.ok and ("nothing was deleted" in refused.text or "not a confirmation code" in refused.text), refused.text
    elsewhere = await say(app, ALICE, f"/qotd forget-me confirm={alices}", ELSEWHERE)  # codes are per workspace
    assert not elsewhere.ok
    assert await table_counts(app, "team-1") == before

    clock.advance(timedelta(days=1))  # yesterday's code still works the next day...
    assert member_data._code_is_valid(app.ctx, CHANNEL, ALICE, alices)
    clock.advance(timedelta(days=1))  # ...but not the day after
    stale = await say(app, ALICE, f"/qotd forget-me confirm={alices}")
    assert not stale.ok and "fresh one" in stale.text
    assert await table_counts(app, "team-1") == before


async def test_records_the_workspace_keeps_stay_without_the_members_name(app, clock):
    """An approved suggestion stays in the rotation, a past champion announcement keeps the others' names."""
    await setup(app, SPEC)
    await advance_to(app, clock, 2)
    await answer_in(app, CHANNEL, ALICE, "an answer, so alice has a display name on record")
    suggestions = metadata.tables["suggestions"]
    champions = metadata.tables["champion_announcements"]
    async with app.ctx.engine.begin() as conn:
        await conn.execute(
            insert(champions).values(
                platform="test", workspace_id="team-1", channel_id="general", month="2026-10", status="announced",
                due_at=clock.now(), expires_at=clock.now(), winners="bob, alice",
            )
        )
        for status in ("approved", "pending"):
            await conn.execute(
                insert(suggestions).values(
                    platform="test", workspace_id="team-1", channel_id="general", member_id=ALICE.id, member_name="alice",
                    status=status, question=f"A {status} question?", answer="An answer.", key_points='["a", "b", "c"]',
                    topic="caching", difficulty=1, created_at=clock.now(), reviewed_by=BOB.id, reviewer_name="bob",
                )
            )
    exported = json.loads(attachment(await say(app, ALICE, "/qotd export"), ".json"))
    assert [r["winners"] for r in exported["mentions"]["champion_announcements.winners"]] == ["bob, alice"]
    step1 = await say(app, ALICE, "/qotd forget-me")
    assert "Kept: 1 suggested question — approved" in step1.text and "in 1 workspace record (" in step1.text, step1.text
    assert (await say(app, ALICE, f"/qotd forget-me confirm={step1.data['forget_code']}")).ok
    async with app.ctx.engine.connect() as conn:
        left = (await conn.execute(select(suggestions.c.status, suggestions.c.member_id, suggestions.c.member_name))).all()
    assert left == [("approved", member_data.FORGOTTEN_ID, member_data.FORGOTTEN_NAME)]
    async with app.ctx.engine.connect() as conn:
        assert (await conn.execute(select(champions.c.winners))).scalar_one() == f"bob, {member_data.FORGOTTEN_NAME}"
    assert await rows_naming(app, ALICE.id, "team-1") == {}


# ---- the schema is covered -------------------------------------------------------------------------------


def test_every_member_column_is_covered_or_explicitly_excluded():
    """A column that looks like it names a member must be covered by export and forget-me, or excluded on purpose."""
    owned = {t.name for t in member_data.owned_tables()}
    references = set(member_data.REFERENCES) | {(t, n) for (t, _c), n in member_data.REFERENCES.items() if n}
    kept_names = {(t, k.name_column) for t, k in member_data.KEPT.items() if k.name_column}
    uncovered = []
    for table in metadata.sorted_tables:
        for column in table.c:
            if not isinstance(column.type, (String, Text)) or not MEMBERISH.search(column.name):
                continue  # member ids and names are text
            key = (table.name, column.name)
            if column.name == member_data.MEMBER_COLUMN and table.name in owned:
                continue  # the member's own rows: exported and deleted
            if table.name in owned and column.name.startswith("member_") and key not in references:
                continue  # the member's name kept next to member_id on the same row: goes with the row
            if key in references or key in kept_names or key in member_data.NAME_LISTS or key in member_data.NOT_MEMBER_DATA:
                continue
            uncovered.append(key)
    assert not uncovered, (
        "these columns look like they name a member: add them to REFERENCES (anonymised by forget-me), "
        f"or to NOT_MEMBER_DATA with the reason, in bot/services/member_data.py: {uncovered}"
    )


def test_the_listed_columns_exist_and_the_discovery_finds_the_known_tables():
    for table_name, column in [*member_data.REFERENCES, *member_data.NOT_MEMBER_DATA, *member_data.NAME_LISTS]:
        assert column in metadata.tables[table_name].c, (table_name, column)
    for (table_name, _), name_column in [*member_data.REFERENCES.items(), *member_data.NAME_LISTS.items()]:
        assert {"platform", "workspace_id"} <= set(metadata.tables[table_name].c.keys()), table_name  # found per workspace
    for (table_name, _), name_column in member_data.REFERENCES.items():
        assert name_column is None or name_column in metadata.tables[table_name].c
    for table_name, kept in member_data.KEPT.items():
        assert {kept.column, kept.name_column} <= set(metadata.tables[table_name].c.keys())
    for table_name in member_data.NOT_EXPORTED:
        assert table_name in metadata.tables
    owned = {t.name for t in member_data.owned_tables()}
    assert {"answers", "member_stats", "quiz_attempts"} <= owned
    linked = {t.name: links for t, links in member_data.linked_tables()}
    assert ("answer_id", answers, "id") in linked["answer_edits"]
    # Every table is either exported with the workspace, or is adapter-owned / skipped on purpose.
    exported = {t.name for t, _ in member_data.workspace_tables()}
    skipped = set(member_data.NOT_EXPORTED) | {"slack_installations", "slack_oauth_states"}
    assert exported | skipped == set(metadata.tables), set(metadata.tables) - exported - skipped


def test_codes_are_personal_per_workspace_and_per_day(app):
    day = datetime(2026, 11, 23).date()
    code = member_data.confirmation_code(app.ctx.settings, "test", "team-1", ALICE.id, day)
    assert re.fullmatch(r"[A-Z2-9]{6}", code)
    assert code == member_data.confirmation_code(app.ctx.settings, "test", "team-1", ALICE.id, day)
    others = {
        member_data.confirmation_code(app.ctx.settings, "test", "team-1", BOB.id, day),
        member_data.confirmation_code(app.ctx.settings, "test", "team-2", ALICE.id, day),
        member_data.confirmation_code(app.ctx.settings, "test", "team-1", ALICE.id, day + timedelta(days=1)),
    }
    assert code not in others


@pytest.mark.parametrize(
    "text, message",
    [
        ("/qotd export team", "takes 'workspace' (admins) or nothing"),
        ("/qotd export workspace extra", "at most one word"),
        ("/qotd export format=csv", "does not take 'format='"),
        ("/qotd forget-me confirm=12345", "not a confirmation code"),
        ("/qotd forget-me confirm=ABC0O1", "not a confirmation code"),
        ("/qotd forget-me ABCDEF GHJKLM", "takes one confirmation code"),
    ],
)
def test_bad_input_names_the_problem(text, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        parse_command(text)


def test_forget_me_parses_codes_in_either_form():
    assert parse_command("/qotd forget-me") == ForgetMe()
    assert parse_command("/qotd forget-me confirm=k7px2m") == ForgetMe("K7PX2M")
    assert parse_command("/qotd forget-me K7PX2M") == ForgetMe("K7PX2M")
