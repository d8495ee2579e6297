"""ITA evidence: indicator tags, the public's votes, weekly readiness pushes

Revision ID: d0ddd2114aeb
Revises: 0b557a9915bf
Create Date: 2026-12-01 16:21:51.015938

Existing offices and units get an empty ITA setting and no categories (server defaults).
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = 'd0ddd2114aeb'
down_revision = '0b557a9915bf'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('vote_salts',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_vote_salts'))
    )
    op.create_table('ita_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=10), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('missing', sa.Integer(), nullable=False),
    sa.Column('sent_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_ita_reminders_office_id_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ita_reminders')),
    sa.UniqueConstraint('office_id', 'week', name=op.f('uq_ita_reminders_office_id'))
    )
    op.create_table('item_indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=16), nullable=False),
    sa.Column('tagged_by_id', sa.Integer(), nullable=True),
    sa.Column('tagged_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_item_indicators_publication_id_publications')),
    sa.ForeignKeyConstraint(['tagged_by_id'], ['people.id'], name=op.f('fk_item_indicators_tagged_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_indicators')),
    sa.UniqueConstraint('publication_id', 'indicator', name=op.f('uq_item_indicators_publication_id'))
    )
    with op.batch_alter_table('item_indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_indicators_publication_id'), ['publication_id'], unique=False)

    op.create_table('item_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('voter', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('helpful', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_item_votes_publication_id_publications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_votes')),
    sa.UniqueConstraint('publication_id', 'voter', 'day', name=op.f('uq_item_votes_publication_id'))
    )
    with op.batch_alter_table('item_votes', schema=None) as batch_op:
        batch_op.create_index('ix_item_votes_created_at', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_votes_publication_id'), ['publication_id'], unique=False)
        batch_op.create_index('ix_item_votes_source_at', ['source', 'created_at'], unique=False)

    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ita', sa.JSON(), nullable=False, server_default='{}'))

    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('categories', sa.JSON(), nullable=False, server_default='[]'))



def downgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('categories')

    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.drop_column('ita')

    with op.batch_alter_table('item_votes', schema=None) as batch_op:
        batch_op.drop_index('ix_item_votes_source_at')
        batch_op.drop_index(batch_op.f('ix_item_votes_publication_id'))
        batch_op.drop_index('ix_item_votes_created_at')

    op.drop_table('item_votes')
    with op.batch_alter_table('item_indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_indicators_publication_id'))

    op.drop_table('item_indicators')
    op.drop_table('ita_reminders')
    op.drop_table('vote_salts')
