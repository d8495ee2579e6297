"""an office's own website and the posts it holds of each publication

Revision ID: 0b557a9915bf
Revises: a1f75ea4c411
Create Date: 2026-12-01 16:21:05.921756

The office's website settings (from the org file) and its sealed application password sit on the
office; website_posts keeps, per publication, the post and media the site created, so a retry
updates them instead of creating them again.
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0b557a9915bf'
down_revision = 'a1f75ea4c411'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('website_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('engine', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('media', sa.JSON(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('announced', sa.Boolean(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_website_posts_office_id_offices')),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_website_posts_publication_id_publications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_website_posts')),
    sa.UniqueConstraint('publication_id', name=op.f('uq_website_posts_publication_id'))
    )
    with op.batch_alter_table('website_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_website_posts_office_id'), ['office_id'], unique=False)

    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('website', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('website_password', sa.Text(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.drop_column('website_password')
        batch_op.drop_column('website')

    with op.batch_alter_table('website_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_website_posts_office_id'))

    op.drop_table('website_posts')
