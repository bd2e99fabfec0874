"""Suggestions on Discord: the /qotd suggest form, the moderation queue's buttons, edit and reject forms.

- `/qotd suggest` opens a form (question, reference answer, key points, topic and difficulty pickers).
- `/qotd admin suggestions` answers with a summary, then one private message per waiting suggestion,
  each with **Approve**, **Edit** and **Reject** buttons (`qotd:sg:<action>:<id>`, dynamic items, so
  they keep working after a restart). A decision replaces that message with the outcome.
- **Edit** opens the form filled with the suggestion's current text; **Reject** asks for the reason.

Like the answer modal (adapters/discord/views.py) the forms are stateless: never kept in discord.py's
modal store, decoded from their custom ids (`qotd:sg-new`, `qotd:sg-edit:<id>`, `qotd:sg-reject:<id>`)
by `on_suggestion_modal`, which the client's `on_interaction` calls. Every check and every change
is the core's; the forms only collect text.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from adapters.discord import limits
from adapters.discord.interactions import (
    defer,
    defer_update,
    finish,
    interaction_channel,
    interaction_member,
    run_core,
    send_error,
)
from adapters.discord.rendering import reply_embed
from adapters.discord.views import submitted_values
from bot.commands import Admin, build_command
from bot.errors import QotdError
from bot.ports import Reply
from bot.suggestion_rules import ANSWER_CHARS, KEY_POINT_CHARS, KEY_POINTS, QUESTION_CHARS, REASON_CHARS
from bot.topics import DIFFICULTY_LABELS, TOPICS

NO_PINGS = discord.AllowedMentions.none()
SUGGEST_MODAL = "qotd:sg-new"
EDIT_MODAL = re.compile(r"qotd:sg-edit:(?P<id>\d+)")
REJECT_MODAL = re.compile(r"qotd:sg-reject:(?P<id>\d+)")
FIELD = {name: f"qotd:sg:{name}" for name in ("question", "answer", "points", "topic", "difficulty", "reason")}
PENDING_COLOUR = discord.Colour.gold()
APPROVED_COLOUR = discord.Colour.green()
REJECTED_COLOUR = discord.Colour.dark_grey()
POINTS_CHARS = KEY_POINTS[1] * (KEY_POINT_CHARS + 1)


def _qotd(interaction: discord.Interaction):
    return interaction.client.qotd  # type: ignore[attr-defined]


def _member(interaction: discord.Interaction):
    return interaction_member(interaction, getattr(interaction.client, "admin_role_id", None))


# ---- the forms ----------------------------------------------------------------------------------------


def suggestion_modal(custom_id: str, title: str, card: dict[str, Any] | None = None) -> discord.ui.Modal:
    """The suggestion form, empty or filled with a suggestion's current text. Stopped: never stored."""
    card = card or {}
    modal = discord.ui.Modal(title=limits.fit(title, limits.MODAL_TITLE), custom_id=custom_id, timeout=None)
    modal.add_item(
        discord.ui.Label(
            text="Question",
            description="What would you ask a teammate? Markdown and code blocks welcome.",
            component=discord.ui.TextInput(
                custom_id=FIELD["question"], style=discord.TextStyle.paragraph, min_length=QUESTION_CHARS[0],
                max_length=QUESTION_CHARS[1], default=card.get("question"),
            ),
        )
    )
    modal.add_item(
        discord.ui.Label(
            text="Reference answer",
            description="What a good answer covers, in 10 to 300 words.",
            component=discord.ui.TextInput(
                custom_id=FIELD["answer"], style=discord.TextStyle.paragraph, max_length=ANSWER_CHARS,
                default=card.get("answer"),
            ),
        )
    )
    points = card.get("key_points")
    modal.add_item(
        discord.ui.Label(
            text="Key points",
            description=f"{KEY_POINTS[0]} to {KEY_POINTS[1]} points to grade answers against, one per line.",
            component=discord.ui.TextInput(
                custom_id=FIELD["points"], style=discord.TextStyle.paragraph, max_length=POINTS_CHARS,
                default="\n".join(points) if points else None, placeholder="One key point per line",
            ),
        )
    )
    modal.add_item(
        discord.ui.Label(
            text="Topic",
            component=discord.ui.Select(
                custom_id=FIELD["topic"],
                placeholder="Pick a topic",
                options=[
                    discord.SelectOption(label=limits.fit(title, 100), value=slug, default=slug == card.get("topic"))
                    for slug, title in TOPICS.items()
                ],
            ),
        )
    )
    modal.add_item(
        discord.ui.Label(
            text="Difficulty",
            component=discord.ui.Select(
                custom_id=FIELD["difficulty"],
                placeholder="Pick a difficulty",
                options=[
                    discord.SelectOption(label=f"{level} — {label}", value=str(level), default=level == card.get("difficulty"))
                    for level, label in DIFFICULTY_LABELS.items()
                ],
            ),
        )
    )
    modal.stop()
    return modal


