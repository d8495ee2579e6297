"""inbound events become the handler stage's queue

The webhook now only records events (outcome 'pending'); the handler stage claims them per chat
in timestamp order, retries database faults (attempts, next_attempt_at) and stamps handled_at.

Revision ID: d3a7c0e1b2f4
Revises: 8b819ed0b6e9
Create Date: 2026-12-01 13:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'd3a7c0e1b2f4'
down_revision = '8b819ed0b6e9'
branch_labels = None
depends_on = None

# Written out, not imported: a migration means the same thing forever.
OUTCOMES = ("pending", "handled", "ignored", "refused", "stale", "unexpected", "standby",
            "invalid", "error")


def upgrade() -> None:
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chat_key", sa.String(length=64), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("handled_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))
    # Everything recorded before this revision was handled in its own request.
    op.execute("UPDATE inbound_events SET chat_key = COALESCE(group_id, line_user_id, ''), "
               "handled_at = received_at")
    allowed = ", ".join(f"'{v}'" for v in OUTCOMES)
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_inbound_events_outcome"), f"outcome IN ({allowed})")
    # Partial indexes: only pending rows, so the queue stays cheap however long the history.
    pending = sa.text("outcome = 'pending'")
    op.create_index("ix_inbound_events_pending", "inbound_events", ["id"],
                    sqlite_where=pending, postgresql_where=pending)
    op.create_index("ix_inbound_events_pending_chat", "inbound_events",
                    ["chat_key", "timestamp_ms", "id"], sqlite_where=pending, postgresql_where=pending)


def downgrade() -> None:
    op.drop_index("ix_inbound_events_pending_chat", table_name="inbound_events")
    op.drop_index("ix_inbound_events_pending", table_name="inbound_events")
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_inbound_events_outcome"), type_="check")
        for column in ("last_error", "handled_at", "next_attempt_at", "attempts", "chat_key"):
            batch_op.drop_column(column)
