"""offices carry their public contact (phone, website) for the greeting strangers get

Revision ID: e5b2c9a7d3f1
Revises: d0ddd2114aeb
Create Date: 2026-12-01 17:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e5b2c9a7d3f1'
down_revision = 'd0ddd2114aeb'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('website_url', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.drop_column('website_url')
        batch_op.drop_column('phone')
