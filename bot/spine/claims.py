"""Which outbox rows a sender may take now.

Due rows, oldest first. Kinds in an ordered *lane* (a chat's messages: reply and push) go out one
at a time per target: a row is taken only when no earlier row of its lane and target is still
pending or sending, so however many threads and processes send, a chat reads its messages in the
order they were written. An earlier row that is backing off holds the later ones back; a failed
one no longer does. Kinds in no lane (downloads, album checks) are taken as soon as they are due.

The check is one `NOT EXISTS` per lane, answered from `ix_outbox_unfinished_target`, a partial
index of unfinished rows only; the states are written as literals so that both SQLite and
PostgreSQL can match the query to the index's condition.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, and_, exists, literal_column, or_, select
from sqlalchemy.orm import aliased

from models import OutboxMessage
from models.outbox import UNFINISHED_STATES

MESSAGE_LANE = ("reply", "push")


def _unfinished(column):
    return column.in_([literal_column(f"'{state}'") for state in UNFINISHED_STATES])


def claimable(now: datetime, lanes: Sequence[Sequence[str]]) -> Select:
    """Rows a sender may claim at `now`, oldest first (the caller limits and locks)."""
    row = OutboxMessage
    due = or_(
        (row.status == "pending") & (row.next_attempt_at <= now),
        (row.status == "sending") & (row.lease_until < now),
    )
    earlier = aliased(OutboxMessage, name="earlier")
    heads = []
    for lane in lanes:
        waits = exists().where(earlier.target == row.target, _unfinished(earlier.status),
                               earlier.id < row.id, earlier.kind.in_(lane))
        heads.append(and_(row.kind.in_(lane), ~waits))
    free = row.kind.not_in([kind for lane in lanes for kind in lane])
    return select(row).where(due, or_(free, *heads)).order_by(row.id)
