"""Indexes for due work and leaderboards at scale.

The scheduler's "what is due" indexes lead with the platform. Every due-work
query asks for the platforms the process serves and a "due at" range
(`platform IN (...) AND next_post_at <= now`). With the platform first, SQLite
and PostgreSQL both answer it with an index range scan, and the earliest due
instant is one index lookup per platform. With `next_post_at` alone, SQLite
preferred the (platform, workspace, channel) key and read every schedule of the
platform on each tick (about 100 ms per query at 100,000 schedules; see
benchmarks/bench_tick.py).

A period's leaderboard (week, month, season) sums a channel's on-time answers
since a date: the answers index by channel and time now also holds `late`,
`member_id` and `points`, so the sum is read from the index alone. In a channel
of 4,000 members with 250 questions behind it, each visit to the table was a
random read (see benchmarks/bench_queries.py). There is deliberately no
(channel, points) index on member_stats: PostgreSQL's generic plans for
prepared statements then scanned it for lookups of one member.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('schedules', schema=None) as batch_op:
        batch_op.drop_index('ix_schedules_next_post_at')
        batch_op.drop_index('ix_schedules_champion_next_at')
        batch_op.create_index('ix_schedules_platform_next_post_at', ['platform', 'next_post_at'], unique=False)
        batch_op.create_index('ix_schedules_platform_champion_next_at', ['platform', 'champion_next_at'], unique=False)

    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index('ix_answers_platform_workspace_id_channel_id_answered_at')
        batch_op.create_index(
            'ix_answers_channel_totals',
            ['platform', 'workspace_id', 'channel_id', 'answered_at', 'late', 'member_id', 'points'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index('ix_answers_channel_totals')
        batch_op.create_index(
            'ix_answers_platform_workspace_id_channel_id_answered_at',
            ['platform', 'workspace_id', 'channel_id', 'answered_at'],
            unique=False,
        )

    with op.batch_alter_table('schedules', schema=None) as batch_op:
        batch_op.drop_index('ix_schedules_platform_champion_next_at')
        batch_op.drop_index('ix_schedules_platform_next_post_at')
        batch_op.create_index('ix_schedules_champion_next_at', ['champion_next_at'], unique=False)
        batch_op.create_index('ix_schedules_next_post_at', ['next_post_at'], unique=False)
