"""Slack settings from the environment, checked once at start-up.

Three ways to run, picked by which credentials are present:
- **Socket Mode** (`SLACK_APP_TOKEN` xapp-… + `SLACK_BOT_TOKEN`): one workspace, no public URL.
- **HTTP mode** (`SLACK_BOT_TOKEN` + `SLACK_SIGNING_SECRET`): one workspace, behind a load balancer.
- **Distribution** (`SLACK_CLIENT_ID` + `SLACK_CLIENT_SECRET` + `SLACK_SIGNING_SECRET`): HTTP mode for
  any number of workspaces, installed through `/slack/install`; tokens live in the bot's database.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

SOCKET = "socket"
HTTP = "http"
OAUTH = "oauth"


class SlackConfigError(ValueError):
    """Missing or malformed Slack settings: one clear message, the caller exits non-zero."""


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    api_url: str | None = None
    host: str = "0.0.0.0"
    port: int = 3000
    admin_cache_seconds: float = 300.0
    app_token: str | None = field(default=None, repr=False)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    admin_group: str | None = None  # a user group handle or id whose members may run admin commands
    install_redirect_url: str | None = None

    @property
    def mode(self) -> str:
        if self.client_id:
            return OAUTH
        if self.app_token:
            return SOCKET
        return HTTP

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "SlackSettings":
        env = os.environ if env is None else env
        token = env.get("SLACK_BOT_TOKEN") or None
        secret = env.get("SLACK_SIGNING_SECRET") or None
        app_token = env.get("SLACK_APP_TOKEN") or None
        client_id = env.get("SLACK_CLIENT_ID") or None
        client_secret = env.get("SLACK_CLIENT_SECRET") or None
        if client_id or client_secret:
            if not (client_id and client_secret):
                raise SlackConfigError("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together (Basic Information > App Credentials)")
            if not secret:
                raise SlackConfigError("SLACK_SIGNING_SECRET must be set (Basic Information > Signing Secret)")
            if app_token:
                raise SlackConfigError("SLACK_APP_TOKEN (Socket Mode) cannot be combined with SLACK_CLIENT_ID (installs over HTTP)")
            token = None  # each workspace's token comes from its installation
        else:
            if not token or not token.startswith("xoxb-"):
                raise SlackConfigError("SLACK_BOT_TOKEN must be set to the app's bot token (xoxb-...)")
            if app_token is not None and not app_token.startswith("xapp-"):
                raise SlackConfigError("SLACK_APP_TOKEN must be an app-level token (xapp-...) with connections:write")
            if not app_token and not secret:
                raise SlackConfigError(
                    "set SLACK_APP_TOKEN for Socket Mode, or SLACK_SIGNING_SECRET for HTTP mode "
                    "(Basic Information > Signing Secret)"
                )
        admin_group = env.get("SLACK_ADMIN_GROUP") or None
        if admin_group and not admin_group.startswith("S"):
            raise SlackConfigError(
                f"SLACK_ADMIN_GROUP must be a user group id like S0123ABCD (got {admin_group!r}); "
                "find it in the group's page URL or with usergroups.list"
            )
        api_url = env.get("SLACK_API_URL") or None
        if api_url and not api_url.endswith("/"):
            raise SlackConfigError(f"SLACK_API_URL must end with '/' (got {api_url!r})")
        try:
            port = int(env.get("SLACK_PORT") or 3000)
            if not 0 <= port <= 65535:
                raise ValueError
        except ValueError:
            raise SlackConfigError(f"SLACK_PORT must be a port number (got {env.get('SLACK_PORT')!r})") from None
        return cls(
            bot_token=token,
            signing_secret=secret,
            api_url=api_url,
            host=env.get("SLACK_HOST") or "0.0.0.0",
            port=port,
            app_token=app_token,
            client_id=client_id,
            client_secret=client_secret,
            admin_group=admin_group,
            install_redirect_url=env.get("SLACK_REDIRECT_URL") or None,
        )
