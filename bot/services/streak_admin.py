"""`/qotd admin streak` and `/qotd admin audit`: an admin sets or restores a member's streak, with a trace.

Every change is an `admin_audit` entry written in the same transaction as the new streak, and
`bot.services.member_history` replays those entries, so a later recomputation keeps the admin's value.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select, update

from bot.context import Context
from bot.db.scoping import in_channel
from bot.db.tables import member_stats, schedules
from bot.errors import InvalidInput, NotFound
from bot.ports import ChannelRef, Member, Reply
from bot.services.audit_log import AUDIT_PAGE, entry_line, recent_entries, record_admin_change


async def resolve_member(conn, channel: ChannelRef, reference: str, *, lock: bool = False):
    """The `member_stats` row of the member meant by `reference` (an id, or a display name in any case)."""
    wanted = reference.strip()
    query = select(member_stats).where(
        in_channel(member_stats, channel),
        or_(member_stats.c.member_id == wanted, func.lower(member_stats.c.display_name) == wanted.lower()),
    )
    if lock:
        query = query.with_for_update()
    rows = (await conn.execute(query)).all()
    by_id = [row for row in rows if row.member_id == wanted]
    if by_id:
        return by_id[0]
    if not rows:
        raise NotFound(
            f"no member called '{wanted}' has answered in this channel yet; "
            "pick someone from /qotd leaderboard, or mention them"
        )
    if len(rows) > 1:
        raise InvalidInput(f"{len(rows)} members here are called '{wanted}'; mention the one you mean instead")
    return rows[0]


async def set_streak(ctx: Context, channel: ChannelRef, actor: Member, options: dict[str, str]) -> Reply:
    value = int(options["value"])
    reason = options["reason"]
    now = ctx.clock.now()
    async with ctx.engine.begin() as conn:
        row = await resolve_member(conn, channel, options["member"], lock=True)
        name = row.display_name
        if row.current_streak == value:
            return Reply(f"{name}'s streak is already {value}; nothing changed and nothing was logged.")
        longest = max(row.longest_streak, value)
        await conn.execute(
            update(member_stats)
            .where(in_channel(member_stats, channel), member_stats.c.member_id == row.member_id)
            .values(current_streak=value, longest_streak=longest)
        )
        await record_admin_change(
            conn,
            channel,
            actor,
            "streak",
            now,
            member_id=row.member_id,
            member_name=name,
            before=str(row.current_streak),
            after=str(value),
            reason=reason,
        )
    longest_text = f"; longest is now {longest}" if longest != row.longest_streak else f" (longest {longest})"
    return Reply(
        f"{name}'s streak is now {value} (was {row.current_streak}){longest_text}. "
        f"Logged with your reason; /qotd admin audit shows it."
    )


async def audit(ctx: Context, channel: ChannelRef, actor: Member, options: dict[str, str]) -> Reply:
    async with ctx.engine.connect() as conn:
        member_id = member_name = None
        if options.get("member"):
            row = await resolve_member(conn, channel, options["member"])
            member_id, member_name = row.member_id, row.display_name
        entries = await recent_entries(conn, channel, member_id)
        zone = (
            await conn.execute(select(schedules.c.timezone).where(in_channel(schedules, channel)))
        ).scalar() or "UTC"
    about = f" about {member_name}" if member_name else ""
    if not entries:
        return Reply(f"No admin changes{about} are logged in this channel yet.")
    heading = f"Admin changes{about} in this channel, newest first"
    heading += f" (the latest {AUDIT_PAGE}):" if len(entries) == AUDIT_PAGE else ":"
    return Reply("\n".join([heading, *(entry_line(entry, zone) for entry in entries)]))
