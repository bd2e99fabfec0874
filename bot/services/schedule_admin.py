"""Setting up, pausing, resuming and skipping a channel's schedule, and reporting its status."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.commands import Setup
from bot.context import Context
from bot.db.scoping import channel_values, in_channel
from bot.db.statements import upsert
from bot.db.tables import posts, schedules
from bot.errors import InvalidInput, NotFound
from bot.ports import ChannelRef, Member, Reply
from bot.schedule import Schedule
from bot.services import champions
from bot.schedule_rules import (
    PostingRule,
    RevealRule,
    format_days,
    format_time,
    parse_days,
    parse_post_time,
    parse_zone,
    reveal_to_storage,
)
from bot.time_format import local_and_utc
from bot.question_source import find_question, questions_for

DEFAULTS = {
    "post_time": "09:00",
    "timezone": "UTC",
    "days": "mon-fri",
    "reveal": RevealRule(delay=timedelta(hours=8)),
    "mode": "thread",
}


async def load_schedule(ctx: Context, channel: ChannelRef) -> Schedule | None:
    async with ctx.engine.connect() as conn:
        row = (await conn.execute(select(schedules).where(in_channel(schedules, channel)))).first()
    return Schedule.from_row(row) if row else None


async def setup(ctx: Context, channel: ChannelRef, member: Member, args: Setup) -> Reply:
    existing = await load_schedule(ctx, channel)
    post_time = format_time(args.time) if args.time else (format_time(existing.rule.at) if existing else DEFAULTS["post_time"])
    tz = args.tz or (existing.timezone_name if existing else DEFAULTS["timezone"])
    days = format_days(args.days) if args.days is not None else (format_days(existing.rule.days) if existing else DEFAULTS["days"])
    reveal = args.reveal or (existing.reveal if existing else DEFAULTS["reveal"])
    mode = args.mode or (existing.mode if existing else DEFAULTS["mode"])
    topics = args.topics if args.topics is not None else (existing.topics if existing else frozenset())
    difficulty = args.difficulty or (existing.difficulty if existing else (1, 3))
    champion = args.champion if args.champion is not None else (existing.champion if existing else False)
    if not (await questions_for(ctx, channel)).eligible(topics, difficulty):
        raise InvalidInput(
            "no question in the bank matches "
            + (f"topics={','.join(sorted(topics))} " if topics else "")
            + f"difficulty={difficulty[0]}-{difficulty[1]}; widen the filters"
        )
    rule = PostingRule(at=parse_post_time(post_time), zone=parse_zone(tz), days=parse_days(days))
    paused = existing.paused if existing else False
    now = ctx.clock.now()
    next_post_at = None if paused else rule.next_after(now)
    reveal_kind, reveal_value = reveal_to_storage(reveal)
    values = {
        "post_time": post_time,
        "timezone": tz,
        "days": days,
        "reveal_kind": reveal_kind,
        "reveal_value": reveal_value,
        "mode": mode,
        "topics": ",".join(sorted(topics)),
        "difficulty_min": difficulty[0],
        "difficulty_max": difficulty[1],
        "next_post_at": next_post_at,
        "disabled_reason": None,
        "updated_by": member.id,
        "updated_at": now,
        **champions.schedule_values(
            champion,
            was_on=bool(existing and existing.champion),
            zone_changed=bool(existing and existing.timezone_name != rule.zone.key),
            now=now,
            zone=rule.zone,
        ),
    }
    async with ctx.engine.begin() as conn:
        await upsert(
            conn,
            schedules,
            {**channel_values(channel), **values, "paused": False, "created_at": now},
            ["platform", "workspace_id", "channel_id"],
            values,
        )
    schedule = await load_schedule(ctx, channel)
    assert schedule is not None
    verb = "Schedule updated" if existing else "Scheduled"
    lines = [f"{verb}: {schedule.describe()}."]
    if schedule.next_post_at:
        lines.append(f"Next question: {local_and_utc(schedule.next_post_at, tz)}.")
    else:
        lines.append("The schedule is paused; /qotd resume starts it again.")
    if args.champion is not None:
        lines.append(champion_line(schedule))
    return Reply("\n".join(lines), private=False)


def champion_line(schedule: Schedule) -> str:
    if not schedule.champion:
        return "Monthly champion announcement: off (/qotd setup champion=on turns it on)."
    when = f", next {local_and_utc(schedule.champion_next_at, schedule.timezone_name)}" if schedule.champion_next_at else ""
    return f"Monthly champion announcement: on{when}."


async def _require(ctx: Context, channel: ChannelRef) -> Schedule:
    schedule = await load_schedule(ctx, channel)
    if schedule is None:
        raise NotFound("this channel has no schedule yet; an admin can create one with /qotd setup")
    return schedule


async def pause(ctx: Context, channel: ChannelRef, member: Member) -> Reply:
    schedule = await _require(ctx, channel)
    if schedule.paused:
        return Reply("The schedule is already paused. /qotd resume starts it again.")
    await _set(ctx, schedule, paused=True, next_post_at=None, updated_by=member.id)
    return Reply("Paused. No questions will be posted until /qotd resume; streaks are safe meanwhile.", private=False)


async def resume(ctx: Context, channel: ChannelRef, member: Member) -> Reply:
    schedule = await _require(ctx, channel)
    if not schedule.paused:
        return Reply("The schedule is not paused.")
    next_at = schedule.rule.next_after(ctx.clock.now())
    await _set(ctx, schedule, paused=False, next_post_at=next_at, disabled_reason=None, updated_by=member.id)
    return Reply(f"Resumed. Next question: {local_and_utc(next_at, schedule.timezone_name)}.", private=False)


async def skip(ctx: Context, channel: ChannelRef, member: Member) -> Reply:
    schedule = await _require(ctx, channel)
    if schedule.paused or schedule.next_post_at is None:
        raise InvalidInput("the schedule is paused, so there is no next question to skip")
    following = schedule.rule.next_after(schedule.next_post_at)
    async with ctx.engine.begin() as conn:
        result = await conn.execute(
            update(schedules)
            .where(schedules.c.id == schedule.id, schedules.c.next_post_at == schedule.next_post_at)
            .values(next_post_at=following, updated_by=member.id, updated_at=ctx.clock.now())
        )
    if result.rowcount != 1:
        raise InvalidInput("the next question is being posted right now; nothing was skipped")
    zone = schedule.timezone_name
    return Reply(
        f"Skipped the question of {local_and_utc(schedule.next_post_at, zone)}. "
        f"Next question: {local_and_utc(following, zone)}. Skipped days never break streaks.",
        private=False,
    )


async def _set(ctx: Context, schedule: Schedule, **values) -> None:
    async with ctx.engine.begin() as conn:
        await conn.execute(
            update(schedules).where(schedules.c.id == schedule.id).values(**values, updated_at=ctx.clock.now())
        )


async def status(ctx: Context, channel: ChannelRef) -> Reply:
    schedule = await load_schedule(ctx, channel)
    zone = schedule.timezone_name if schedule else "UTC"
    lines = []
    if schedule is None:
        lines.append("No schedule in this channel yet. An admin can create one with /qotd setup.")
    else:
        state = "disabled" if schedule.disabled_reason else "paused" if schedule.paused else "active"
        lines.append(f"Schedule ({state}): {schedule.describe()}.")
        if schedule.disabled_reason:
            lines.append(
                f"The bot stopped posting here: {schedule.disabled_reason}. "
                "Fix the channel or the bot's permissions, then /qotd resume."
            )
        if schedule.next_post_at:
            lines.append(f"Next question: {local_and_utc(schedule.next_post_at, zone)}.")
        lines.append(champion_line(schedule))
    async with ctx.engine.connect() as conn:
        open_post = (
            await conn.execute(
                select(posts)
                .where(in_channel(posts, channel), posts.c.status.in_(("posted", "revealing")))
                .order_by(posts.c.id.desc())
                .limit(1)
            )
        ).first()
    async with ctx.engine.connect() as conn:
        elsewhere = (
            await conn.execute(
                select(schedules.c.channel_id, schedules.c.disabled_reason).where(
                    schedules.c.platform == channel.platform,
                    schedules.c.workspace_id == channel.workspace_id,
                    schedules.c.channel_id != channel.channel_id,
                    schedules.c.disabled_reason.is_not(None),
                )
            )
        ).all()
    if open_post is not None:
        question = await find_question(ctx, channel, open_post.question_id)
        title = question.topic if question else open_post.question_id
        lines.append(
            f"Open question: #{open_post.seq} ({title}), reveal {local_and_utc(open_post.reveal_at, zone)}."
        )
        if open_post.message_id and not open_post.thread_id:  # posted, but the platform refused its thread
            lines.append(
                f"Question #{open_post.seq} has no thread: the bot could not open one here. Give the bot permission "
                "to create threads (and to post in them) in this channel; meanwhile members answer with the "
                "Answer button and the reveal goes to the channel."
            )
    else:
        lines.append("No question is open right now.")
    for channel_id, reason in elsewhere:
        lines.append(f"Stopped in channel {channel_id}: {reason}.")
    return Reply("\n".join(lines), data={"disabled_elsewhere": [(c, r) for c, r in elsewhere]})


async def disable(ctx: Context, channel: ChannelRef, reason: str) -> None:
    """Stop a channel's schedule because the platform refuses our posts; admins see why in /qotd status."""
    async with ctx.engine.begin() as conn:
        await conn.execute(
            update(schedules)
            .where(in_channel(schedules, channel))
            .values(paused=True, next_post_at=None, disabled_reason=reason[:300], updated_at=ctx.clock.now())
        )


