"""Members suggest questions; admins approve, edit or reject them; workspaces turn built-in topics off.

A suggestion is a row of its workspace's moderation queue: `pending`, then `approved` or `rejected`
(with a reason), each decision a compare-and-swap on the status so two admins clicking at once
cannot both decide. The member is told the outcome privately in the channel where they suggested
it; a failure to tell them is logged and changes nothing. An approved suggestion becomes the
question `ws-<id>` of its workspace (see bot/question_source.py) and the reveal credits its author.

Replies carry their data for button adapters: `data["suggestions"]` (a list of cards) for the
queue, `data["card"]` for one suggestion after a decision or an edit.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.commands import SPECS, Suggest
from bot.context import Context
from bot.db.statements import insert_ignoring_conflict
from bot.db.tables import disabled_topics, schedules, suggestions
from bot.errors import InvalidInput, NotFound
from bot.near_duplicates import DuplicateIndex
from bot.ports import ChannelRef, Member, Reply
from bot.question_source import (
    Scope,
    WorkspaceQuestions,
    all_texts,
    load_disabled_topics,
    questions_for,
    suggested_id,
)
from bot.schedule import Schedule
from bot.suggestion_rules import split_key_points
from bot.topics import DIFFICULTY_LABELS, TOPICS, topic_title

log = logging.getLogger(__name__)

PAGE = 5  # suggestions shown at once (Discord gives each its own message with three buttons)
MAX_PENDING_PER_MEMBER = 10
PREVIEW = 120
REVIEW_HINT = (
    'Approve: /qotd admin approve id=N · Edit: /qotd admin edit id=N topic=... · '
    'Reject: /qotd admin reject id=N reason="..."'
)


def _in_workspace(scope: Scope):
    return and_(suggestions.c.platform == scope.platform, suggestions.c.workspace_id == scope.workspace_id)


def _preview(text: str, limit: int = PREVIEW) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def card(row, duplicate: dict[str, Any] | None = None) -> dict[str, Any]:
    """One suggestion as plain data, for replies and for adapters' forms and buttons."""
    return {
        "id": row.id,
        "status": row.status,
        "member_id": row.member_id,
        "member_name": row.member_name,
        "question": row.question,
        "answer": row.answer,
        "key_points": list(json.loads(row.key_points)),
        "topic": row.topic,
        "topic_title": topic_title(row.topic),
        "difficulty": int(row.difficulty),
        "edited": row.edited_at is not None,
        "reviewer_name": row.reviewer_name,
        "reason": row.reason,
        "duplicate": duplicate,
    }


def card_text(c: dict[str, Any]) -> str:
    level = DIFFICULTY_LABELS.get(c["difficulty"], "?")
    edited = " · edited" if c["edited"] else ""
    lines = [
        f"#{c['id']} from {c['member_name']} · {c['topic_title']} · difficulty {c['difficulty']} ({level}){edited}",
        f"Question: {c['question']}",
        f"Answer: {c['answer']}",
        "Key points: " + " · ".join(c["key_points"]),
    ]
    if c.get("duplicate"):
        lines.append(duplicate_text(c["duplicate"]))
    if c["status"] == "approved":
        lines.append(f"Approved by {c['reviewer_name']}.")
    elif c["status"] == "rejected":
        lines.append(f"Rejected by {c['reviewer_name']}: {c['reason']}")
    return "\n".join(lines)


def duplicate_text(duplicate: dict[str, Any]) -> str:
    return (
        f"⚠ Looks like {duplicate['id']} (similarity {duplicate['score']:.2f}): \"{_preview(duplicate['text'], 90)}\""
    )


# ---- members ------------------------------------------------------------------------------------------


