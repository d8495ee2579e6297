"""offices keep their own holidays, beside the deployment's holidays file

Revision ID: f4a6c8e2b7d9
Revises: e8c3b5d1f7a2
Create Date: 2026-12-01 23:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'f4a6c8e2b7d9'
down_revision = 'e8c3b5d1f7a2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('offices') as batch:
        batch.add_column(sa.Column('holidays', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('offices') as batch:
        batch.drop_column('holidays')
