"""The schema. Every table carries `platform` + `workspace_id` so workspaces never see each other's data.

Migrations in `migrations/versions/` create exactly this; a test compares the two.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from bot.db.adapter_tables import define_adapter_tables
from bot.db.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _scope() -> list[Column]:
    return [
        Column("platform", String(16), nullable=False),
        Column("workspace_id", String(64), nullable=False),
    ]


schedules = Table(
    "schedules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("channel_id", String(64), nullable=False),
    Column("post_time", String(5), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("days", String(40), nullable=False),
    Column("reveal_kind", String(8), nullable=False),
    Column("reveal_value", String(8), nullable=False),
    Column("mode", String(8), nullable=False),
    Column("topics", String(400), nullable=False, server_default=""),
    Column("difficulty_min", SmallInteger, nullable=False, server_default="1"),
    Column("difficulty_max", SmallInteger, nullable=False, server_default="3"),
    Column("paused", Boolean, nullable=False, server_default="0"),
    # Set when the platform refused posts (channel deleted, permissions removed); shown in /qotd status.
    Column("disabled_reason", String(300), nullable=True),
    # NULL while paused; the scheduler only ever looks at rows due by this index.
    Column("next_post_at", UTCDateTime, nullable=True),
    Column("updated_by", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("platform", "workspace_id", "channel_id"),
    Index(None, "next_post_at"),
)

posts = Table(
    "posts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("channel_id", String(64), nullable=False),
    Column("schedule_id", Integer, ForeignKey("schedules.id", ondelete="SET NULL"), nullable=True),
    # The local date for scheduled posts, "manual-N" for on-demand ones: one post per slot, ever.
    Column("slot", String(40), nullable=False),
    Column("kind", String(10), nullable=False),  # scheduled | manual
    Column("status", String(10), nullable=False),  # claimed | posted | revealing | revealed | skipped
    Column("seq", Integer, nullable=True),
    Column("cycle", Integer, nullable=False, server_default="1"),
    Column("question_id", String(80), nullable=True),
    Column("mode", String(8), nullable=False),
    Column("reveal_kind", String(8), nullable=False),
    Column("reveal_value", String(8), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("claim_token", String(32), nullable=True),
    Column("claimed_at", UTCDateTime, nullable=True),
    Column("scheduled_for", UTCDateTime, nullable=False),
    Column("posted_at", UTCDateTime, nullable=True),
    Column("message_id", String(64), nullable=True),
    Column("thread_id", String(64), nullable=True),
    Column("reveal_at", UTCDateTime, nullable=True),
    Column("revealed_at", UTCDateTime, nullable=True),
    UniqueConstraint("platform", "workspace_id", "channel_id", "slot"),
    Index(None, "status", "reveal_at"),
    Index(None, "status", "claimed_at"),
    Index(None, "platform", "workspace_id", "channel_id", "seq"),
)

answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("channel_id", String(64), nullable=False),
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("member_id", String(64), nullable=False),
    Column("member_name", String(100), nullable=False),
    Column("text", Text, nullable=False),
    Column("answered_at", UTCDateTime, nullable=False),
    Column("late", Boolean, nullable=False),
    Column("points", Integer, nullable=False, server_default="0"),
    Column("edit_count", Integer, nullable=False, server_default="0"),
    Column("edited_at", UTCDateTime, nullable=True),
    UniqueConstraint("post_id", "member_id"),
    Index(None, "platform", "workspace_id", "channel_id", "answered_at"),
)

answer_edits = Table(
    "answer_edits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("answer_id", Integer, ForeignKey("answers.id", ondelete="CASCADE"), nullable=False),
    Column("text", Text, nullable=False),
    Column("edited_at", UTCDateTime, nullable=False),
    Column("late", Boolean, nullable=False),
    Index(None, "answer_id"),
)

member_stats = Table(
    "member_stats",
    metadata,
    *_scope(),
    Column("channel_id", String(64), nullable=False),
    Column("member_id", String(64), nullable=False),
    Column("display_name", String(100), nullable=False),
    Column("current_streak", Integer, nullable=False, server_default="0"),
    Column("longest_streak", Integer, nullable=False, server_default="0"),
    Column("on_time_answers", Integer, nullable=False, server_default="0"),
    Column("late_answers", Integer, nullable=False, server_default="0"),
    Column("points", Integer, nullable=False, server_default="0"),
    Column("last_answered_at", UTCDateTime, nullable=True),
    PrimaryKeyConstraint("platform", "workspace_id", "channel_id", "member_id"),
)

processed_events = Table(
    "processed_events",
    metadata,
    *_scope(),
    Column("event_id", String(128), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("platform", "workspace_id", "event_id"),
    Index(None, "received_at"),
)

quiz_attempts = Table(
    "quiz_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("member_id", String(64), nullable=False),
    Column("question_id", String(80), nullable=False),
    Column("asked_at", UTCDateTime, nullable=False),
    Column("answer_shown_at", UTCDateTime, nullable=True),
    Column("grade", String(8), nullable=True),
    Index(None, "platform", "workspace_id", "member_id", "asked_at"),
)

# Adapter-owned tables (the core never touches them), on this metadata so the migrations cover them.
slack_installations, slack_oauth_states = define_adapter_tables(metadata)

# ---- spaced repetition (migration 0004) -------------------------------------------------------------

# ---- key-point self-checks (migration 0005) ---------------------------------------------------------

# ---- streak freezes and the admin audit log (migration 0006) -----------------------------------------

# ---- seasons (migration 0007) -------------------------------------------------------------------------

# ---- suggestions and workspace topic settings (migration 0008) ---------------------------------------
