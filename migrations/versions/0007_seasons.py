"""Named leaderboard seasons per workspace, and the opt-in monthly champion announcement per channel.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('seasons',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('name_key', sa.String(length=60), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('open_flag', sa.SmallInteger(), nullable=True),
    sa.Column('started_by', sa.String(length=64), nullable=False),
    sa.Column('ended_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seasons')),
    sa.UniqueConstraint('platform', 'workspace_id', 'name_key', name=op.f('uq_seasons_platform_workspace_id_name_key')),
    sa.UniqueConstraint('platform', 'workspace_id', 'open_flag', name=op.f('uq_seasons_platform_workspace_id_open_flag'))
    )
    op.create_table('champion_announcements',
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('channel_id', sa.String(length=64), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('announced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('winners', sa.String(length=400), nullable=True),
    sa.PrimaryKeyConstraint('platform', 'workspace_id', 'channel_id', 'month', name=op.f('pk_champion_announcements'))
    )
    with op.batch_alter_table('champion_announcements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_champion_announcements_status_claimed_at'), ['status', 'claimed_at'], unique=False)

    with op.batch_alter_table('schedules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('champion', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('champion_next_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_schedules_champion_next_at', ['champion_next_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('schedules', schema=None) as batch_op:
        batch_op.drop_index('ix_schedules_champion_next_at')
        batch_op.drop_column('champion_next_at')
        batch_op.drop_column('champion')

    with op.batch_alter_table('champion_announcements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_champion_announcements_status_claimed_at'))

    op.drop_table('champion_announcements')
    op.drop_table('seasons')
