"""The Slack app: slack-bolt's AsyncApp wired to the core, for every way of running it.

Every command and interaction is acknowledged first (Slack allows 3 seconds); Bolt answers Slack
as soon as `ack()` is called and the core's work carries on after it. The same Bolt app is
served over HTTP (`http_server.py`) or Socket Mode (`socket_mode.py`).
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from adapters.slack.answers import register_answers
from adapters.slack.app_home import register_app_home
from adapters.slack.clients import SingleWorkspace, WorkspaceClients, web_client
from adapters.slack.commands import register_commands
from adapters.slack.installations import (
    NOT_INSTALLED,
    InstalledWorkspaces,
    SqlInstallationStore,
    SqlOAuthStateStore,
    oauth_settings,
    register_uninstall_listeners,
    restart_on_reinstall,
)
from adapters.slack.leaderboard_actions import register_leaderboard_actions
from adapters.slack.listener_support import PLATFORM, SlackContext, log
from adapters.slack.member_data_actions import register_member_data_actions
from adapters.slack.members import MemberDirectory
from adapters.slack.port import SlackPort
from adapters.slack.quiz_actions import register_quiz_actions
from adapters.slack.self_check_actions import register_self_check_actions
from adapters.slack.settings import OAUTH, SlackSettings
from adapters.slack.setup_modal import register_setup_modal
from adapters.slack.suggestion_actions import register_suggestion_actions
from bot.bootstrap import Qotd


def build_slack_app(qotd: Qotd, settings: SlackSettings, *, clients: WorkspaceClients | None = None, **bolt_options) -> AsyncApp:
    """The Bolt app wired to the core; also connects a SlackPort so the core can post.

    Distribution mode (`settings.mode == "oauth"`) adds the install pages, keeps each workspace's
    installation in the bot's database, and posts with that workspace's own bot token.
    """
    ctx = SlackContext(qotd, settings, MemberDirectory(settings.admin_cache_seconds, admin_group=settings.admin_group))
    if settings.mode == OAUTH:
        # No token here: Bolt sets each request's token from the installation. This client's base URL
        # (SLACK_API_URL) is used for oauth.v2.access, token rotation and every per-request client.
        client = web_client(None, settings.api_url)
        store = SqlInstallationStore(qotd.ctx.engine, on_installed=restart_on_reinstall(ctx))
        states = SqlOAuthStateStore(qotd.ctx.engine, now=qotd.ctx.clock.now)
        oauth = oauth_settings(settings, store, states, client)
        bolt_options.setdefault("user_facing_authorize_error_message", NOT_INSTALLED)
        bolt = AsyncApp(client=client, signing_secret=settings.signing_secret or "", logger=log, oauth_settings=oauth, **bolt_options)
        clients = clients or InstalledWorkspaces(store, settings.api_url, rotator=oauth.authorize.token_rotator)
        register_uninstall_listeners(bolt, ctx, store)
    else:
        client = web_client(settings.bot_token, settings.api_url)
        bolt = AsyncApp(client=client, signing_secret=settings.signing_secret or "", logger=log, **bolt_options)
        clients = clients or SingleWorkspace(client)
    qotd.connect(PLATFORM, SlackPort(clients))
    register_commands(bolt, ctx)
    register_answers(bolt, ctx)
    register_quiz_actions(bolt, ctx)
    register_leaderboard_actions(bolt, ctx)
    register_app_home(bolt, ctx)
    register_setup_modal(bolt, ctx)
    register_self_check_actions(bolt, ctx)
    register_suggestion_actions(bolt, ctx)
    register_member_data_actions(bolt, ctx)
    return bolt
