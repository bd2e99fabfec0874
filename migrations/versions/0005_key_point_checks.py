"""Self-checks: which key points a member says their answer covered.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('key_point_checks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('quiz_attempt_id', sa.Integer(), nullable=True),
    sa.Column('question_id', sa.String(length=80), nullable=False),
    sa.Column('guessed', sa.String(length=100), nullable=True),
    sa.Column('ticked', sa.String(length=100), nullable=True),
    sa.Column('bonus_points', sa.Integer(), server_default='0', nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_key_point_checks_answer_id_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_key_point_checks_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quiz_attempt_id'], ['quiz_attempts.id'], name=op.f('fk_key_point_checks_quiz_attempt_id_quiz_attempts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_point_checks')),
    sa.UniqueConstraint('answer_id', name=op.f('uq_key_point_checks_answer_id')),
    sa.UniqueConstraint('quiz_attempt_id', name=op.f('uq_key_point_checks_quiz_attempt_id'))
    )
    with op.batch_alter_table('key_point_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_point_checks_post_id'), ['post_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('key_point_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_point_checks_post_id'))

    op.drop_table('key_point_checks')