async def suggest(ctx: Context, channel: ChannelRef, member: Member, command: Suggest) -> Reply:
    if command.draft is None:
        raise InvalidInput(
            f"tell us the question: {SPECS['suggest'].usage} (see /qotd help suggest)"
        )
    draft = command.draft
    async with ctx.engine.begin() as conn:
        mine = (
            await conn.execute(
                select(suggestions.c.id, suggestions.c.question).where(
                    _in_workspace(channel), suggestions.c.member_id == member.id, suggestions.c.status == "pending"
                )
            )
        ).all()
        same = next((row.id for row in mine if row.question == draft.question), None)
        if same is not None:
            raise InvalidInput(f"you already suggested this question (#{same}); it is waiting for an admin")
        if len(mine) >= MAX_PENDING_PER_MEMBER:
            raise InvalidInput(
                f"you have {len(mine)} suggestions waiting for review, the most at once; "
                "suggest more once an admin has looked at them"
            )
        suggestion_id = (
            await conn.execute(
                suggestions.insert()
                .values(
                    platform=channel.platform,
                    workspace_id=channel.workspace_id,
                    channel_id=channel.channel_id,
                    member_id=member.id,
                    member_name=member.name[:100],
                    status="pending",
                    question=draft.question,
                    answer=draft.answer,
                    key_points=json.dumps(list(draft.key_points)),
                    topic=draft.topic,
                    difficulty=draft.difficulty,
                    created_at=ctx.clock.now(),
                )
                .returning(suggestions.c.id)
            )
        ).scalar_one()
    log.info("suggestion %s from %s in %s/%s", suggestion_id, member.id, channel.platform, channel.workspace_id)
    return Reply(
        f"Thanks, {member.name}! Your question is suggestion #{suggestion_id} "
        f"({topic_title(draft.topic)}, difficulty {draft.difficulty}). "
        "An admin will review it, and you will hear back here.",
        data={"suggestion": suggestion_id},
    )


# ---- the moderation queue -------------------------------------------------------------------------------


def _duplicate_index(source: WorkspaceQuestions) -> DuplicateIndex:
    index = DuplicateIndex()
    for key, text in all_texts(source):
        index.add(key, text)
    return index


def _describe_match(source: WorkspaceQuestions, key: str, score: float, pending_texts: dict[str, str]) -> dict[str, Any]:
    question = source.get(key)
    text = question.question if question else pending_texts.get(key, "")
    return {"id": key, "text": text, "score": round(score, 2)}


async def pending(ctx: Context, channel: ChannelRef) -> Reply:
    async with ctx.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(suggestions)
                .where(_in_workspace(channel), suggestions.c.status == "pending")
                .order_by(suggestions.c.id)
            )
        ).all()
        source = await questions_for(ctx, channel, conn)
    if not rows:
        return Reply(
            "No suggestions are waiting for review. Members suggest questions with /qotd suggest.",
            data={"suggestions": [], "pending_total": 0},
        )
    index = _duplicate_index(source)
    pending_texts: dict[str, str] = {}
    cards = []
    for row in rows:
        key = f"suggestion #{row.id}"
        if len(cards) < PAGE:
            match = index.find(row.question)
            duplicate = _describe_match(source, match.right, match.score, pending_texts) if match else None
            cards.append(card(row, duplicate))
        index.add(key, row.question)  # later suggestions are compared with earlier ones too
        pending_texts[key] = row.question
    total = len(rows)
    header = f"{total} suggestion{'s' if total != 1 else ''} waiting for review"
    if total > PAGE:
        header += f"; here are the oldest {PAGE}, the rest show up as these are handled"
    text = header + ":\n\n" + "\n\n".join(card_text(c) for c in cards)
    return Reply(text, data={"suggestions": cards, "pending_total": total}, hint=REVIEW_HINT)


async def load_card(ctx: Context, scope: Scope, suggestion_id: int) -> dict[str, Any] | None:
    """One suggestion of `scope`'s workspace as a card (for forms that start from its current text)."""
    async with ctx.engine.connect() as conn:
        row = (
            await conn.execute(select(suggestions).where(_in_workspace(scope), suggestions.c.id == suggestion_id))
        ).first()
    return card(row) if row is not None else None


async def _pending_row(conn: AsyncConnection, scope: Scope, suggestion_id: int):
    row = (
        await conn.execute(select(suggestions).where(_in_workspace(scope), suggestions.c.id == suggestion_id))
    ).first()
    if row is None:
        raise NotFound(f"there is no suggestion #{suggestion_id} in this workspace; see /qotd admin suggestions")
    if row.status != "pending":
        raise InvalidInput(f"suggestion #{suggestion_id} was already {row.status} by {row.reviewer_name}; nothing changed")
    return row


