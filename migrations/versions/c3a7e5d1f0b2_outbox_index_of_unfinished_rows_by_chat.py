"""outbox: an index of unfinished rows by chat, for claiming in per-chat order

Revision ID: c3a7e5d1f0b2
Revises: d3a7c0e1b2f4
Create Date: 2026-12-08 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = 'c3a7e5d1f0b2'
down_revision = 'd3a7c0e1b2f4'
branch_labels = None
depends_on = None

# Written out rather than imported from the models: a migration means the same thing forever.
UNFINISHED = "status IN ('pending', 'sending')"


def upgrade() -> None:
    # Partial: it holds only the rows still to send, so it stays small however long the history.
    op.create_index('ix_outbox_unfinished_target', 'outbox', ['target', 'id'], unique=False,
                    sqlite_where=sa.text(UNFINISHED), postgresql_where=sa.text(UNFINISHED))


def downgrade() -> None:
    op.drop_index('ix_outbox_unfinished_target', table_name='outbox')
