"""Discord's size limits, and fitting text and embeds into them instead of having the API reject them."""

from __future__ import annotations

import discord

MESSAGE = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_AUTHOR = 256
EMBED_TOTAL = 6000
EMBED_FIELDS = 25
EMBEDS_PER_MESSAGE = 10
MODAL_TEXT = 4000
MODAL_TITLE = 45
THREAD_NAME = 100
AUTOCOMPLETE_CHOICES = 25
CHOICE_NAME = 100
TRIMMED = "… (trimmed)"
FENCE = "```"


def fit(text: str, limit: int) -> str:
    """`text` unchanged if it fits, else cut at a line or word boundary with a visible marker."""
    if len(text) <= limit:
        return text
    room = limit - len(TRIMMED)
    cut = text[:room]
    for boundary in ("\n", " "):
        at = cut.rfind(boundary)
        if at > room * 0.6:
            cut = cut[:at]
            break
    cut = cut.rstrip()
    if cut.count(FENCE) % 2:  # never leave a code block open
        cut = cut[: room - len(FENCE) - 1].rstrip() + "\n" + FENCE
    return cut + TRIMMED


def split(text: str, limit: int = MESSAGE) -> list[str]:
    """Split long text into chunks of at most `limit`, preferring paragraph, then line, then word breaks.

    A code block cut in two is closed at the end of one chunk and reopened at the start of the next.
    """
    chunks: list[str] = []
    rest = text.strip()
    budget = limit - 2 * (len(FENCE) + 1)  # room to close and reopen a fence
    while len(rest) > limit:
        window = rest[:budget]
        at = max(window.rfind("\n\n"), window.rfind("\n"), -1)
        if at < budget * 0.5:
            at = window.rfind(" ")
        if at <= 0:
            at = budget
        chunk, rest = rest[:at].rstrip(), rest[at:].lstrip()
        if chunk.count(FENCE) % 2:
            chunk += "\n" + FENCE
            rest = FENCE + "\n" + rest
        chunks.append(chunk)
    if rest:
        chunks.append(rest)
    return chunks


def cap_embed(embed: discord.Embed) -> discord.Embed:
    """Shorten the description so the whole embed stays within Discord's 6,000-character total."""
    excess = len(embed) - EMBED_TOTAL
    if excess > 0 and embed.description:
        embed.description = fit(embed.description, max(len(embed.description) - excess, len(TRIMMED) + 1))
    return embed


def pack(embeds: list[discord.Embed]) -> list[list[discord.Embed]]:
    """Group embeds into messages of at most 10 embeds and 6,000 characters each."""
    messages: list[list[discord.Embed]] = []
    current: list[discord.Embed] = []
    size = 0
    for embed in (cap_embed(e) for e in embeds):
        if current and (len(current) == EMBEDS_PER_MESSAGE or size + len(embed) > EMBED_TOTAL):
            messages.append(current)
            current, size = [], 0
        current.append(embed)
        size += len(embed)
    if current:
        messages.append(current)
    return messages


def one_message(embeds: list[discord.Embed]) -> list[discord.Embed]:
    """As many of `embeds` as one message holds, dropping the earliest first; the last always stays."""
    kept = [cap_embed(e) for e in embeds][-EMBEDS_PER_MESSAGE:]
    while len(kept) > 1 and sum(len(e) for e in kept) > EMBED_TOTAL:
        kept.pop(0)
    return kept
