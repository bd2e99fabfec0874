"""`/qotd <subcommand> key=value ...`: acknowledged at once, then handed to the core as text.

Errors and help are ephemeral; successful public replies (setup, leaderboard, ...) go to the channel.
"""

from __future__ import annotations

from dataclasses import replace

from slack_bolt.async_app import AsyncApp

from adapters.slack.blocks import reply_blocks
from adapters.slack.listener_support import SlackContext, channel_ref, public, run_core
from adapters.slack.members import who_may_administer
from adapters.slack.files import respond_with_files
from adapters.slack.setup_modal import open_setup_modal, wants_setup_form
from adapters.slack.suggestion_actions import is_queue, open_suggest_modal, queue_blocks, wants_suggest_form


def register_commands(bolt: AsyncApp, ctx: SlackContext) -> None:
    @bolt.command("/qotd")
    async def on_command(ack, command, respond, client):
        await ack()
        channel = channel_ref(command["team_id"], command["channel_id"])
        member = await ctx.members.member(client, command["user_id"], command.get("user_name"))
        if member.is_admin and wants_setup_form(command.get("text")):  # others get the core's refusal below
            await open_setup_modal(ctx, client, respond, command, member)
            return
        if wants_suggest_form(command.get("text")):  # a bare /qotd suggest: the form (anyone may suggest)
            await open_suggest_modal(ctx, client, respond, command)
            return
        reply = await run_core(ctx.qotd.handle_text(channel, member, command.get("text") or ""), "/qotd")
        if reply.data.get("outcome") == "not_allowed":
            reply = replace(reply, text=f"{reply.text}\n{who_may_administer(ctx.settings.admin_group)}")
        if reply.attachments:  # exports and charts (adapters/slack/files.py)
            await respond_with_files(ctx, client, respond, command["channel_id"], member, reply)
            return
        text, blocks = queue_blocks(reply) if is_queue(reply) else reply_blocks(reply, viewer=member.id)
        await respond(text=text, blocks=blocks, response_type="in_channel" if public(reply) else "ephemeral")
