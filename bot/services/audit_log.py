"""The admin audit log: what an admin changed by hand, by whom, when and why, per channel.

`record_admin_change` writes one entry inside the caller's transaction (so the change and its trace
commit together); `/qotd admin audit` shows the latest entries with `recent_entries` + `entry_line`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.db.scoping import channel_values, in_channel
from bot.db.tables import admin_audit
from bot.ports import ChannelRef, Member
from bot.time_format import local_and_utc

AUDIT_PAGE = 20


@dataclass(frozen=True)
class AuditEntry:
    action: str
    actor_name: str
    member_id: str | None
    member_name: str | None
    before: str | None
    after: str | None
    reason: str | None
    created_at: datetime


async def record_admin_change(
    conn,
    channel: ChannelRef,
    actor: Member,
    action: str,
    now: datetime,
    *,
    member_id: str | None = None,
    member_name: str | None = None,
    before: str | None = None,
    after: str | None = None,
    reason: str | None = None,
) -> None:
    await conn.execute(
        admin_audit.insert().values(
            **channel_values(channel),
            action=action[:32],
            actor_id=actor.id,
            actor_name=actor.name[:100],
            member_id=member_id,
            member_name=member_name[:100] if member_name else None,
            before=before[:200] if before is not None else None,
            after=after[:200] if after is not None else None,
            reason=reason[:300] if reason else None,
            created_at=now,
        )
    )


async def recent_entries(conn, channel: ChannelRef, member_id: str | None = None, limit: int = AUDIT_PAGE) -> list[AuditEntry]:
    """The latest `limit` entries in the channel (only about `member_id` if given), newest first."""
    query = select(admin_audit).where(in_channel(admin_audit, channel))
    if member_id is not None:
        query = query.where(admin_audit.c.member_id == member_id)
    rows = (await conn.execute(query.order_by(admin_audit.c.created_at.desc(), admin_audit.c.id.desc()).limit(limit))).all()
    return [
        AuditEntry(r.action, r.actor_name, r.member_id, r.member_name, r.before, r.after, r.reason, r.created_at)
        for r in rows
    ]


def entry_line(entry: AuditEntry, zone_name: str = "UTC") -> str:
    """'Tue 24 Nov 10:00 CET (09:00 UTC) — Ada set alice's streak: 3 -> 12 · "bot was down"'."""
    when = local_and_utc(entry.created_at, zone_name)
    if entry.action == "streak":
        what = f"set {entry.member_name or entry.member_id}'s streak"
    else:
        what = entry.action + (f" for {entry.member_name or entry.member_id}" if entry.member_id else "")
    change = f": {entry.before or '—'} -> {entry.after or '—'}" if entry.before is not None or entry.after is not None else ""
    reason = f' · "{entry.reason}"' if entry.reason else ""
    return f"{when} — {entry.actor_name} {what}{change}{reason}"
