"""status columns accept only the states the code knows

Revision ID: 8b819ed0b6e9
Revises: 41840bd5d7a9
Create Date: 2026-12-01 10:06:34.023831
"""
from alembic import op
import sqlalchemy as sa


revision = '8b819ed0b6e9'
down_revision = '41840bd5d7a9'
branch_labels = None
depends_on = None


# The sets as they are at this revision, written out: a migration must mean the same thing
# forever, so it does not import the models' tuples (tests/test_constraints.py checks that the
# migrated database and the models agree).
STATUS_SETS = {
    "submissions": ("draft", "pending", "returned", "approved", "published",
                    "rejected", "withdrawn", "cancelled", "expired", "retracted"),
    "approval_steps": ("queued", "waiting", "approved", "returned", "rejected", "skipped", "cancelled"),
    "attachments": ("waiting", "stored", "failed", "refused"),
    "outbox": ("pending", "sending", "sent", "failed"),
}


def upgrade() -> None:
    # batch mode: SQLite cannot add a constraint to an existing table, so the table is rebuilt.
    for table, values in STATUS_SETS.items():
        allowed = ", ".join(f"'{v}'" for v in values)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(op.f(f"ck_{table}_status"), f"status IN ({allowed})")


def downgrade() -> None:
    for table in STATUS_SETS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_status"), type_="check")
