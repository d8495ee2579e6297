"""offices carry their public contact (phone, website) for the greeting strangers get

Revision ID: e5b2c9a7d3f1
Revises: a1f75ea4c411
Create Date: 2026-12-01 17:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e5b2c9a7d3f1'
down_revision = 'a1f75ea4c411'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('website', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.drop_column('website')
        batch_op.drop_column('phone')
