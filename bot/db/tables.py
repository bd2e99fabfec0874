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
    # Due work asks "platform IN (...) AND next_post_at <= now": the platform leads (migration 0009).
    Index(None, "platform", "next_post_at"),
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
    # The platform's id of the message the answer came from (a thread reply), so deleting it can be traced
    # to the answer even when the platform names only the message (migration 0010). None for forms.
    Column("message_id", String(64), nullable=True),
    UniqueConstraint("post_id", "member_id"),
    # A channel's answers by time, with what the leaderboards sum, so a period's totals are read from the
    # index alone (migration 0009).
    Index("ix_answers_channel_totals", "platform", "workspace_id", "channel_id", "answered_at", "late", "member_id", "points"),
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
    Column("message_id", String(64), nullable=True),  # as answers.message_id
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
    # Streak freezes held (migration 0006): earned by on-time answers, used by a missed scheduled question.
    Column("freezes", Integer, nullable=False, server_default="0"),
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
# Each member's review schedule per practice question (bot/spaced_repetition.py), per workspace, not per
# channel, and the log of every review: self-grades from /qotd quiz and daily questions answered on time.
from sqlalchemy import Float  # noqa: E402  (kept with the tables that use it)

reviews = Table(
    "reviews",
    metadata,
    *_scope(),
    Column("member_id", String(64), nullable=False),
    Column("question_id", String(80), nullable=False),
    Column("topic", String(40), nullable=False),
    Column("repetitions", Integer, nullable=False, server_default="0"),
    Column("ease", Float, nullable=False),
    Column("interval_days", Integer, nullable=False, server_default="0"),
    Column("lapses", Integer, nullable=False, server_default="0"),
    Column("due_at", UTCDateTime, nullable=False),
    Column("last_reviewed_at", UTCDateTime, nullable=True),
    Column("last_grade", String(8), nullable=True),
    Column("first_seen_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("platform", "workspace_id", "member_id", "question_id"),
    Index(None, "platform", "workspace_id", "member_id", "due_at"),
)

review_log = Table(
    "review_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("member_id", String(64), nullable=False),
    Column("question_id", String(80), nullable=False),
    Column("topic", String(40), nullable=False),
    Column("source", String(8), nullable=False),  # quiz | daily
    Column("grade", String(8), nullable=False),  # again | hard | good | easy; "seen" for a daily answer
    Column("reviewed_at", UTCDateTime, nullable=False),
    # A quiz grade belongs to one attempt (grading it again replaces it); a daily answer to one post.
    Column("attempt_id", Integer, ForeignKey("quiz_attempts.id", ondelete="CASCADE"), nullable=True),
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="SET NULL"), nullable=True),
    Column("due_at", UTCDateTime, nullable=True),  # when the question is due next after this review
    # The schedule before this review (all NULL for a question seen for the first time), so a changed
    # grade is applied to the same starting point instead of on top of the first one.
    Column("before_repetitions", Integer, nullable=True),
    Column("before_ease", Float, nullable=True),
    Column("before_interval_days", Integer, nullable=True),
    Column("before_lapses", Integer, nullable=True),
    Column("before_due_at", UTCDateTime, nullable=True),
    Column("before_reviewed_at", UTCDateTime, nullable=True),
    Column("before_grade", String(8), nullable=True),
    UniqueConstraint("attempt_id"),
    UniqueConstraint("post_id", "member_id"),
    Index(None, "platform", "workspace_id", "member_id", "reviewed_at"),
)


# ---- key-point self-checks (migration 0005) ---------------------------------------------------------

# Which key points a member says their answer covered: a daily answer (after the reveal) or a practice
# attempt (after Show answer); exactly one of answer_id / quiz_attempt_id is set. Numbers are 1-based,
# comma-separated ("1,3"). `guessed` is the automatic first guess from the answer text; `ticked` stays
# NULL until the member ticks, and then wins. `bonus_points` is what the ticks added to the answer's
# `points` (on-time daily answers only), so a new tick moves only the difference.
key_point_checks = Table(
    "key_point_checks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("member_id", String(64), nullable=False),
    Column("answer_id", Integer, ForeignKey("answers.id", ondelete="CASCADE"), nullable=True),
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), nullable=True),
    Column("quiz_attempt_id", Integer, ForeignKey("quiz_attempts.id", ondelete="CASCADE"), nullable=True),
    Column("question_id", String(80), nullable=False),
    Column("guessed", String(100), nullable=True),
    Column("ticked", String(100), nullable=True),
    Column("bonus_points", Integer, nullable=False, server_default="0"),
    Column("checked_at", UTCDateTime, nullable=False),
    UniqueConstraint("answer_id"),
    UniqueConstraint("quiz_attempt_id"),
    Index(None, "post_id"),
)

# ---- streak freezes and the admin audit log (migration 0006) -----------------------------------------

