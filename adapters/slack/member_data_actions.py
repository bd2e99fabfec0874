"""/qotd forget-me's "Delete my data" button on Slack.

The button sits on the ephemeral explanation and carries the member's confirmation code; the core
checks the code against whoever clicks, so it only ever deletes the clicker's own data in this
workspace. On success the explanation is replaced by the outcome; otherwise only the clicker is
told why and the message stays.
"""

from __future__ import annotations

import re

from slack_bolt.async_app import AsyncApp

from adapters.slack.blocks import FORGET_ACTION, reply_blocks
from adapters.slack.listener_support import SlackContext, log, run_core
from adapters.slack.quiz_actions import action_channel, tell_clicker
from bot.commands import FORGET_CODE_ALPHABET, FORGET_CODE_LENGTH, ForgetMe

CODE = re.compile(rf"[{FORGET_CODE_ALPHABET}]{{{FORGET_CODE_LENGTH}}}")


def register_member_data_actions(bolt: AsyncApp, ctx: SlackContext) -> None:
    @bolt.action(FORGET_ACTION)
    async def on_forget_confirmed(ack, body, action, respond, client):
        await ack()
        code = str(action.get("value") or "")
        if not CODE.fullmatch(code):
            log.warning("ignoring a Delete my data click with value %r", code)
            return
        user = body.get("user") or {}
        member = await ctx.members.member(client, user["id"], user.get("name") or user.get("username"))
        reply = await run_core(ctx.qotd.handle(action_channel(body), member, ForgetMe(confirm=code)), "forgetting a member")
        if not reply.ok:
            await tell_clicker(respond, reply)
            return
        text, blocks = reply_blocks(reply)
        await respond(text=text, blocks=blocks, replace_original=True)