async def _decide(
    ctx: Context, scope: Scope, member: Member, suggestion_id: int, status: str, reason: str | None = None
):
    now = ctx.clock.now()
    async with ctx.engine.begin() as conn:
        await _pending_row(conn, scope, suggestion_id)
        decided = await conn.execute(
            update(suggestions)
            .where(_in_workspace(scope), suggestions.c.id == suggestion_id, suggestions.c.status == "pending")
            .values(status=status, reviewed_by=member.id, reviewer_name=member.name[:100], reviewed_at=now, reason=reason)
        )
        if decided.rowcount != 1:  # another admin decided between our read and our write
            await _pending_row(conn, scope, suggestion_id)
        row = (await conn.execute(select(suggestions).where(suggestions.c.id == suggestion_id))).first()
    log.info("suggestion %s %s by %s", suggestion_id, status, member.id)
    return row


async def _tell(ctx: Context, row, text: str) -> bool:
    """Tell the suggester privately where they suggested; a failure is logged, never fatal."""
    where = ChannelRef(row.platform, row.workspace_id, row.channel_id)
    try:
        await ctx.port(row.platform).send_private(where, row.member_id, text)
    except Exception as exc:  # the platform, a closed DM, a missing adapter: the decision stands anyway
        log.warning("could not tell %s about suggestion %s: %s", row.member_id, row.id, exc)
        return False
    return True


def _told(told: bool, name: str) -> str:
    return f"{name} was told." if told else f"{name} could not be told (see the log)."


async def approve(ctx: Context, channel: ChannelRef, member: Member, options: dict[str, str]) -> Reply:
    row = await _decide(ctx, channel, member, int(options["id"]), "approved")
    edited = " (with a few edits)" if row.edited_at is not None else ""
    told = await _tell(
        ctx,
        row,
        f"Good news: your suggested question #{row.id}{edited} was approved by {member.name} and joins the "
        f"rotation here. Thank you!\n“{_preview(row.question)}”",
    )
    return Reply(
        f"Approved suggestion #{row.id} from {row.member_name}: it joins this workspace's rotation as "
        f"{suggested_id(row.id)}. {_told(told, row.member_name)}",
        data={"card": card(row), "told": told},
    )


async def reject(ctx: Context, channel: ChannelRef, member: Member, options: dict[str, str]) -> Reply:
    reason = options["reason"]
    row = await _decide(ctx, channel, member, int(options["id"]), "rejected", reason)
    told = await _tell(
        ctx,
        row,
        f"Your suggested question #{row.id} was not taken this time. {member.name} said: {reason}\n"
        f"“{_preview(row.question)}”\nThank you for suggesting; you are welcome to try again with /qotd suggest.",
    )
    return Reply(
        f"Rejected suggestion #{row.id} from {row.member_name}. {_told(told, row.member_name)}",
        data={"card": card(row), "told": told},
    )


EDITABLE = {"question": "question", "answer": "answer", "points": "key_points", "topic": "topic", "difficulty": "difficulty"}


async def edit(ctx: Context, channel: ChannelRef, member: Member, options: dict[str, str]) -> Reply:
    suggestion_id = int(options["id"])
    values: dict[str, Any] = {}
    for key, column in EDITABLE.items():
        if key not in options:
            continue
        if key == "points":
            values[column] = json.dumps(split_key_points(options[key]))
        elif key == "difficulty":
            values[column] = int(options[key])
        else:
            values[column] = options[key]
    async with ctx.engine.begin() as conn:
        before = await _pending_row(conn, channel, suggestion_id)
        # A form sends every field: only what differs counts as an edit.
        values = {column: value for column, value in values.items() if getattr(before, column) != value}
        if values:
            changed = await conn.execute(
                update(suggestions)
                .where(_in_workspace(channel), suggestions.c.id == suggestion_id, suggestions.c.status == "pending")
                .values(**values, edited_by=member.id, edited_at=ctx.clock.now())
            )
            if changed.rowcount != 1:
                await _pending_row(conn, channel, suggestion_id)
        row = (await conn.execute(select(suggestions).where(suggestions.c.id == suggestion_id))).first()
        source = await questions_for(ctx, channel, conn)
    match = _duplicate_index(source).find(row.question)
    duplicate = _describe_match(source, match.right, match.score, {}) if match else None
    updated = card(row, duplicate)
    changed_names = ", ".join(k for k, column in EDITABLE.items() if column in values)
    first = (
        f"Updated suggestion #{row.id} ({changed_names}); it still waits for review."
        if values
        else f"Suggestion #{row.id} already reads like that; nothing changed."
    )
    return Reply(
        f"{first}\n\n{card_text(updated)}",
        data={"card": updated},
        hint=REVIEW_HINT.replace("id=N", f"id={row.id}"),
    )


