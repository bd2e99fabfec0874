"""Distribution to many workspaces: installations and OAuth states kept in the bot's own database.

- `SqlInstallationStore` is Bolt's installation store (slack-sdk's `AsyncInstallationStore`) on the
  core's async SQLAlchemy engine, so SQLite and PostgreSQL both work and every process of a
  horizontally scaled deployment sees the same installs. One row per workspace
  (`slack_installations`); installing again replaces it. Only bot tokens are kept: the app asks
  for no user scopes.
- `SqlOAuthStateStore` issues the `state` of an install attempt and consumes it exactly once,
  before it expires (`slack_oauth_states`).
- `InstalledWorkspaces` is the `WorkspaceClients` the port uses: the workspace's own bot token,
  looked up for every call so an uninstall seen by any process counts at once.
- `oauth_settings()` and `register_uninstall_listeners()` are what `build_slack_app` wires in.

The tables are defined in `bot/db/adapter_tables.py` (the core never reads them) and created by
migration 0003.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.error import BoltError
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import and_, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.clients import NOT_INSTALLED_REASON, WorkspaceNotInstalled, web_client
from adapters.slack.listener_support import PLATFORM, SlackContext
from adapters.slack.settings import SlackSettings
from bot.db.statements import upsert
from bot.db.tables import slack_installations as installations
from bot.db.tables import slack_oauth_states as states

log = logging.getLogger(__name__)
UTC = timezone.utc

# What the app does with each scope:
#   commands           /qotd
#   chat:write         questions, thread replies, reveals, private acknowledgements, closing a question
#   channels:history   thread replies (answers) in public channels ...
#   groups:history     ... and in private channels the app was invited to; both also let a retried
#                      post or reveal find what an attempt whose answer was lost already posted
#   users:read         members' names and whether they are workspace admins
#   usergroups:read    SLACK_ADMIN_GROUP: members of an admin user group
#   files:write        /qotd export's JSON and CSV files, the team report's chart
#   im:write           a direct message with a member, for files only they should see (their exports)
# Not chat:write.public: the app must be a member of the channel anyway to see the answers in its
# threads, so posting into a channel it was not invited to would only collect answers it never sees.
BOT_SCOPES = (
    "commands", "chat:write", "channels:history", "groups:history", "users:read", "usergroups:read", "files:write", "im:write",
)
REMOVED = "the app was removed from the workspace"
# Shown (ephemerally) to anyone using the app in a workspace with no installation in our database.
NOT_INSTALLED = (
    "Sorry, this app is not installed in this workspace (or it was removed), so nothing was changed. "
    "A workspace admin can install it again from the app's install page."
)
STATE_SECONDS = 600  # Slack's own default for how long an install attempt may take


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _instant(timestamp: float | int | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, tz=UTC)


def _scopes(scopes: Any) -> str:
    if not scopes:
        return ""
    return scopes if isinstance(scopes, str) else ",".join(scopes)


def _key(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> dict[str, str]:
    """The row key: an organisation-wide install has no team."""
    return {"enterprise_id": enterprise_id or "", "team_id": "" if is_enterprise_install else (team_id or "")}


def _matching(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False):
    """Rows for a workspace (team ids are unique across Slack, Enterprise Grid or not), or for an org-wide install."""
    c = installations.c
    if is_enterprise_install or not team_id:
        return and_(c.enterprise_id == (enterprise_id or ""), c.team_id == "")
    return c.team_id == team_id


class SqlInstallationStore(AsyncInstallationStore):
    """Bot installations, one row per workspace (or organisation), in the bot's database."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        logger: logging.Logger = log,
        on_installed: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self.engine = engine
        self._logger = logger
        self._on_installed = on_installed  # called with the team id after each workspace install is saved

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    async def async_save(self, installation: Installation) -> None:
        if not installation.bot_token:
            # Bolt shows its failure page for a BoltError ("storage_error") instead of a bare 500.
            raise BoltError("the installation carries no bot token; the app needs its bot scopes")
        values = {
            "enterprise_name": installation.enterprise_name,
            "enterprise_url": installation.enterprise_url,
            "team_name": installation.team_name,
            "app_id": installation.app_id,
            "installer_user_id": installation.user_id or None,
            "token_type": installation.token_type,
            **self._bot_values(installation.to_bot()),
        }
        await self._upsert(_key(installation.enterprise_id, installation.team_id, installation.is_enterprise_install), values)
        self.logger.info("Slack app installed in workspace %s (%s)", installation.team_id or installation.enterprise_id,
                         installation.team_name or installation.enterprise_name)
        if installation.team_id and self._on_installed is not None:
            try:
                await self._on_installed(installation.team_id)
            except Exception:  # the install itself is saved; its schedules can still be resumed by hand
                self.logger.exception("could not restart the schedules of reinstalled workspace %s", installation.team_id)

    async def async_save_bot(self, bot: Bot) -> None:
        """A new bot token for an existing install (token rotation); the rest of the row stays."""
        await self._upsert(_key(bot.enterprise_id, bot.team_id, bot.is_enterprise_install), self._bot_values(bot))

    @staticmethod
    def _bot_values(bot: Bot) -> dict[str, Any]:
        return {
            "bot_token": bot.bot_token,
            "bot_id": bot.bot_id,
            "bot_user_id": bot.bot_user_id,
            "bot_scopes": _scopes(bot.bot_scopes),
            "bot_refresh_token": bot.bot_refresh_token,
            "bot_token_expires_at": _instant(bot.bot_token_expires_at),
            "is_enterprise_install": bool(bot.is_enterprise_install),
            "installed_at": _instant(bot.installed_at),
        }

    async def _upsert(self, key: dict[str, str], values: dict[str, Any]) -> None:
        async with self.engine.begin() as conn:
            await upsert(conn, installations, {**key, **values}, ["enterprise_id", "team_id"], values)

    async def _latest(self, condition) -> Any | None:
        query = select(installations).where(condition).order_by(installations.c.installed_at.desc()).limit(1)
        async with self.engine.connect() as conn:
            return (await conn.execute(query)).first()

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        row = await self._latest(_matching(enterprise_id, team_id, is_enterprise_install))
        return None if row is None else self._bot(row)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        row = await self._latest(_matching(enterprise_id, team_id, is_enterprise_install))
        if row is None:
            return None
        if user_id is not None and user_id != row.installer_user_id:
            return None  # no installation of that user's own (Bolt then uses the workspace's bot token)
        return Installation(
            **_bot_fields(row),
            enterprise_url=row.enterprise_url,
            user_id=row.installer_user_id or "",
            token_type=row.token_type,
        )

    async def find_workspace_bot(self, team_id: str) -> Bot | None:
        """The bot of the workspace a channel belongs to (what the port needs)."""
        return await self.async_find_bot(enterprise_id=None, team_id=team_id) if team_id else None

    @staticmethod
    def _bot(row) -> Bot:
        return Bot(**_bot_fields(row))

    async def _delete(self, enterprise_id: str | None, team_id: str | None) -> int:
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(installations).where(_matching(enterprise_id, team_id)))
        return result.rowcount

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        # A bot-only app without its bot token is not installed any more.
        await self._delete(enterprise_id, team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is not None:
            return  # a member's own token was revoked: no user tokens are kept, the bot stays installed
        await self._delete(enterprise_id, team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._delete(enterprise_id, team_id)


class SqlOAuthStateStore(AsyncOAuthStateStore):
    """The `state` of each install attempt: random, valid for `expiration_seconds`, usable once."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        expiration_seconds: int = STATE_SECONDS,
        now: Callable[[], datetime] = _utcnow,
        logger: logging.Logger = log,
    ) -> None:
        self.engine = engine
        self.expiration_seconds = expiration_seconds
        self._now = now
        self._logger = logger

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    async def async_issue(self, *args, **kwargs) -> str:
        state = secrets.token_urlsafe(32)
        now = self._now()
        async with self.engine.begin() as conn:
            await conn.execute(delete(states).where(states.c.expires_at <= now))  # forget abandoned attempts
            await conn.execute(insert(states).values(state=state, expires_at=now + timedelta(seconds=self.expiration_seconds)))
        return state

    async def async_consume(self, state: str) -> bool:
        """True once for a state this store issued and that has not expired; False otherwise."""
        if not state or len(state) > states.c.state.type.length:
            return False
        async with self.engine.begin() as conn:
            # One statement: of two concurrent callbacks with the same state, only one deletes the row.
            result = await conn.execute(delete(states).where(states.c.state == state, states.c.expires_at > self._now()))
        if result.rowcount != 1:
            self.logger.info("refused an install callback with an unknown, used or expired state")
            return False
        return True


class InstalledWorkspaces:
    """`WorkspaceClients` for a distributed app: each workspace's client carries its own bot token.

    The installation is read for every call (one indexed row), so an uninstall or a reinstall seen
    by any process takes effect at once; the client object is reused while the token stays the same.
    """

    def __init__(
        self,
        store: SqlInstallationStore,
        api_url: str | None,
        *,
        rotator: AsyncTokenRotator | None = None,
        rotate_minutes_before: int = 120,
    ) -> None:
        self.store = store
        self.api_url = api_url
        self.rotator = rotator
        self.rotate_minutes_before = rotate_minutes_before
        self._clients: dict[str, AsyncWebClient] = {}

    async def for_team(self, team_id: str) -> AsyncWebClient:
        bot = await self.store.find_workspace_bot(team_id)
        if bot is None or not bot.bot_token:
            self._clients.pop(team_id, None)
            raise WorkspaceNotInstalled(team_id)
        if bot.bot_refresh_token and self.rotator is not None:
            rotated = await self.rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=self.rotate_minutes_before)
            if rotated is not None:
                await self.store.async_save_bot(rotated)
                bot = rotated
        client = self._clients.get(team_id)
        if client is None or client.token != bot.bot_token:
            client = self._clients[team_id] = web_client(bot.bot_token, self.api_url)
        return client


def oauth_settings(
    settings: SlackSettings, store: SqlInstallationStore, state_store: SqlOAuthStateStore, client: AsyncWebClient
) -> AsyncOAuthSettings:
    """Bolt's install flow (`/slack/install`, `/slack/oauth_redirect`) over our stores.

    `client` (no token, pointed at SLACK_API_URL) is the one Bolt also uses for oauth.v2.access and
    for each request's client; the authorize step gets it too, for token rotation.
    """
    if not (settings.client_id and settings.client_secret):
        raise ValueError("oauth_settings needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
    oauth = AsyncOAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=settings.install_redirect_url,
        installation_store=store,
        state_store=state_store,
        state_expiration_seconds=state_store.expiration_seconds,
        logger=log,
    )
    # Bolt's default authorize, plus our client (rotation goes to SLACK_API_URL too) and a cache of
    # auth.test results per token, which keeps that call out of the 3 seconds a command has.
    oauth.authorize = AsyncInstallationStoreAuthorize(
        logger=log,
        installation_store=store,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        token_rotation_expiration_minutes=oauth.token_rotation_expiration_minutes,
        cache_enabled=True,
        client=client,
    )
    return oauth


# Schedules stopped for these reasons start again when their workspace installs the app again.
RESTARTED_ON_REINSTALL = (REMOVED, NOT_INSTALLED_REASON)


def restart_on_reinstall(ctx: SlackContext) -> Callable[[str], Awaitable[None]]:
    """What SqlInstallationStore calls after an install: the workspace's schedules the removal stopped run again."""

    async def restart(team_id: str) -> None:
        restarted = await ctx.qotd.workspace_restored(PLATFORM, team_id, RESTARTED_ON_REINSTALL)
        if restarted:
            log.info("workspace %s installed the app again: %d schedule(s) restarted", team_id, restarted)

    return restart


def register_uninstall_listeners(bolt: AsyncApp, ctx: SlackContext, store: SqlInstallationStore) -> None:
    """`app_uninstalled` / `tokens_revoked` (bot): forget the install, stop the workspace's schedules."""

    async def removed(enterprise_id: str | None, team_id: str | None, what: str) -> None:
        await store.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)
        if not team_id:
            log.warning("%s for organisation %s: installation deleted", what, enterprise_id)
            return
        stopped = await ctx.qotd.workspace_removed(PLATFORM, team_id, REMOVED)
        log.info("%s in workspace %s: installation deleted, %d schedule(s) stopped", what, team_id, stopped)

    @bolt.event("app_uninstalled")
    async def on_app_uninstalled(context) -> None:
        await removed(context.enterprise_id, context.team_id, "app uninstalled")

    @bolt.event("tokens_revoked")
    async def on_tokens_revoked(event, context) -> None:
        if not (event.get("tokens") or {}).get("bot"):
            return  # only members' own tokens, which the app neither asks for nor keeps
        await removed(context.enterprise_id, context.team_id, "bot token revoked")


def _bot_fields(row) -> dict:
    """What a stored row holds about the workspace's bot (shared by Bot and Installation)."""
    return {
        "app_id": row.app_id,
        "enterprise_id": row.enterprise_id or None,
        "enterprise_name": row.enterprise_name,
        "team_id": row.team_id or None,
        "team_name": row.team_name,
        "bot_token": row.bot_token,
        "bot_id": row.bot_id,
        "bot_user_id": row.bot_user_id,
        "bot_scopes": row.bot_scopes,
        "bot_refresh_token": row.bot_refresh_token,
        "bot_token_expires_at": row.bot_token_expires_at,
        "is_enterprise_install": row.is_enterprise_install,
        "installed_at": row.installed_at,
    }
