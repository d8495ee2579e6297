"""the stage takes offices in turns: an index of pending events by office

Revision ID: b9d4e6f2a8c1
Revises: a7c4e2f9b1d3
Create Date: 2026-12-01 20:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'b9d4e6f2a8c1'
down_revision = 'a7c4e2f9b1d3'
branch_labels = None
depends_on = None

PENDING = sa.text("outcome = 'pending'")


def upgrade() -> None:
    op.create_index('ix_inbound_events_pending_office', 'inbound_events', ['office_id', 'id'],
                    unique=False, sqlite_where=PENDING, postgresql_where=PENDING)


def downgrade() -> None:
    op.drop_index('ix_inbound_events_pending_office', table_name='inbound_events')