def reject_modal(suggestion_id: int) -> discord.ui.Modal:
    modal = discord.ui.Modal(title=f"Reject suggestion #{suggestion_id}", custom_id=f"qotd:sg-reject:{suggestion_id}", timeout=None)
    modal.add_item(
        discord.ui.Label(
            text="Reason",
            description="The member sees this, so be kind and specific.",
            component=discord.ui.TextInput(
                custom_id=FIELD["reason"], style=discord.TextStyle.paragraph, max_length=REASON_CHARS,
                placeholder="e.g. the bank already asks this one",
            ),
        )
    )
    modal.stop()
    return modal


def _fields(interaction: discord.Interaction) -> dict[str, str]:
    values = submitted_values((interaction.data or {}).get("components") or [])
    return {name: values[custom_id] for name, custom_id in FIELD.items() if custom_id in values}


async def open_suggest_form(interaction: discord.Interaction) -> None:
    """`/qotd suggest`: anyone may suggest; the form is the whole command."""
    await interaction.response.send_modal(suggestion_modal(SUGGEST_MODAL, "Suggest a question"))


async def on_suggestion_modal(interaction: discord.Interaction) -> bool:
    """Handle a submitted suggestion, edit or reject form; False when the form is not one of these."""
    custom_id = str((interaction.data or {}).get("custom_id", ""))
    if custom_id == SUGGEST_MODAL:
        await _submit_suggestion(interaction)
        return True
    edit = EDIT_MODAL.fullmatch(custom_id)
    if edit:
        fields = {k: v for k, v in _fields(interaction).items() if k != "reason"}
        await _decide(interaction, "edit", {"id": edit["id"], **fields}, "editing a suggestion")
        return True
    reject = REJECT_MODAL.fullmatch(custom_id)
    if reject:
        reason = _fields(interaction).get("reason", "")
        if not reason.strip():  # a reason of only spaces: say so in the form's words
            reason = ""
        await _decide(interaction, "reject", {"id": reject["id"], "reason": reason}, "rejecting a suggestion")
        return True
    return False


async def _submit_suggestion(interaction: discord.Interaction) -> None:
    await defer(interaction, ephemeral=True)
    fields = {k: v for k, v in _fields(interaction).items() if k != "reason"}
    try:
        command = build_command("suggest", [], fields)
    except QotdError as exc:
        await finish(interaction, Reply(f"Sorry, {exc.message.rstrip('.')}. Nothing was saved; please try again.", ok=False))
        return
    reply = await run_core(
        _qotd(interaction).handle(interaction_channel(interaction), _member(interaction), command), "/qotd suggest"
    )
    await finish(interaction, Reply(reply.text, private=True, ok=reply.ok, data=reply.data))


# ---- the moderation queue -------------------------------------------------------------------------------


class SuggestionButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"qotd:sg:(?P<action>approve|edit|reject):(?P<id>\d+)"
):
    STYLES = {
        "approve": ("Approve", discord.ButtonStyle.success),
        "edit": ("Edit", discord.ButtonStyle.secondary),
        "reject": ("Reject", discord.ButtonStyle.danger),
    }

    def __init__(self, action: str, suggestion_id: int) -> None:
        label, style = self.STYLES[action]
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=f"qotd:sg:{action}:{suggestion_id}"))
        self.action = action
        self.suggestion_id = suggestion_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]):  # noqa: ARG003
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.action == "approve":
            await _decide(interaction, "approve", {"id": str(self.suggestion_id)}, "approving a suggestion")
            return
        if not _member(interaction).is_admin:  # the core refuses too; this just avoids opening a form for nothing
            await send_error(interaction, "Sorry, only admins review suggestions: it needs the **Manage Server** permission.")
            return
        if self.action == "reject":
            await interaction.response.send_modal(reject_modal(self.suggestion_id))
            return
        card = await _qotd(interaction).suggestion(interaction_channel(interaction), self.suggestion_id)
        if card is None or card["status"] != "pending":
            state = f"was already {card['status']}" if card else "no longer exists"
            await send_error(interaction, f"Sorry, suggestion #{self.suggestion_id} {state}; nothing to edit.")
            return
        await interaction.response.send_modal(
            suggestion_modal(f"qotd:sg-edit:{self.suggestion_id}", f"Edit suggestion #{self.suggestion_id}", card)
        )


