"""offices choose one digit style for their messages

Revision ID: e4b2d9a6c1f3
Revises: b7e2d9c4a1f3
Create Date: 2026-12-01 16:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e4b2d9a6c1f3'
down_revision = 'b7e2d9c4a1f3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digits', sa.String(length=8), nullable=False,
                                      server_default='thai'))


def downgrade() -> None:
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.drop_column('digits')
