"""Neutral core messages rendered as Discord embeds, within Discord's limits.

Member-written text (answers, names) only ever appears in embeds or in messages
sent with mentions disabled, and names are escaped so they cannot smuggle in
markdown or pings.
"""

from __future__ import annotations

import discord
from discord.utils import escape_markdown, escape_mentions

from adapters.discord import limits
from bot.ports import AnswerEcho, QuestionPost, Reply, RevealMessage
from bot.topics import DIFFICULTY_LABELS

OPEN_COLOUR = discord.Colour.blurple()
CLOSED_COLOUR = discord.Colour.dark_grey()
REVEAL_COLOUR = discord.Colour.green()
ERROR_COLOUR = discord.Colour.red()
REVEAL_FIELD = "Reveal"
STATUS_FIELD = "Status"


def safe_name(name: str) -> str:
    """A member's name shown as text: no markdown tricks, no pings."""
    return escape_mentions(escape_markdown(name))


def timestamp(moment, style: str = "F") -> str:
    """A Discord timestamp: every reader sees it in their own time zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def question_embed(post: QuestionPost) -> discord.Embed:
    label = "Question" if post.scheduled else "Bonus question"
    embed = discord.Embed(
        title=limits.fit(f"{label} #{post.seq} · {post.topic_title}", limits.EMBED_TITLE),
        description=limits.fit(post.text, limits.EMBED_DESCRIPTION),
        colour=OPEN_COLOUR,
    )
    embed.add_field(name="Topic", value=limits.fit(post.topic_title, limits.EMBED_FIELD_VALUE))
    embed.add_field(name="Difficulty", value=f"{post.difficulty} — {DIFFICULTY_LABELS.get(post.difficulty, '?')}")
    embed.add_field(name="Kind", value=limits.fit(post.kind, limits.EMBED_FIELD_VALUE))
    how = (
        "Answer with the **Answer** button (or reply in the thread)."
        if post.mode == "thread"
        else "Answer privately with the **Answer** button; all answers are shown together at the reveal."
    )
    embed.add_field(
        name=REVEAL_FIELD,
        value=f"{timestamp(post.reveal_at, 'F')} ({timestamp(post.reveal_at, 'R')})\n{how}",
        inline=False,
    )
    return limits.cap_embed(embed)


def closed_embed(original: discord.Embed, thread_id: str | None) -> discord.Embed:
    """The question's embed once revealed: greyed out, the reveal time replaced by where the answer is."""
    closed = original.copy()
    closed.colour = CLOSED_COLOUR
    where = f"the reference answer is in <#{thread_id}>" if thread_id else "the reference answer is below"
    status = f"Closed — {where}. Late answers are still recorded."
    index = next((i for i, f in enumerate(closed.fields) if f.name in (REVEAL_FIELD, STATUS_FIELD)), None)
    if index is None:
        closed.add_field(name=STATUS_FIELD, value=status, inline=False)
    else:
        closed.set_field_at(index, name=STATUS_FIELD, value=status, inline=False)
    return limits.cap_embed(closed)


def echo_message(echo: AnswerEcho) -> tuple[str, discord.Embed]:
    """A member's answer shown in the thread: a one-line header naming them, the answer in an embed."""
    late = " (late)" if echo.late else ""
    header = limits.fit(f"**{safe_name(echo.member_name)}**{late} answered:", limits.MESSAGE)
    embed = discord.Embed(description=limits.fit(echo.text, limits.EMBED_DESCRIPTION), colour=OPEN_COLOUR)
    return header, embed


def reveal_embeds(reveal: RevealMessage) -> list[discord.Embed]:
    main = discord.Embed(
        title=limits.fit(f"Reference answer · question #{reveal.seq}", limits.EMBED_TITLE),
        description=limits.fit(reveal.answer, limits.EMBED_DESCRIPTION),
        colour=REVEAL_COLOUR,
    )
    if reveal.credit:  # footers show plain text: no markdown, no pings
        main.set_footer(text=limits.fit(reveal.credit, limits.EMBED_FOOTER))
    details = discord.Embed(colour=REVEAL_COLOUR)
    if reveal.key_points:
        points = "\n".join(f"• {p}" for p in reveal.key_points)
        details.add_field(name="Key points", value=limits.fit(points, limits.EMBED_FIELD_VALUE), inline=False)
    if reveal.follow_ups:
        follow = "\n".join(f"– {f}" for f in reveal.follow_ups)
        details.add_field(name="To think about next", value=limits.fit(follow, limits.EMBED_FIELD_VALUE), inline=False)
    names = ", ".join(safe_name(n) for n in reveal.answered_on_time) or "Nobody answered this one on time."
    details.add_field(
        name=f"Answered on time ({len(reveal.answered_on_time)})",
        value=limits.fit(names, limits.EMBED_FIELD_VALUE),
        inline=False,
    )
    embeds = [main, details]
    for index, (name, text) in enumerate(reveal.private_answers):
        answer = discord.Embed(description=limits.fit(text, limits.EMBED_DESCRIPTION), colour=REVEAL_COLOUR)
        # Author names are plain text on Discord: no markdown, no mentions.
        answer.set_author(name=limits.fit(name or "?", limits.EMBED_AUTHOR))
        if index == 0:
            answer.title = "Everyone's answers"
        embeds.append(answer)
    return embeds


def reply_embed(reply: Reply, title: str | None = None) -> discord.Embed:
    text = reply.text
    if title is None and "\n" in text and len(text.split("\n", 1)[0]) <= limits.EMBED_TITLE:
        first, rest = text.split("\n", 1)
        if first.startswith(("Leaderboard", "Practice question")):
            title, text = first, rest
    return limits.cap_embed(
        discord.Embed(
            title=limits.fit(title, limits.EMBED_TITLE) if title else None,
            description=limits.fit(text, limits.EMBED_DESCRIPTION),
            colour=OPEN_COLOUR if reply.ok else ERROR_COLOUR,
        )
    )


def thread_name(post: QuestionPost) -> str:
    return limits.fit(f"Q#{post.seq} · {post.topic_title} — answers", limits.THREAD_NAME)
