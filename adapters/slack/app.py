"""The Slack app: slack-bolt's AsyncApp wired to the core, for every way of running it.

Every command and interaction is acknowledged first (Slack allows 3 seconds); Bolt answers Slack
as soon as `ack()` is called and the core's work carries on after it. The same Bolt app is
served over HTTP (`http_server.py`) or Socket Mode (`socket_mode.py`).
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from adapters.slack.answers import register_answers
from adapters.slack.clients import SingleWorkspace, WorkspaceClients, web_client
from adapters.slack.commands import register_commands
from adapters.slack.listener_support import PLATFORM, SlackContext, log
from adapters.slack.members import MemberDirectory
from adapters.slack.port import SlackPort
from adapters.slack.settings import SlackSettings
from bot.bootstrap import Qotd


def build_slack_app(qotd: Qotd, settings: SlackSettings, *, clients: WorkspaceClients | None = None, **bolt_options) -> AsyncApp:
    """The Bolt app wired to the core; also connects a SlackPort so the core can post."""
    client = web_client(settings.bot_token, settings.api_url)
    bolt = AsyncApp(client=client, signing_secret=settings.signing_secret or "", logger=log, **bolt_options)
    ctx = SlackContext(qotd, settings, MemberDirectory(settings.admin_cache_seconds, admin_group=settings.admin_group))
    qotd.connect(PLATFORM, SlackPort(clients or SingleWorkspace(client)))
    register_commands(bolt, ctx)
    register_answers(bolt, ctx)
    return bolt
