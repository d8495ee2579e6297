"""offices have a key, portal host names and their own LINE channel

Revision ID: c3a9f1e7b2d4
Revises: e4b2d9a6c1f3
Create Date: 2026-12-01 19:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c3a9f1e7b2d4'
down_revision = 'e4b2d9a6c1f3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('hosts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('line_channel_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('line_bot_user_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('line_channel_secret', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('line_access_token', sa.Text(), nullable=True))
    # The office that was alone gets the key "office"; any others "office-<id>".
    op.execute("UPDATE offices SET key = CASE WHEN id = (SELECT MIN(id) FROM offices) "
               "THEN 'office' ELSE 'office-' || id END")
    op.execute("UPDATE offices SET hosts = '[]'")
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.alter_column('key', existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column('hosts', existing_type=sa.JSON(), nullable=False)
        batch_op.create_unique_constraint('uq_offices_key', ['key'])
        batch_op.create_unique_constraint('uq_offices_line_bot_user_id', ['line_bot_user_id'])


def downgrade() -> None:
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.drop_constraint('uq_offices_line_bot_user_id', type_='unique')
        batch_op.drop_constraint('uq_offices_key', type_='unique')
        for column in ('line_access_token', 'line_channel_secret', 'line_bot_user_id',
                       'line_channel_id', 'hosts', 'key'):
            batch_op.drop_column(column)
