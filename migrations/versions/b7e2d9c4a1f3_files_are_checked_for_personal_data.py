"""files are checked for personal data, once per file hash

Revision ID: b7e2d9c4a1f3
Revises: e5b2c9a7d3f1
Create Date: 2026-12-01 16:40:00
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = 'b7e2d9c4a1f3'
down_revision = 'e5b2c9a7d3f1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'file_scans',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=True),
        sa.Column('pages_read', sa.Integer(), nullable=True),
        sa.Column('ocr_pages', sa.Integer(), nullable=True),
        sa.Column('findings', sa.JSON(), nullable=False),
        sa.Column('problem', sa.Text(), nullable=True),
        sa.Column('queued_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'done', 'partial', 'unsupported', 'failed')",
                           name=op.f('ck_file_scans_status')),
        sa.PrimaryKeyConstraint('sha256', name=op.f('pk_file_scans')),
    )


def downgrade() -> None:
    op.drop_table('file_scans')
