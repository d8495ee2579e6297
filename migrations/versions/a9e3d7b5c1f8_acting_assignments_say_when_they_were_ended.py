"""acting assignments say when they were ended by hand

Revision ID: a9e3d7b5c1f8
Revises: f4a6c8e2b7d9
Create Date: 2026-12-01 23:10:00
"""
from alembic import op
import sqlalchemy as sa

from models.base import UTCDateTime


revision = 'a9e3d7b5c1f8'
down_revision = 'f4a6c8e2b7d9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('acting_assignments') as batch:
        batch.add_column(sa.Column('ended_at', UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('acting_assignments') as batch:
        batch.drop_column('ended_at')