# ---- built-in topics per workspace -----------------------------------------------------------------------


async def topics(ctx: Context, channel: ChannelRef, member: Member, options: dict[str, str]) -> Reply:
    disable = frozenset(t for t in options.get("disable", "").split(",") if t)
    enable = frozenset(t for t in options.get("enable", "").split(",") if t)
    notes: list[str] = []
    async with ctx.engine.begin() as conn:
        current = await load_disabled_topics(conn, channel)
        source = await questions_for(ctx, channel, conn)
        wanted = (current | disable) - enable
        if disable or enable:
            after = WorkspaceQuestions(bank=source.bank, suggested=source.suggested, disabled=wanted)
            if not after.eligible():
                raise InvalidInput(
                    "that would leave this workspace with no question to post; keep at least one topic on "
                    "(or approve a suggestion first). Nothing changed"
                )
            now = ctx.clock.now()
            for topic in sorted(wanted - current):
                await insert_ignoring_conflict(
                    conn,
                    disabled_topics,
                    {
                        "platform": channel.platform,
                        "workspace_id": channel.workspace_id,
                        "topic": topic,
                        "disabled_by": member.id,
                        "disabled_at": now,
                    },
                    conflict=["platform", "workspace_id", "topic"],
                )
            back_on = sorted(current - wanted)
            if back_on:
                await conn.execute(
                    delete(disabled_topics).where(
                        disabled_topics.c.platform == channel.platform,
                        disabled_topics.c.workspace_id == channel.workspace_id,
                        disabled_topics.c.topic.in_(back_on),
                    )
                )
            turned_off = sorted(wanted - current)
            if turned_off:
                notes.append("Turned off: " + ", ".join(turned_off) + ".")
            if back_on:
                notes.append("Turned back on: " + ", ".join(back_on) + ".")
            if not turned_off and not back_on:
                notes.append("Nothing to change: those topics were already that way.")
            source = after
            notes += await _schedules_left_empty(conn, channel, source)
    return Reply("\n".join([*notes, *([""] if notes else []), *_topic_table(source)]), data={"disabled": sorted(source.disabled)})


async def _schedules_left_empty(conn: AsyncConnection, scope: Scope, source: WorkspaceQuestions) -> list[str]:
    rows = (
        await conn.execute(
            select(schedules).where(schedules.c.platform == scope.platform, schedules.c.workspace_id == scope.workspace_id)
        )
    ).all()
    warnings = []
    for row in rows:
        schedule = Schedule.from_row(row)
        if not source.eligible(schedule.topics, schedule.difficulty):
            warnings.append(
                f"Heads-up: the schedule in channel {schedule.channel.channel_id} now matches no question "
                f"(its filters: {', '.join(sorted(schedule.topics)) or 'all topics'}, difficulty "
                f"{schedule.difficulty[0]}-{schedule.difficulty[1]}); change them there with /qotd setup."
            )
    return warnings


def _topic_table(source: WorkspaceQuestions) -> list[str]:
    counts: dict[str, int] = {}
    for question in source.bank.questions.values():
        if not question.draft:
            counts[question.topic] = counts.get(question.topic, 0) + 1
    own: dict[str, int] = {}
    for question in source.suggested.values():
        own[question.topic] = own.get(question.topic, 0) + 1
    on = len([t for t in TOPICS if t not in source.disabled])
    lines = [f"Built-in topics here ({on} on, {len(TOPICS) - on} off):"]
    width = max(len(t) for t in TOPICS)
    for slug, title in TOPICS.items():
        mark = "off" if slug in source.disabled else "on "
        extra = f" + {own[slug]} suggested" if own.get(slug) else ""
        lines.append(f"  {mark}  {slug:<{width}}  {title} · {counts.get(slug, 0)} built-in{extra}")
    lines.append(
        f"Approved suggestions ({len(source.suggested)}) stay in the rotation whatever their topic. "
        "Change with /qotd admin topics disable=a,b or enable=a,b."
    )
    return lines

