"""What every Slack listener shares: the core, the member directory, and safe calls into the core."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from adapters.slack.members import MemberDirectory
from adapters.slack.settings import SlackSettings
from bot.bootstrap import Qotd
from bot.ports import ChannelRef, Reply

log = logging.getLogger("adapters.slack")
PLATFORM = "slack"
SOMETHING_WENT_WRONG = "Sorry, something went wrong on our side; nothing was changed. Please try again in a minute."


@dataclass
class SlackContext:
    qotd: Qotd
    settings: SlackSettings
    members: MemberDirectory


def channel_ref(team_id: str | None, channel_id: str) -> ChannelRef:
    return ChannelRef(PLATFORM, str(team_id or ""), str(channel_id))


def body_team(body: dict) -> str:
    """The workspace a request came from, wherever this payload type keeps it."""
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    return str(body.get("team_id") or (body.get("user") or {}).get("team_id") or team or "")


def public(reply: Reply) -> bool:
    return reply.ok and not reply.private


async def run_core(work, what: str) -> Reply:
    """Await the core; an unexpected failure is logged and becomes a friendly private reply."""
    try:
        return await work
    except Exception:
        log.exception("%s failed", what)
        return Reply(SOMETHING_WENT_WRONG, private=True, ok=False, data={"outcome": "error"})
