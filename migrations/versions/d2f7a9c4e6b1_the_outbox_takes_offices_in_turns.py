"""the sender takes offices in turns: an index of unfinished outbox rows by office

Revision ID: d2f7a9c4e6b1
Revises: a7c4e2f9d1b3
Create Date: 2026-12-01 22:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'd2f7a9c4e6b1'
down_revision = 'a7c4e2f9d1b3'
branch_labels = None
depends_on = None

UNFINISHED = sa.text("status IN ('pending', 'sending')")


def upgrade() -> None:
    op.create_index('ix_outbox_unfinished_office', 'outbox', ['office_id', 'id'],
                    unique=False, sqlite_where=UNFINISHED, postgresql_where=UNFINISHED)


def downgrade() -> None:
    op.drop_index('ix_outbox_unfinished_office', table_name='outbox')
