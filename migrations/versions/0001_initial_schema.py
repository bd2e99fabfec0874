"""Initial schema: schedules, posts, answers, member stats, processed events, quiz attempts.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('member_stats',
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('channel_id', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('current_streak', sa.Integer(), server_default='0', nullable=False),
    sa.Column('longest_streak', sa.Integer(), server_default='0', nullable=False),
    sa.Column('on_time_answers', sa.Integer(), server_default='0', nullable=False),
    sa.Column('late_answers', sa.Integer(), server_default='0', nullable=False),
    sa.Column('points', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('platform', 'workspace_id', 'channel_id', 'member_id', name=op.f('pk_member_stats'))
    )
    op.create_table('processed_events',
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.String(length=128), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('platform', 'workspace_id', 'event_id', name=op.f('pk_processed_events'))
    )
    with op.batch_alter_table('processed_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processed_events_received_at'), ['received_at'], unique=False)

    op.create_table('quiz_attempts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('question_id', sa.String(length=80), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer_shown_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('grade', sa.String(length=8), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_attempts'))
    )
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_attempts_platform_workspace_id_member_id_asked_at'), ['platform', 'workspace_id', 'member_id', 'asked_at'], unique=False)

    op.create_table('schedules',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('channel_id', sa.String(length=64), nullable=False),
    sa.Column('post_time', sa.String(length=5), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('days', sa.String(length=40), nullable=False),
    sa.Column('reveal_kind', sa.String(length=8), nullable=False),
    sa.Column('reveal_value', sa.String(length=8), nullable=False),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('topics', sa.String(length=400), server_default='', nullable=False),
    sa.Column('difficulty_min', sa.SmallInteger(), server_default='1', nullable=False),
    sa.Column('difficulty_max', sa.SmallInteger(), server_default='3', nullable=False),
    sa.Column('paused', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('next_post_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedules')),
    sa.UniqueConstraint('platform', 'workspace_id', 'channel_id', name=op.f('uq_schedules_platform_workspace_id_channel_id'))
    )
    with op.batch_alter_table('schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schedules_next_post_at'), ['next_post_at'], unique=False)

    op.create_table('posts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('channel_id', sa.String(length=64), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=True),
    sa.Column('slot', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=True),
    sa.Column('cycle', sa.Integer(), server_default='1', nullable=False),
    sa.Column('question_id', sa.String(length=80), nullable=True),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('reveal_kind', sa.String(length=8), nullable=False),
    sa.Column('reveal_value', sa.String(length=8), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('message_id', sa.String(length=64), nullable=True),
    sa.Column('thread_id', sa.String(length=64), nullable=True),
    sa.Column('reveal_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['schedule_id'], ['schedules.id'], name=op.f('fk_posts_schedule_id_schedules'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posts')),
    sa.UniqueConstraint('platform', 'workspace_id', 'channel_id', 'slot', name=op.f('uq_posts_platform_workspace_id_channel_id_slot'))
    )
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_posts_platform_workspace_id_channel_id_seq'), ['platform', 'workspace_id', 'channel_id', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_posts_status_claimed_at'), ['status', 'claimed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_posts_status_reveal_at'), ['status', 'reveal_at'], unique=False)

    op.create_table('answers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('channel_id', sa.String(length=64), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('member_name', sa.String(length=100), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('points', sa.Integer(), server_default='0', nullable=False),
    sa.Column('edit_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_answers_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answers')),
    sa.UniqueConstraint('post_id', 'member_id', name=op.f('uq_answers_post_id_member_id'))
    )
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answers_platform_workspace_id_channel_id_answered_at'), ['platform', 'workspace_id', 'channel_id', 'answered_at'], unique=False)

    op.create_table('answer_edits',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_answer_edits_answer_id_answers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_edits'))
    )
    with op.batch_alter_table('answer_edits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_edits_answer_id'), ['answer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('answer_edits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_edits_answer_id'))

    op.drop_table('answer_edits')
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answers_platform_workspace_id_channel_id_answered_at'))

    op.drop_table('answers')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_posts_status_reveal_at'))
        batch_op.drop_index(batch_op.f('ix_posts_status_claimed_at'))
        batch_op.drop_index(batch_op.f('ix_posts_platform_workspace_id_channel_id_seq'))

    op.drop_table('posts')
    with op.batch_alter_table('schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedules_next_post_at'))

    op.drop_table('schedules')
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_attempts_platform_workspace_id_member_id_asked_at'))

    op.drop_table('quiz_attempts')
    with op.batch_alter_table('processed_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processed_events_received_at'))

    op.drop_table('processed_events')
    op.drop_table('member_stats')
