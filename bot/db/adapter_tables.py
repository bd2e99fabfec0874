"""Tables that belong to a platform adapter but live in the bot's database and migrations.

The core never reads or writes them; they are defined here, on the shared metadata, only so that
one set of Alembic migrations (checked against `bot.db.tables.metadata`) creates the whole schema.
Nothing here imports a platform SDK.

The Slack adapter's distribution mode keeps one row per workspace that installed the app
(`slack_installations`: the workspace's bot token and what came with it) and the one-time
`state` values of install attempts in progress (`slack_oauth_states`).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, MetaData, PrimaryKeyConstraint, String, Table

from bot.db.types import UTCDateTime


def define_adapter_tables(metadata: MetaData) -> tuple[Table, Table]:
    """Add the adapter-owned tables to `metadata`; returns (slack_installations, slack_oauth_states)."""
    installations = Table(
        "slack_installations",
        metadata,
        # '' rather than NULL, so the pair is a real key on every database: enterprise_id is '' outside
        # Enterprise Grid, team_id is '' for an organisation-wide install.
        Column("enterprise_id", String(64), nullable=False, server_default=""),
        Column("team_id", String(64), nullable=False, server_default=""),
        Column("enterprise_name", String(200), nullable=True),
        Column("enterprise_url", String(200), nullable=True),
        Column("team_name", String(200), nullable=True),
        Column("app_id", String(64), nullable=True),
        Column("bot_token", String(500), nullable=False),
        Column("bot_id", String(64), nullable=True),
        Column("bot_user_id", String(64), nullable=True),
        Column("bot_scopes", String(1000), nullable=False, server_default=""),
        # Only when the app has token rotation turned on.
        Column("bot_refresh_token", String(500), nullable=True),
        Column("bot_token_expires_at", UTCDateTime, nullable=True),
        Column("installer_user_id", String(64), nullable=True),
        Column("is_enterprise_install", Boolean, nullable=False, server_default="0"),
        Column("token_type", String(32), nullable=True),
        Column("installed_at", UTCDateTime, nullable=False),
        PrimaryKeyConstraint("enterprise_id", "team_id"),
        Index(None, "team_id"),
    )
    states = Table(
        "slack_oauth_states",
        metadata,
        Column("state", String(64), nullable=False),
        Column("expires_at", UTCDateTime, nullable=False),
        PrimaryKeyConstraint("state"),
        Index(None, "expires_at"),
    )
    return installations, states
