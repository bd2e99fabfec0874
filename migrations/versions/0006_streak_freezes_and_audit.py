"""Streak freezes held by members, and the audit log of admins' streak changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('member_stats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('freezes', sa.Integer(), server_default='0', nullable=False))

    op.create_table('streak_freezes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('channel_id', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_streak_freezes_answer_id_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_streak_freezes_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_streak_freezes')),
    sa.UniqueConstraint('post_id', 'member_id', 'kind', name=op.f('uq_streak_freezes_post_id_member_id_kind'))
    )
    with op.batch_alter_table('streak_freezes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_streak_freezes_platform_workspace_id_channel_id_member_id'), ['platform', 'workspace_id', 'channel_id', 'member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_streak_freezes_answer_id'), ['answer_id'], unique=False)

    op.create_table('admin_audit',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('channel_id', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=False),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=True),
    sa.Column('member_name', sa.String(length=100), nullable=True),
    sa.Column('before', sa.String(length=200), nullable=True),
    sa.Column('after', sa.String(length=200), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_audit'))
    )
    with op.batch_alter_table('admin_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_audit_platform_workspace_id_channel_id_created_at'), ['platform', 'workspace_id', 'channel_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_audit_platform_workspace_id_channel_id_member_id'), ['platform', 'workspace_id', 'channel_id', 'member_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('admin_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admin_audit_platform_workspace_id_channel_id_member_id'))
        batch_op.drop_index(batch_op.f('ix_admin_audit_platform_workspace_id_channel_id_created_at'))

    op.drop_table('admin_audit')
    with op.batch_alter_table('streak_freezes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_streak_freezes_answer_id'))
        batch_op.drop_index(batch_op.f('ix_streak_freezes_platform_workspace_id_channel_id_member_id'))

    op.drop_table('streak_freezes')
    with op.batch_alter_table('member_stats', schema=None) as batch_op:
        batch_op.drop_column('freezes')
