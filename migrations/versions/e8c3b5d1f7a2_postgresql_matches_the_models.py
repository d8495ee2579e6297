"""PostgreSQL matches the models: the queue's two times keep their zone, and the directors'
foreign keys exist

The initial schema declared the offices' and units' director keys `use_alter`, which
`op.create_table` leaves out on PostgreSQL (SQLite keeps them inline), and an early queue
migration typed `inbound_events.next_attempt_at` and `handled_at` without a time zone. A naive
column read back as UTC is off by the server's offset wherever PostgreSQL's TimeZone is not UTC
(Asia/Bangkok: seven hours). SQLite needs nothing.

Revision ID: e8c3b5d1f7a2
Revises: d2f7a9c4e6b1
Create Date: 2026-12-01 22:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e8c3b5d1f7a2'
down_revision = 'd2f7a9c4e6b1'
branch_labels = None
depends_on = None

TIMES = ("next_attempt_at", "handled_at")
DIRECTORS = (("offices", "fk_offices_director_id_people"), ("units", "fk_units_director_id_people"))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for column in TIMES:
        # Stored by a session in its TimeZone: read back the same way, now with the zone kept.
        op.alter_column("inbound_events", column, type_=sa.DateTime(timezone=True),
                        postgresql_using=f"{column}::timestamptz")
    inspector = sa.inspect(bind)
    for table, name in DIRECTORS:
        if name in {fk["name"] for fk in inspector.get_foreign_keys(table)}:
            continue
        # A director who is no longer a person names nobody: cleared, so the key can hold.
        op.execute(f"UPDATE {table} SET director_id = NULL WHERE director_id IS NOT NULL "
                   "AND director_id NOT IN (SELECT id FROM people)")
        op.create_foreign_key(name, table, "people", ["director_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, name in DIRECTORS:
        op.drop_constraint(name, table, type_="foreignkey")
    for column in TIMES:
        op.alter_column("inbound_events", column, type_=sa.DateTime(timezone=False),
                        postgresql_using=f"{column}::timestamp")