# Every freeze a member earned (kind "earned": the on-time answer that earned it) or used (kind "used": the
# scheduled question they missed while it kept their streak). member_history replays these rows.
streak_freezes = Table(
    "streak_freezes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("channel_id", String(64), nullable=False),
    Column("member_id", String(64), nullable=False),
    Column("kind", String(8), nullable=False),  # earned | used
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    # The earning answer; withdrawing that answer deletes the freeze it earned.
    Column("answer_id", Integer, ForeignKey("answers.id", ondelete="CASCADE"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("post_id", "member_id", "kind"),
    Index(None, "platform", "workspace_id", "channel_id", "member_id"),
    Index(None, "answer_id"),
)

# What admins changed by hand, newest last. `action` names the change ("streak", ...); `before`/`after` are
# shown as written. Streak rows are replayed by member_history (the streak becomes `after` at `created_at`).
admin_audit = Table(
    "admin_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("channel_id", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("actor_name", String(100), nullable=False),
    Column("member_id", String(64), nullable=True),
    Column("member_name", String(100), nullable=True),
    Column("before", String(200), nullable=True),
    Column("after", String(200), nullable=True),
    Column("reason", String(300), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "platform", "workspace_id", "channel_id", "created_at"),
    Index(None, "platform", "workspace_id", "channel_id", "member_id"),
)

# ---- seasons (migration 0007) -------------------------------------------------------------------------

# Named leaderboard seasons, one workspace at a time. `open_flag` is 1 while a season runs and NULL once
# it has ended: the unique (platform, workspace_id, open_flag) allows one open season per workspace
# (NULLs never collide), on SQLite and PostgreSQL alike.
seasons = Table(
    "seasons",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("name", String(60), nullable=False),
    Column("name_key", String(60), nullable=False),  # lower-cased name: names are unique per workspace
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("open_flag", SmallInteger, nullable=True),
    Column("started_by", String(64), nullable=False),
    Column("ended_by", String(64), nullable=True),
    UniqueConstraint("platform", "workspace_id", "name_key"),
    UniqueConstraint("platform", "workspace_id", "open_flag"),
)

# The monthly champion announcement, opt-in per channel (`/qotd setup champion=on`). While it is on,
# `champion_next_at` holds the next local start of a month; the scheduler finds due channels by its index.
schedules.append_column(Column("champion", Boolean, nullable=False, server_default="0"))
schedules.append_column(Column("champion_next_at", UTCDateTime, nullable=True))
Index("ix_schedules_platform_champion_next_at", schedules.c.platform, schedules.c.champion_next_at)  # migration 0009

# One row per channel and month, claimed with INSERT ... ON CONFLICT DO NOTHING before announcing,
# so a month's champion is announced once however many instances tick or restart.
champion_announcements = Table(
    "champion_announcements",
    metadata,
    *_scope(),
    Column("channel_id", String(64), nullable=False),
    Column("month", String(7), nullable=False),  # "2026-11", in the channel's time zone
    Column("status", String(10), nullable=False),  # claimed | announced | nobody | skipped
    Column("claim_token", String(32), nullable=True),
    Column("claimed_at", UTCDateTime, nullable=True),
    Column("due_at", UTCDateTime, nullable=False),  # the local start of the following month
    Column("expires_at", UTCDateTime, nullable=False),  # a stale claim is not retried after this
    Column("announced_at", UTCDateTime, nullable=True),
    Column("winners", String(400), nullable=True),
    PrimaryKeyConstraint("platform", "workspace_id", "channel_id", "month"),
    Index(None, "status", "claimed_at"),
)


# ---- suggestions and workspace topic settings (migration 0008) ---------------------------------------

# Members' suggested questions and their moderation. An approved suggestion is a question of its
# workspace only, known to the rotation, reveals and quizzes as "ws-<id>" (see bot/question_source.py).
suggestions = Table(
    "suggestions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    # Where the member suggested it: they are told the outcome there.
    Column("channel_id", String(64), nullable=False),
    Column("member_id", String(64), nullable=False),
    Column("member_name", String(100), nullable=False),
    Column("status", String(10), nullable=False),  # pending | approved | rejected
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("key_points", Text, nullable=False),  # a JSON list of strings
    Column("topic", String(40), nullable=False),
    Column("difficulty", SmallInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # Set when an admin changed the text before deciding.
    Column("edited_by", String(64), nullable=True),
    Column("edited_at", UTCDateTime, nullable=True),
    Column("reviewed_by", String(64), nullable=True),
    Column("reviewer_name", String(100), nullable=True),
    Column("reviewed_at", UTCDateTime, nullable=True),
    Column("reason", String(300), nullable=True),  # why it was rejected
    Index(None, "platform", "workspace_id", "status", "id"),
    Index(None, "platform", "workspace_id", "member_id", "status"),
)

# Built-in bank topics a workspace turned off (one row per topic); its own approved suggestions stay.
disabled_topics = Table(
    "disabled_topics",
    metadata,
    *_scope(),
    Column("topic", String(40), nullable=False),
    Column("disabled_by", String(64), nullable=False),
    Column("disabled_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("platform", "workspace_id", "topic"),
)
