"""Self-checks on Slack: "Check my answer" (on a reveal and on /qotd check replies) and "Tick key points"
(on a practice answer) open a form with a checkbox per key point.

A click is acknowledged at once, then the core is asked for the member's self-check: who may tick
what is the core's decision (only members who answered, only after the reveal; a practice question
only by its owner after Show answer). When the member may tick, the form opens (views.open) pre-ticked
from their earlier ticks or the automatic guess; otherwise only the clicker is told why, or, for a
member who did not answer, shown the key points and the team's coverage. The submitted form records
the ticks and the result is shown only to the member (chat.postEphemeral in the channel of the click).
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from adapters.slack.blocks import reply_blocks
from adapters.slack.listener_support import SlackContext, body_team, channel_ref, log, run_core
from adapters.slack.quiz_actions import action_channel, tell_clicker
from adapters.slack.self_check_blocks import (
    CHECK_ACTION,
    CHECK_MODAL,
    check_modal,
    parse_check_value,
    ticked_numbers,
)
from bot.commands import Check
from bot.ports import Reply


def command_for(kind: str, target: int, points: tuple[int, ...] | None = None) -> Check:
    if kind == "quiz":
        return Check(points=points, quiz=True, attempt=target)
    return Check(points=points, post_id=target)


def register_self_check_actions(bolt: AsyncApp, ctx: SlackContext) -> None:
    @bolt.action(CHECK_ACTION)
    async def on_check(ack, body, action, respond, client):
        await ack()
        parsed = parse_check_value(str(action.get("value") or ""))
        if parsed is None:
            log.warning("ignoring a self-check click with value %r", action.get("value"))
            return
        kind, target = parsed
        user = body.get("user") or {}
        member = await ctx.members.member(client, user["id"], user.get("name") or user.get("username"))
        channel = action_channel(body)
        reply = await run_core(ctx.qotd.handle(channel, member, command_for(kind, target)), "showing a self-check")
        if not reply.ok or reply.data.get("answered") is False:
            # A refusal, or the key points and the team's coverage for someone with nothing to tick.
            await tell_clicker(respond, Reply(reply.text, private=True, ok=reply.ok))
            return
        view = check_modal(kind, target, channel.channel_id, reply.data)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @bolt.view(CHECK_MODAL)
    async def on_submitted(ack, body, view, client):
        await ack()  # closes the form; the result is shown privately below
        metadata = str(view.get("private_metadata") or "")
        kind_target, _, channel_id = metadata.rpartition(":")
        parsed = parse_check_value(kind_target)
        points = ticked_numbers((view.get("state") or {}).get("values") or {})
        if parsed is None or points is None or not channel_id:
            log.warning("ignoring a self-check form with metadata %r", metadata)
            return
        kind, target = parsed
        user_id = body["user"]["id"]
        channel = channel_ref(body_team(body), channel_id)
        member = await ctx.members.member(client, user_id, body["user"].get("name"))
        reply = await run_core(ctx.qotd.handle(channel, member, command_for(kind, target, points)), "recording a self-check")
        text, blocks = reply_blocks(Reply(reply.text, private=True, ok=reply.ok))
        await client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
