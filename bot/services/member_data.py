"""A member's own data: export it (JSON and CSV) or erase it (forget-me), always inside one workspace.

What counts as a member's data is worked out from the schema, not listed by hand, so a table added
later is covered without touching this module:

* **owned tables**: every table with a `member_id` column and the scope columns `platform` +
  `workspace_id`. The member's rows there are exported and deleted.
* **linked tables**: tables reached by a foreign key from an owned (or linked) row, such as
  `answer_edits -> answers`. A row linked to one of the member's rows is theirs too.
* **references**: columns in other people's rows that name the member (who last changed a
  schedule, who reviewed a suggestion, who made an audited change). They are listed explicitly in
  `REFERENCES`; forget-me overwrites them with a placeholder instead of deleting the row, since
  the row belongs to the workspace.
* **name lists**: text columns listing members by display name (`NAME_LISTS`, e.g. the champions
  announced for a month); forget-me swaps the member's names there for a placeholder.
* **kept rows**: owned rows the workspace keeps without the member's name (`KEPT`): an approved
  suggestion is a question in the team's rotation, so it stays, anonymised.

Columns that look like a member reference but are deliberately left alone are in `NOT_MEMBER_DATA`
with the reason; tests/test_member_data.py fails when a new member-looking column is in none of
these lists.

Forget-me takes two steps: `/qotd forget-me` says what will go and gives a short code; `/qotd
forget-me confirm=CODE` deletes. The code is an HMAC of platform, workspace, member and the UTC date
under a per-deployment secret (QOTD_SECRET, else one derived from DATABASE_URL, so every instance
agrees); it is valid that day and the next. Nothing is stored for it.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, delete, false, func, or_, select, update

from bot.commands import FORGET_CODE_ALPHABET, FORGET_CODE_LENGTH, Export, ForgetMe
from bot.config import Settings
from bot.context import Context
from bot.db.tables import answers, metadata, posts
from bot.errors import InvalidInput, NotAllowed
from bot.ports import Attachment, ChannelRef, Member, Reply
from bot.question_source import find_question

SCOPE = ("platform", "workspace_id")
MEMBER_COLUMN = "member_id"
FORGOTTEN_ID = "forgotten"
FORGOTTEN_NAME = "a former member"
EXPORT_FORMAT = "qotd-export-1"

# Columns in rows that belong to the workspace but name a member: (table, column) -> the column holding
# that member's display name, if any. Forget-me overwrites both with a placeholder.
REFERENCES: dict[tuple[str, str], str | None] = {
    ("schedules", "updated_by"): None,
    ("admin_audit", "actor_id"): "actor_name",
    ("seasons", "started_by"): None,
    ("seasons", "ended_by"): None,
    ("suggestions", "edited_by"): None,
    ("suggestions", "reviewed_by"): "reviewer_name",
    ("disabled_topics", "disabled_by"): None,
}

# Text columns that list members by display name, with the separator: forget-me swaps the member's names
# (as kept on their own rows: NAME_COLUMNS) for a placeholder. Another member with the very same display
# name in the same list would be swapped too; these lists are records of past announcements only.
NAME_LISTS: dict[tuple[str, str], str] = {
    ("champion_announcements", "winners"): ", ",
}
NAME_COLUMNS = ("member_name", "display_name")


@dataclass(frozen=True)
class Kept:
    """Owned rows that stay (anonymised) when `column` equals `value`."""

    column: str
    value: str
    name_column: str | None
    why: str


KEPT: dict[str, Kept] = {
    "suggestions": Kept(
        "status", "approved", "member_name", "approved questions you suggested stay in the workspace's rotation, without your name"
    ),
}

# Columns that look like they name a member but are not a member's data here, and why.
NOT_MEMBER_DATA: dict[tuple[str, str], str] = {
    ("slack_installations", "installer_user_id"): (
        "the Slack adapter's record of the workspace's installation (not scoped like member data); "
        "it goes when the app is uninstalled"
    ),
    ("slack_installations", "bot_user_id"): "the bot's own user, not a member",
}

# Tables left out of a workspace export, and why.
NOT_EXPORTED: dict[str, str] = {
    "processed_events": "delivery bookkeeping (ids of platform events already handled), nothing about people",
}

# How the counts read in messages (one, several), in this order; a table not listed reads as its name.
LABELS: dict[str, tuple[str, str]] = {
    "answers": ("answer", "answers"),
    "answer_edits": ("earlier version of an answer", "earlier versions of answers"),
    "member_stats": ("streak and points record", "streak and points records"),
    "quiz_attempts": ("practice question and grade", "practice questions and grades"),
    "key_point_checks": ("key-point self-check", "key-point self-checks"),
    "reviews": ("review schedule", "review schedules"),
    "review_log": ("review log entry", "review log entries"),
    "streak_freezes": ("streak freeze record", "streak freeze records"),
    "admin_audit": ("admin log entry about you", "admin log entries about you"),
    "suggestions": ("suggested question", "suggested questions"),
}


def label(table_name: str, count: int) -> str:
    one, several = LABELS.get(table_name, (table_name.replace("_", " "), table_name.replace("_", " ")))
    return f"{count} {one if count == 1 else several}"


def _in_label_order(counts: dict[str, int]) -> list[tuple[str, int]]:
    order = {name: n for n, name in enumerate(LABELS)}
    return sorted(counts.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))


# ---- what the schema says ------------------------------------------------------------------------------


def _scoped(table: Table) -> bool:
    return all(name in table.c for name in SCOPE)


def owned_tables() -> list[Table]:
    """Tables whose rows belong to one member of one workspace, parents before children."""
    return [t for t in metadata.sorted_tables if MEMBER_COLUMN in t.c and _scoped(t)]


def linked_tables() -> list[tuple[Table, list[tuple[str, Table, str]]]]:
    """Tables without a member column whose rows hang off a member's rows by foreign key.

    Each comes with its links: (its column, the parent table, the parent's column). Found
    transitively, so a table hanging off a linked table is linked too; parents come first.
    """
    known = {t.name for t in owned_tables()}
    found: list[tuple[Table, list[tuple[str, Table, str]]]] = []
    changed = True
    while changed:
        changed = False
        for table in metadata.sorted_tables:
            if table.name in known:
                continue
            links = [
                (fk.parent.name, fk.column.table, fk.column.name)
                for fk in table.foreign_keys
                if fk.column.table.name in known
            ]
            if links:
                found.append((table, links))
                known.add(table.name)
                changed = True
    return found


def member_filter(table: Table, platform: str, workspace_id: str, member_id: str):
    """The SQL condition selecting `member_id`'s rows of an owned or linked table in one workspace."""
    if MEMBER_COLUMN in table.c and _scoped(table):
        return and_(
            table.c.platform == platform, table.c.workspace_id == workspace_id, table.c[MEMBER_COLUMN] == member_id
        )
    links = dict(linked_tables()).get(table)
    if not links:
        raise LookupError(f"table {table.name} holds no member data")
    conditions = []
    for column, parent, parent_column in links:
        parents = select(parent.c[parent_column]).where(member_filter(parent, platform, workspace_id, member_id))
        conditions.append(table.c[column].in_(parents))
    condition = or_(*conditions)
    if _scoped(table):
        condition = and_(table.c.platform == platform, table.c.workspace_id == workspace_id, condition)
    return condition


def _kept_filter(table: Table):
    kept = KEPT.get(table.name)
    return table.c[kept.column] == kept.value if kept else false()


def references() -> list[tuple[Table, str, str | None]]:
    """The REFERENCES that exist in this schema: (table, id column, name column)."""
    found = []
    for (table_name, column), name_column in REFERENCES.items():
        table = metadata.tables.get(table_name)
        if table is not None and column in table.c and _scoped(table):
            found.append((table, column, name_column))
    return found


def _reference_filter(table: Table, column: str, platform: str, workspace_id: str, member_id: str):
    return and_(table.c.platform == platform, table.c.workspace_id == workspace_id, table.c[column] == member_id)


def name_lists() -> list[tuple[Table, str, str]]:
    """The NAME_LISTS that exist in this schema: (table, column, separator)."""
    found = []
    for (table_name, column), separator in NAME_LISTS.items():
        table = metadata.tables.get(table_name)
        if table is not None and column in table.c and _scoped(table):
            found.append((table, column, separator))
    return found


async def member_names(conn, platform: str, workspace_id: str, member_id: str) -> set[str]:
    """The display names the member's own rows carry (a member can rename themselves)."""
    names: set[str] = set()
    for table in owned_tables():
        for column in NAME_COLUMNS:
            if column in table.c:
                query = select(table.c[column]).where(member_filter(table, platform, workspace_id, member_id)).distinct()
                names.update(n for n in (await conn.execute(query)).scalars() if n)
    return names


async def _listed_rows(conn, table: Table, column: str, separator: str, platform: str, workspace_id: str, names: set[str]):
    """Rows of a name list in the workspace that list one of `names`."""
    if not names:
        return []
    rows = (
        await conn.execute(
            select(table).where(table.c.platform == platform, table.c.workspace_id == workspace_id, table.c[column].is_not(None))
        )
    ).all()
    return [row for row in rows if names & {part.strip() for part in str(row._mapping[column]).split(separator)}]


def workspace_tables() -> list[tuple[Table, Any]]:
    """Every table a workspace export reads, with a function giving its workspace filter."""
    scoped = [t for t in metadata.sorted_tables if _scoped(t) and t.name not in NOT_EXPORTED]
    names = {t.name for t in scoped}
    found: list[tuple[Table, Any]] = [(t, None) for t in scoped]
    for table in metadata.sorted_tables:
        if table.name in names or table.name in NOT_EXPORTED:
            continue
        links = [(fk.parent.name, fk.column.table, fk.column.name) for fk in table.foreign_keys if fk.column.table.name in names]
        if links:
            found.append((table, links))
            names.add(table.name)
    return found


def _workspace_filter(table: Table, links, platform: str, workspace_id: str):
    if links is None:
        return and_(table.c.platform == platform, table.c.workspace_id == workspace_id)
    return or_(
        *(
            table.c[column].in_(select(parent.c[parent_column]).where(parent.c.platform == platform, parent.c.workspace_id == workspace_id))
            for column, parent, parent_column in links
        )
    )


# ---- reading ---------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _rows(result) -> list[dict[str, Any]]:
    return [{key: _plain(value) for key, value in row._mapping.items()} for row in result]


def _order(table: Table):
    return [*table.primary_key.columns] or [*table.c]


@dataclass(frozen=True)
class MemberDump:
    tables: dict[str, list[dict[str, Any]]]  # owned and linked tables, every one (empty lists too)
    mentions: dict[str, list[dict[str, Any]]]  # "table.column" -> rows of others that name the member

    @property
    def total(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


async def member_dump(ctx: Context, platform: str, workspace_id: str, member_id: str) -> MemberDump:
    tables: dict[str, list[dict[str, Any]]] = {}
    mentions: dict[str, list[dict[str, Any]]] = {}
    async with ctx.engine.connect() as conn:
        for table in [*owned_tables(), *(t for t, _ in linked_tables())]:
            query = select(table).where(member_filter(table, platform, workspace_id, member_id)).order_by(*_order(table))
            tables[table.name] = _rows(await conn.execute(query))
        for table, column, _name in references():
            query = select(table).where(_reference_filter(table, column, platform, workspace_id, member_id))
            rows = _rows(await conn.execute(query.order_by(*_order(table))))
            if rows:
                mentions[f"{table.name}.{column}"] = rows
        names = await member_names(conn, platform, workspace_id, member_id)
        for table, column, separator in name_lists():
            rows = _rows(await _listed_rows(conn, table, column, separator, platform, workspace_id, names))
            if rows:
                mentions[f"{table.name}.{column}"] = rows
    return MemberDump(tables, mentions)


async def _answer_context(ctx: Context, platform: str, workspace_id: str, member_id: str) -> dict[str, Any]:
    """The questions behind the member's answers and practice: post numbers, question ids, topics, texts."""
    async with ctx.engine.connect() as conn:
        post_rows = (
            await conn.execute(
                select(posts.c.id, posts.c.channel_id, posts.c.seq, posts.c.question_id, posts.c.posted_at)
                .where(posts.c.id.in_(select(answers.c.post_id).where(member_filter(answers, platform, workspace_id, member_id))))
                .order_by(posts.c.id)
            )
        ).all()
    return {"posts": _rows(post_rows)}


async def _questions(
    ctx: Context, channel: ChannelRef, dump_tables: dict[str, list[dict[str, Any]]], extra: Iterable[str]
) -> dict[str, Any]:
    ids = set(extra)
    for rows in dump_tables.values():
        ids.update(str(r["question_id"]) for r in rows if r.get("question_id"))
    found = {}
    for question_id in sorted(ids):
        question = await find_question(ctx, channel, question_id)  # the workspace's own questions too
        if question is not None:
            found[question_id] = {"topic": question.topic, "difficulty": question.difficulty, "question": question.question}
    return found


# ---- files -----------------------------------------------------------------------------------------------


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "x"


def _json_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False, default=str).encode("utf-8")


def csv_bytes(sections: dict[str, list[dict[str, Any]]]) -> bytes:
    """One CSV for several tables: a `table` column, then every column any of them has (blank where absent)."""
    columns: list[str] = []
    for rows in sections.values():
        for row in rows:
            columns += [c for c in row if c not in columns]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", *columns])
    for name, rows in sections.items():
        for row in rows:
            writer.writerow([name, *(_cell(row.get(c)) for c in columns)])
    return out.getvalue().encode("utf-8")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _counts(tables: dict[str, list[Any]] | dict[str, int]) -> str:
    """"3 answers, 1 earlier version of an answer": rows (or row counts) by table, in words."""
    counted = {name: rows if isinstance(rows, int) else len(rows) for name, rows in tables.items()}
    return ", ".join(label(name, n) for name, n in _in_label_order(counted) if n)


# ---- /qotd export ----------------------------------------------------------------------------------------


async def export(ctx: Context, channel: ChannelRef, member: Member, command: Export) -> Reply:
    if command.workspace:
        if not member.is_admin:
            raise NotAllowed("only admins can export the whole workspace; `/qotd export` gives you your own data")
        return await export_workspace(ctx, channel, member)
    return await export_member(ctx, channel, member)


async def export_member(ctx: Context, channel: ChannelRef, member: Member) -> Reply:
    now = ctx.clock.now()
    dump = await member_dump(ctx, channel.platform, channel.workspace_id, member.id)
    context = await _answer_context(ctx, channel.platform, channel.workspace_id, member.id)
    context["questions"] = await _questions(ctx, channel, dump.tables, (str(p["question_id"]) for p in context["posts"] if p.get("question_id")))
    document = {
        "format": EXPORT_FORMAT,
        "kind": "member",
        "platform": channel.platform,
        "workspace_id": channel.workspace_id,
        "member_id": member.id,
        "member_name": member.name,
        "exported_at": now.isoformat(),
        "counts": {name: len(rows) for name, rows in dump.tables.items()},
        "tables": dump.tables,
        "mentions": dump.mentions,
        "context": context,
    }
    stem = f"qotd-{_safe(channel.platform)}-{_safe(channel.workspace_id)}-{_safe(member.id)}-{now:%Y%m%d-%H%M%S}"
    files = (
        Attachment(f"{stem}.json", _json_bytes(document), "application/json"),
        Attachment(f"{stem}.csv", csv_bytes({**dump.tables, **dump.mentions}), "text/csv"),
    )
    if dump.total or dump.mentions:
        held = _counts(dump.tables)
        mentioned = sum(len(rows) for rows in dump.mentions.values())
        also = f"; you are also named in {mentioned} workspace record{'s' if mentioned != 1 else ''} (as the admin who changed them)" if mentioned else ""
        text = (
            f"Here is everything qotd keeps about you in this workspace, as JSON and CSV: {held or 'no records of your own'}{also}.\n"
            "To delete it all: /qotd forget-me"
        )
    else:
        text = "qotd keeps nothing about you in this workspace yet; the files are empty apart from who and when."
    return Reply(text, private=True, data={"outcome": "exported", "records": dump.total}, attachments=files)


async def export_workspace(ctx: Context, channel: ChannelRef, member: Member) -> Reply:
    now = ctx.clock.now()
    tables: dict[str, list[dict[str, Any]]] = {}
    async with ctx.engine.connect() as conn:
        for table, links in workspace_tables():
            query = select(table).where(_workspace_filter(table, links, channel.platform, channel.workspace_id))
            tables[table.name] = _rows(await conn.execute(query.order_by(*_order(table))))
    document = {
        "format": EXPORT_FORMAT,
        "kind": "workspace",
        "platform": channel.platform,
        "workspace_id": channel.workspace_id,
        "exported_at": now.isoformat(),
        "exported_by": member.id,
        "counts": {name: len(rows) for name, rows in tables.items()},
        "tables": tables,
        "questions": await _questions(ctx, channel, tables, ()),
    }
    stem = f"qotd-{_safe(channel.platform)}-{_safe(channel.workspace_id)}-workspace-{now:%Y%m%d-%H%M%S}"
    files = (
        Attachment(f"{stem}.json", _json_bytes(document), "application/json"),
        Attachment(f"{stem}.csv", csv_bytes(tables), "text/csv"),
    )
    total = sum(len(rows) for rows in tables.values())
    return Reply(
        f"The workspace's data, as JSON and CSV: {total} records in {sum(1 for r in tables.values() if r)} tables"
        f" ({_counts(tables) or 'nothing yet'}). It holds members' answers: keep it safe.",
        private=True,
        data={"outcome": "exported", "records": total},
        attachments=files,
    )


# ---- /qotd forget-me -------------------------------------------------------------------------------------


def _secret(settings: Settings) -> bytes:
    if settings.secret:
        return settings.secret.encode()
    return hashlib.sha256(b"qotd forget-me\x00" + settings.database_url.encode()).digest()


def confirmation_code(settings: Settings, platform: str, workspace_id: str, member_id: str, day: date) -> str:
    message = "\x1f".join((platform, workspace_id, member_id, day.isoformat())).encode()
    digest = hmac.new(_secret(settings), message, hashlib.sha256).digest()
    # 256 is a multiple of the alphabet's 32 letters, so every letter is equally likely.
    return "".join(FORGET_CODE_ALPHABET[b % len(FORGET_CODE_ALPHABET)] for b in digest[:FORGET_CODE_LENGTH])


def _code_is_valid(ctx: Context, channel: ChannelRef, member: Member, code: str) -> bool:
    today = ctx.clock.now().date()
    return any(
        hmac.compare_digest(code, confirmation_code(ctx.settings, channel.platform, channel.workspace_id, member.id, day))
        for day in (today, today - timedelta(days=1))
    )


async def _counts_for(ctx: Context, platform: str, workspace_id: str, member_id: str) -> tuple[dict[str, int], dict[str, int], int]:
    """(rows that go, by table), (owned rows that stay anonymised, by table), (references to anonymise)."""
    going: dict[str, int] = {}
    kept: dict[str, int] = {}
    async with ctx.engine.connect() as conn:
        for table in [*owned_tables(), *(t for t, _ in linked_tables())]:
            mine = member_filter(table, platform, workspace_id, member_id)
            stays = _kept_filter(table)
            going[table.name] = (await conn.execute(select(func.count()).select_from(table).where(mine, ~stays))).scalar_one()
            if table.name in KEPT:
                kept[table.name] = (await conn.execute(select(func.count()).select_from(table).where(mine, stays))).scalar_one()
        names = await member_names(conn, platform, workspace_id, member_id)
        named = 0
        for table, column, separator in name_lists():
            named += len(await _listed_rows(conn, table, column, separator, platform, workspace_id, names))
        for table, column, _name in references():
            named += (
                await conn.execute(
                    select(func.count()).select_from(table).where(_reference_filter(table, column, platform, workspace_id, member_id))
                )
            ).scalar_one()
    return going, kept, named


def _on_platform(platform: str) -> str:
    """" on Slack" for the chat platforms; nothing for the console (and tests)."""
    name = {"discord": "Discord", "slack": "Slack"}.get(platform)
    return f" on {name}" if name else ""


async def forget_me(ctx: Context, channel: ChannelRef, member: Member, command: ForgetMe) -> Reply:
    if command.confirm is None:
        return await _explain(ctx, channel, member)
    if not _code_is_valid(ctx, channel, member, command.confirm):
        raise InvalidInput(
            f"'{command.confirm}' is not your current confirmation code (codes are personal and last until the end of "
            "the next day, UTC); nothing was deleted. Run /qotd forget-me to get a fresh one"
        )
    return await _forget(ctx, channel, member)


async def _explain(ctx: Context, channel: ChannelRef, member: Member) -> Reply:
    going, kept, named = await _counts_for(ctx, channel.platform, channel.workspace_id, member.id)
    if not any(going.values()) and not any(kept.values()) and not named:
        return Reply("qotd keeps nothing about you in this workspace, so there is nothing to delete.", data={"outcome": "nothing"})
    code = confirmation_code(ctx.settings, channel.platform, channel.workspace_id, member.id, ctx.clock.now().date())
    lines = ["This deletes everything qotd keeps about you in this workspace, for good:"]
    lines += [f"  • {label(name, count)}" for name, count in _in_label_order(going) if count]
    lines.append("You leave the leaderboards and your streaks and points are gone.")
    for name, count in kept.items():
        if count:
            lines.append(f"Kept: {label(name, count)} — {KEPT[name].why}.")
    if named:
        lines.append(
            f"Your name is replaced by \"{FORGOTTEN_NAME}\" in {named} workspace record{'s' if named != 1 else ''} "
            "(changes you made as an admin, past announcements)."
        )
    lines += [
        f"Other workspaces are not touched. Messages already posted{_on_platform(channel.platform)} (your "
        "answers in threads, your name in past reveals) stay there; delete them there if you wish.",
        "Want a copy first? /qotd export",
    ]
    return Reply(
        "\n".join(lines),
        data={"outcome": "confirm", "forget_code": code},
        hint=f"To go ahead: /qotd forget-me confirm={code} (valid today and tomorrow)",
    )


async def _forget(ctx: Context, channel: ChannelRef, member: Member) -> Reply:
    platform, workspace_id, member_id = channel.platform, channel.workspace_id, member.id
    deleted: dict[str, int] = {}
    kept = anonymised = 0
    async with ctx.engine.begin() as conn:
        names = await member_names(conn, platform, workspace_id, member_id)
        # Rows the workspace keeps lose the member's id first, so the deletes below pass them by.
        for table in owned_tables():
            rule = KEPT.get(table.name)
            if rule is None:
                continue
            values: dict[str, str] = {MEMBER_COLUMN: FORGOTTEN_ID}
            if rule.name_column:
                values[rule.name_column] = FORGOTTEN_NAME
            result = await conn.execute(
                update(table).where(member_filter(table, platform, workspace_id, member_id), _kept_filter(table)).values(**values)
            )
            kept += result.rowcount or 0
        # Children before parents: linked rows are found through their parents, deepest first.
        for table, _links in reversed(linked_tables()):
            result = await conn.execute(delete(table).where(member_filter(table, platform, workspace_id, member_id)))
            deleted[table.name] = result.rowcount or 0
        for table in reversed(owned_tables()):
            result = await conn.execute(delete(table).where(member_filter(table, platform, workspace_id, member_id)))
            deleted[table.name] = result.rowcount or 0
        for table, column, name_column in references():
            values = {column: FORGOTTEN_ID}
            if name_column:
                values[name_column] = FORGOTTEN_NAME
            result = await conn.execute(
                update(table).where(_reference_filter(table, column, platform, workspace_id, member_id)).values(**values)
            )
            anonymised += result.rowcount or 0
        for table, column, separator in name_lists():
            for row in await _listed_rows(conn, table, column, separator, platform, workspace_id, names):
                parts = [FORGOTTEN_NAME if part.strip() in names else part for part in str(row._mapping[column]).split(separator)]
                key = [table.c[c.name] == row._mapping[c.name] for c in table.primary_key.columns]
                await conn.execute(update(table).where(*key).values({column: separator.join(parts)}))
                anonymised += 1
    total = sum(deleted.values())
    if not total and not kept and not anonymised:
        return Reply("There was nothing left to delete: qotd keeps nothing about you in this workspace.", data={"outcome": "forgotten", "deleted": 0})
    ordered = {t.name: deleted.get(t.name, 0) for t in [*owned_tables(), *(t for t, _ in linked_tables())]}
    extra = []
    if kept:
        extra.append(f"{kept} kept without your name")
    if anonymised:
        extra.append(f"your name removed from {anonymised} workspace record{'s' if anonymised != 1 else ''}")
    return Reply(
        f"Done: deleted {total} record{'s' if total != 1 else ''} about you in this workspace ({_counts(ordered) or 'none'})"
        + (f"; {', '.join(extra)}" if extra else "")
        + f". You are off the leaderboards. Messages already posted{_on_platform(channel.platform)} stay there. "
        "If you answer again, you start afresh.",
        data={"outcome": "forgotten", "deleted": total},
    )
