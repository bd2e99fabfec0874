"""A reply's files (a data export, a chart) as discord.py attachments, within the size Discord allows."""

from __future__ import annotations

import io

import discord

from bot.ports import Reply


def attachment_files(reply: Reply, limit: int | None = None) -> tuple[list[discord.File], str]:
    """(files to send, a note for the member when they were too large to send). Fresh File objects every call."""
    if not reply.attachments:
        return [], ""
    size = sum(len(a.content) for a in reply.attachments)
    if limit and size > limit:
        return [], (
            f"The files come to {size / 1_000_000:.1f} MB, more than the {limit / 1_000_000:.0f} MB Discord accepts "
            "here, so they were not attached."
        )
    return [discord.File(io.BytesIO(a.content), filename=a.filename) for a in reply.attachments], ""
