"""offices keep their users, chats, events and audit chains apart

Revision ID: a7c4e2f9b1d3
Revises: c3a9f1e7b2d4
Create Date: 2026-12-01 19:30:00

A LINE user id is unique per office (people, conversations), a group is registered per office,
each inbound event records the office whose channel it came in on, and audit rows chain per
office from now on (rows already written stay one deployment-wide chain: per_office false).
Everything already stored belonged to the one office there was.
"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c4e2f9b1d3'
down_revision = 'c3a9f1e7b2d4'
branch_labels = None
depends_on = None

FIRST_OFFICE = "(SELECT MIN(id) FROM offices)"


def upgrade() -> None:
    with op.batch_alter_table('inbound_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_inbound_events_office_id_offices'), 'offices',
                                    ['office_id'], ['id'])
    op.execute(f"UPDATE inbound_events SET office_id = {FIRST_OFFICE}")

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_constraint('uq_people_line_user_id', type_='unique')
        batch_op.create_unique_constraint('uq_people_office_line_user', ['office_id', 'line_user_id'])
        batch_op.create_index(batch_op.f('ix_people_line_user_id'), ['line_user_id'], unique=False)

    with op.batch_alter_table('group_chats', schema=None) as batch_op:
        batch_op.drop_constraint('uq_group_chats_group_id', type_='unique')
        batch_op.create_unique_constraint('uq_group_chats_office_group', ['office_id', 'group_id'])
        batch_op.create_index(batch_op.f('ix_group_chats_group_id'), ['group_id'], unique=False)
    op.execute(f"UPDATE group_chats SET office_id = {FIRST_OFFICE} WHERE office_id IS NULL")

    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_id', sa.Integer(), server_default='0', nullable=False))
    op.execute(f"UPDATE conversations SET office_id = COALESCE({FIRST_OFFICE}, 0)")
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_constraint('pk_conversations', type_='primary')
        batch_op.create_primary_key('pk_conversations', ['office_id', 'line_user_id'])

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('per_office', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('per_office')
    op.execute("DELETE FROM conversations WHERE office_id <> COALESCE("
               f"{FIRST_OFFICE}, 0)")
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_constraint('pk_conversations', type_='primary')
        batch_op.create_primary_key('pk_conversations', ['line_user_id'])
        batch_op.drop_column('office_id')
    with op.batch_alter_table('group_chats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_chats_group_id'))
        batch_op.drop_constraint('uq_group_chats_office_group', type_='unique')
        batch_op.create_unique_constraint('uq_group_chats_group_id', ['group_id'])
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_line_user_id'))
        batch_op.drop_constraint('uq_people_office_line_user', type_='unique')
        batch_op.create_unique_constraint('uq_people_line_user_id', ['line_user_id'])
    with op.batch_alter_table('inbound_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_inbound_events_office_id_offices'), type_='foreignkey')
        batch_op.drop_column('office_id')
