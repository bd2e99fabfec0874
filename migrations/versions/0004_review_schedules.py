"""Spaced repetition: each member's review schedule per question and the log of their reviews.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reviews',
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('question_id', sa.String(length=80), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('repetitions', sa.Integer(), server_default='0', nullable=False),
    sa.Column('ease', sa.Float(), nullable=False),
    sa.Column('interval_days', sa.Integer(), server_default='0', nullable=False),
    sa.Column('lapses', sa.Integer(), server_default='0', nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_grade', sa.String(length=8), nullable=True),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('platform', 'workspace_id', 'member_id', 'question_id', name=op.f('pk_reviews'))
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_platform_workspace_id_member_id_due_at'), ['platform', 'workspace_id', 'member_id', 'due_at'], unique=False)

    op.create_table('review_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('question_id', sa.String(length=80), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('grade', sa.String(length=8), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('before_repetitions', sa.Integer(), nullable=True),
    sa.Column('before_ease', sa.Float(), nullable=True),
    sa.Column('before_interval_days', sa.Integer(), nullable=True),
    sa.Column('before_lapses', sa.Integer(), nullable=True),
    sa.Column('before_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('before_reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('before_grade', sa.String(length=8), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempts.id'], name=op.f('fk_review_log_attempt_id_quiz_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_review_log_post_id_posts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_log')),
    sa.UniqueConstraint('attempt_id', name=op.f('uq_review_log_attempt_id')),
    sa.UniqueConstraint('post_id', 'member_id', name=op.f('uq_review_log_post_id_member_id'))
    )
    with op.batch_alter_table('review_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_log_platform_workspace_id_member_id_reviewed_at'), ['platform', 'workspace_id', 'member_id', 'reviewed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('review_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_log_platform_workspace_id_member_id_reviewed_at'))

    op.drop_table('review_log')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviews_platform_workspace_id_member_id_due_at'))

    op.drop_table('reviews')