async def _decide(interaction: discord.Interaction, action: str, options: dict[str, str], what: str) -> None:
    """Run an admin action on one suggestion and show the outcome on its message (or tell only the clicker)."""
    await defer_update(interaction)
    try:
        command = build_command("admin", [action], options)
    except QotdError as exc:
        reply = Reply(f"Sorry, {exc.message.rstrip('.')}. Nothing changed.", ok=False)
    else:
        assert isinstance(command, Admin)
        reply = await run_core(_qotd(interaction).handle(interaction_channel(interaction), _member(interaction), command), what)
    card = reply.data.get("card")
    if not reply.ok or card is None:
        await interaction.followup.send(embed=reply_embed(reply), ephemeral=True, allowed_mentions=NO_PINGS)
        return
    view = suggestion_view(card["id"]) if card["status"] == "pending" else None
    note = reply.text.split("\n", 1)[0]
    await interaction.edit_original_response(
        embed=suggestion_embed(card, note=note), view=view, allowed_mentions=NO_PINGS
    )


def suggestion_embed(card: dict[str, Any], note: str = "") -> discord.Embed:
    """One suggestion: question and answer in the description, key points, look-alikes and its state."""
    status = card["status"]
    colour = {"approved": APPROVED_COLOUR, "rejected": REJECTED_COLOUR}.get(status, PENDING_COLOUR)
    level = DIFFICULTY_LABELS.get(card["difficulty"], "?")
    label = {"approved": "Approved", "rejected": "Rejected"}.get(status, "Suggestion")
    embed = discord.Embed(
        title=limits.fit(f"{label} #{card['id']} · {card['topic_title']} · difficulty {card['difficulty']} ({level})", limits.EMBED_TITLE),
        description=limits.fit(f"**Question**\n{card['question']}\n\n**Reference answer**\n{card['answer']}", limits.EMBED_DESCRIPTION),
        colour=colour,
    )
    # Member-written names go in the author line: plain text, no markdown, no pings.
    embed.set_author(name=limits.fit(f"Suggested by {card['member_name']}", limits.EMBED_AUTHOR))
    points = "\n".join(f"• {p}" for p in card["key_points"])
    embed.add_field(name="Key points", value=limits.fit(points or "—", limits.EMBED_FIELD_VALUE), inline=False)
    duplicate = card.get("duplicate")
    if duplicate:
        embed.add_field(
            name=f"⚠ Looks like {duplicate['id']} (similarity {duplicate['score']:.2f})",
            value=limits.fit(duplicate["text"] or "—", limits.EMBED_FIELD_VALUE),
            inline=False,
        )
    if status == "rejected" and card.get("reason"):
        embed.add_field(name="Reason", value=limits.fit(card["reason"], limits.EMBED_FIELD_VALUE), inline=False)
    if note:
        embed.add_field(name="Done" if status != "pending" else "Updated", value=limits.fit(note, limits.EMBED_FIELD_VALUE), inline=False)
    elif card.get("edited"):
        embed.set_footer(text="Edited by an admin")
    return limits.cap_embed(embed)


def suggestion_view(suggestion_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in ("approve", "edit", "reject"):
        view.add_item(SuggestionButton(action, suggestion_id))
    return view


async def send_queue(interaction: discord.Interaction, reply: Reply) -> None:
    """The queue's summary replaces the "thinking…" message; each suggestion follows as its own private message."""
    cards = reply.data.get("suggestions") or []
    summary = reply.text.split("\n", 1)[0]
    if cards:
        summary += "\nUse the buttons under each suggestion; the member is told what you decide."
    await finish(interaction, Reply(summary, private=True, ok=reply.ok, data=reply.data))
    for card in cards:
        await interaction.followup.send(
            embed=suggestion_embed(card), view=suggestion_view(card["id"]), ephemeral=True, allowed_mentions=NO_PINGS
        )


SUGGESTION_ITEMS = (SuggestionButton,)