async def disable_workspace(ctx: Context, platform: str, workspace_id: str, reason: str) -> int:
    """Stop every running schedule of a workspace the bot was removed from; returns how many were stopped.

    Schedules an admin had paused (or that were stopped for another reason) keep their state, so a
    reinstall (`enable_workspace`) brings back exactly the ones the removal stopped.
    """
    async with ctx.engine.begin() as conn:
        result = await conn.execute(
            update(schedules)
            .where(schedules.c.platform == platform, schedules.c.workspace_id == workspace_id, schedules.c.paused.is_(False))
            .values(paused=True, next_post_at=None, disabled_reason=reason[:300], updated_at=ctx.clock.now())
        )
    return result.rowcount


async def enable_workspace(ctx: Context, platform: str, workspace_id: str, reasons: tuple[str, ...]) -> int:
    """The bot is back in a workspace: restart the schedules stopped for one of `reasons`; returns how many.

    Each starts again at its next scheduled time from now (the days it was away are skipped, which never
    breaks a streak). Schedules paused by an admin or stopped for another reason stay as they are.
    """
    now = ctx.clock.now()
    restarted = 0
    async with ctx.engine.begin() as conn:
        rows = (
            await conn.execute(
                select(schedules).where(
                    schedules.c.platform == platform,
                    schedules.c.workspace_id == workspace_id,
                    schedules.c.disabled_reason.in_([reason[:300] for reason in reasons]),
                )
            )
        ).all()
        for row in rows:
            result = await conn.execute(
                update(schedules)
                .where(schedules.c.id == row.id, schedules.c.disabled_reason == row.disabled_reason)
                .values(paused=False, next_post_at=Schedule.from_row(row).rule.next_after(now), disabled_reason=None,
                        updated_at=now)
            )
            restarted += result.rowcount
    return restarted
