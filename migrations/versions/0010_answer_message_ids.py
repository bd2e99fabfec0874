"""The platform message that holds each answer and each edit.

A member can take their answer back by deleting the reply that holds it. Some
platforms say only which message was deleted (Discord, for a message the bot
has not kept in memory, such as one sent before a restart), so the answer and
each edit now record the id of the message they came from. Rows from before
this migration, and answers given through a form, have none.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=64), nullable=True))
    with op.batch_alter_table('answer_edits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('answer_edits', schema=None) as batch_op:
        batch_op.drop_column('message_id')
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_column('message_id')
