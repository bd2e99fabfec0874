"""◀ / ▶ on a leaderboard with more than one page: the clicked message is replaced with that page.

A button's value is `<period>:<metric>:<page>`, read back through the core's own command builder; a
season's board has the period `season.<season id>`, so its pages stay that season's.
The buttons' block id names whoever asked for the leaderboard (`qotd_lb_nav:<member id>`), so the
page keeps marking *their* row while anyone in the channel turns the pages.
"""

from __future__ import annotations

import re
from dataclasses import replace

from slack_bolt.async_app import AsyncApp

from adapters.slack.blocks import LEADERBOARD_BLOCK, LEADERBOARD_PAGE_ACTION, reply_blocks
from adapters.slack.listener_support import SlackContext, log, public, run_core
from adapters.slack.quiz_actions import action_channel, tell_clicker
from bot.commands import Leaderboard, build_command
from bot.errors import InvalidInput
from bot.ports import Member


def register_leaderboard_actions(bolt: AsyncApp, ctx: SlackContext) -> None:
    @bolt.action(re.compile(rf"^{LEADERBOARD_PAGE_ACTION}(:|$)"))
    async def on_page(ack, body, action, respond):
        await ack()
        wanted = page_command(str(action.get("value") or ""))
        if wanted is None:
            log.warning("ignoring a leaderboard page click with value %r", action.get("value"))
            return
        viewer = asked_by(action) or body["user"]["id"]
        reply = await run_core(
            ctx.qotd.handle(action_channel(body), Member(id=viewer, name=viewer), wanted), "paging the leaderboard"
        )
        if not reply.ok:
            await tell_clicker(respond, reply)
            return
        text, blocks = reply_blocks(reply, viewer)
        await respond(
            text=text,
            blocks=blocks,
            replace_original=True,
            response_type="in_channel" if public(reply) else "ephemeral",
        )


def page_command(value: str) -> Leaderboard | None:
    period, _, rest = value.partition(":")
    metric, _, page = rest.partition(":")
    period, dot, season = period.partition(".")
    if dot and (period != "season" or not season.isdigit()):
        return None
    try:
        command = build_command("leaderboard", [], {"period": period, "metric": metric, "page": page})
    except InvalidInput:
        return None
    if not isinstance(command, Leaderboard):
        return None
    return replace(command, season_id=int(season)) if dot else command


def asked_by(action: dict) -> str | None:
    prefix, sep, member_id = str(action.get("block_id") or "").partition(":")
    return member_id if prefix == LEADERBOARD_BLOCK and sep and member_id else None
