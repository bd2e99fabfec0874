"""Recording members' answers: first answer counts, later ones are kept as edits, late ones are marked.

An answer is one short transaction of a few prepared statements: the delivery is recorded (so a
platform's retry is harmless), one query finds the question together with the member's earlier
answer to it and their standing in the channel, then the answer row and the member's counters are
written. The counters move relative to the stored row (`current_streak + 1`), so concurrent
answers never lose an increment; the row lock the upsert takes keeps the streak freeze decision
right. Statements are built once per database dialect and reused with new parameters.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import and_, bindparam, case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.context import Context
from bot.db.deliveries import first_delivery
from bot.db.tables import answer_edits, answers, member_stats, posts
from bot.errors import InvalidInput, NotFound
from bot.ports import AnswerEcho, ChannelRef, Member, PostedRef, Reply
from bot.scoring import points_for_on_time
from bot.services.spaced_review import record_daily_answer
from bot.services.streak_freezes import record_on_time_answer

log = logging.getLogger(__name__)

ANSWERABLE = ("posted", "revealing", "revealed")
STATS_KEY = ["platform", "workspace_id", "channel_id", "member_id"]


@dataclass(frozen=True)
class AnswerSubmitted:
    """A member answered. Adapters fill in what they know; the core finds the question.

    `post_id` or `thread_id` pin the question; otherwise the channel's most
    recent question is meant. `event_id` makes platform retries harmless.
    `already_visible` says the platform already shows the text in the thread
    (a thread reply), so the core does not echo it. `message_id` is the
    platform's id of that reply: deleting it later can be traced to the answer.
    """

    channel: ChannelRef
    member: Member
    text: str
    post_id: int | None = None
    thread_id: str | None = None
    event_id: str | None = None
    already_visible: bool = False
    message_id: str | None = None


async def submit_answer(ctx: Context, event: AnswerSubmitted) -> Reply:
    text = event.text.strip()
    if not text:
        raise InvalidInput("your answer is empty; nothing was saved")
    limit = ctx.settings.max_answer_chars
    if len(text) > limit:
        raise InvalidInput(
            f"your answer is {len(text):,} characters; the limit is {limit:,}. Nothing was saved — shorten it and send it again"
        )
    now = ctx.clock.now()
    channel = event.channel
    async with ctx.engine.begin() as conn:
        if not await first_delivery(conn, channel, event.event_id, now):
            return Reply("That answer was already recorded.", private=True, data={"outcome": "duplicate"})
        post = await _find_post(conn, event)
        if post is None:
            raise NotFound("there is no question to answer in this channel yet")
        late = post.status != "posted" or (post.reveal_at is not None and now >= post.reveal_at)
        if post.answer_id is not None:
            await _record_edit(conn, channel, post.answer_id, text, now, late, event.message_id)
            outcome, streak, freezes_earned = "edit", None, None
        else:
            outcome, streak, freezes_earned = await _record_first(
                conn, ctx, channel, post, event.member, text, now, late, event.message_id
            )
            if outcome == "on_time":  # spaced repetition: the member has now seen this question (a first exposure)
                await record_daily_answer(conn, ctx, channel, event.member.id, post, now)
    if post.mode == "thread" and not event.already_visible and outcome != "edit":
        try:
            await ctx.port(channel.platform).reply_in_thread(
                channel,
                PostedRef(post.message_id or "", post.thread_id),
                AnswerEcho(post_id=post.id, member_name=event.member.name, text=text, late=late),
            )
        except Exception as exc:  # the answer is saved; a failed echo must not say otherwise
            log.warning("answer %s saved but not shown in the thread: %s", post.id, exc)
    return _acknowledge(post, outcome, streak, freezes_earned)


# ---- the prepared statements ----------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _find_post_query(pinned_by: str | None):
    """The question answered (the channel's latest, or the one pinned by post id or thread), with the member's
    earlier answer to it (`answer_id`) and their streak in the channel (`streak_before`), in one query.
    """
    member = bindparam("member_id")
    joined = posts.outerjoin(answers, and_(answers.c.post_id == posts.c.id, answers.c.member_id == member)).outerjoin(
        member_stats,
        and_(
            member_stats.c.platform == posts.c.platform,
            member_stats.c.workspace_id == posts.c.workspace_id,
            member_stats.c.channel_id == posts.c.channel_id,
            member_stats.c.member_id == member,
        ),
    )
    query = (
        select(posts, answers.c.id.label("answer_id"), member_stats.c.current_streak.label("streak_before"))
        .select_from(joined)
        .where(
            posts.c.platform == bindparam("platform"),
            posts.c.workspace_id == bindparam("workspace_id"),
            posts.c.channel_id == bindparam("channel_id"),
            or_(*(posts.c.status == status for status in ANSWERABLE)),  # plain binds: no per-call expanding
        )
    )
    if pinned_by == "post":
        query = query.where(posts.c.id == bindparam("post_id"))
    elif pinned_by == "thread":
        query = query.where(posts.c.thread_id == bindparam("thread_id"))
    # FOR SHARE (of the post only): a reveal that flips the status waits for this answer to commit.
    return query.order_by(posts.c.id.desc()).limit(1).with_for_update(read=True, of=posts)


@dataclass(frozen=True)
class _Statements:
    insert_answer: object
    on_time_stats: object
    late_stats: object


@lru_cache(maxsize=None)
def _statements(dialect: str) -> _Statements:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    on_time, late = insert(member_stats), insert(member_stats)
    stored = member_stats.c
    return _Statements(
        insert_answer=insert(answers).on_conflict_do_nothing(index_elements=["post_id", "member_id"]).returning(answers.c.id),
        # Relative to the stored row: the upsert's row lock orders concurrent answers, none is lost.
        on_time_stats=on_time.on_conflict_do_update(
            index_elements=STATS_KEY,
            set_={
                "display_name": on_time.excluded.display_name,
                "current_streak": stored.current_streak + 1,
                "longest_streak": case(
                    (stored.longest_streak > stored.current_streak, stored.longest_streak), else_=stored.current_streak + 1
                ),
                "on_time_answers": stored.on_time_answers + 1,
                "points": stored.points + on_time.excluded.points,
                "last_answered_at": on_time.excluded.last_answered_at,
            },
        ).returning(stored.current_streak, stored.on_time_answers, stored.freezes),
        late_stats=late.on_conflict_do_update(
            index_elements=STATS_KEY,
            set_={
                "display_name": late.excluded.display_name,
                "late_answers": stored.late_answers + 1,
                "last_answered_at": late.excluded.last_answered_at,
            },
        ),
    )


_EDIT_ANSWER = (
    update(answers)
    .where(answers.c.id == bindparam("answer_id"))
    .values(edit_count=answers.c.edit_count + 1, edited_at=bindparam("when"))
)
_EXISTING_ANSWER = select(answers.c.id).where(
    answers.c.post_id == bindparam("post_id"), answers.c.member_id == bindparam("member_id")
)


async def _find_post(conn, event: AnswerSubmitted):
    channel = event.channel
    params = {
        "platform": channel.platform,
        "workspace_id": channel.workspace_id,
        "channel_id": channel.channel_id,
        "member_id": event.member.id,
    }
    if event.post_id is not None:
        pinned_by, params["post_id"] = "post", event.post_id
    elif event.thread_id is not None:
        pinned_by, params["thread_id"] = "thread", event.thread_id
    else:
        pinned_by = None
    return (await conn.execute(_find_post_query(pinned_by), params)).first()


async def _record_first(
    conn, ctx: Context, channel: ChannelRef, post, member: Member, text: str, now, late: bool, message_id: str | None
) -> tuple[str, int | None, int | None]:
    """Returns (outcome, streak after, freezes held if this answer earned one)."""
    statements = _statements(conn.dialect.name)
    streak_before = post.streak_before or 0
    points = 0 if late else points_for_on_time(streak_before)
    scope = {"platform": channel.platform, "workspace_id": channel.workspace_id, "channel_id": channel.channel_id}
    name = member.name[:100]
    answer_id = (
        await conn.execute(
            statements.insert_answer,
            {
                **scope,
                "post_id": post.id,
                "member_id": member.id,
                "member_name": name,
                "text": text,
                "answered_at": now,
                "late": late,
                "points": points,
                "message_id": message_id,
            },
        )
    ).scalar()
    if answer_id is None:  # a concurrent first answer won; this one is an edit
        existing = (await conn.execute(_EXISTING_ANSWER, {"post_id": post.id, "member_id": member.id})).scalar()
        await _record_edit(conn, channel, existing, text, now, late, message_id)
        return "edit", None, None
    stats = {**scope, "member_id": member.id, "display_name": name, "last_answered_at": now}
    if late:
        await conn.execute(statements.late_stats, {**stats, "late_answers": 1})
        return "late", streak_before, None
    after = (
        await conn.execute(
            statements.on_time_stats,
            {**stats, "current_streak": 1, "longest_streak": 1, "on_time_answers": 1, "points": points},
        )
    ).one()
    freezes_earned = await record_on_time_answer(
        conn,
        ctx,
        channel,
        member.id,
        post.id,
        answer_id,
        on_time_answers_after=after.on_time_answers,
        freezes_held=after.freezes,
        now=now,
    )
    return "on_time", after.current_streak, freezes_earned


async def _record_edit(conn, channel: ChannelRef, answer_id: int, text: str, now, late: bool, message_id: str | None) -> None:
    await conn.execute(
        answer_edits.insert(),
        {
            "platform": channel.platform,
            "workspace_id": channel.workspace_id,
            "answer_id": answer_id,
            "text": text,
            "edited_at": now,
            "late": late,
            "message_id": message_id,
        },
    )
    await conn.execute(_EDIT_ANSWER, {"answer_id": answer_id, "when": now})
def _acknowledge(post, outcome: str, streak: int | None, freezes_earned: int | None = None) -> Reply:
    """The member's confirmation; `data["outcome"]` is on_time, late or edit for adapters."""
    number = f"question #{post.seq}"
    data = {"outcome": outcome, "post_id": post.id}
    if outcome == "edit":
        text = f"Edit saved for {number}. Your first answer is the one that counts; edits are kept with it."
    elif outcome == "late":
        text = f"Saved as a late answer: {number} was already revealed. Late answers are kept but earn no streak or points."
    else:
        streak_text = f" Your streak is {streak}." if streak else ""
        if freezes_earned:
            held = f"{freezes_earned} held" if freezes_earned > 1 else "it keeps your streak if you miss a day"
            streak_text += f" You earned a streak freeze ({held})."
            data["freezes"] = freezes_earned
        if post.mode == "private":
            text = f"Answer saved privately for {number}; everyone's answers are shown together at the reveal.{streak_text}"
        else:
            text = f"Answer recorded for {number}.{streak_text}"
    return Reply(text, private=True, data=data)
