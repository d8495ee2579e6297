"""Which outbox rows a sender may take now.

Due rows, oldest first. Kinds in an ordered *lane* (a chat's messages: reply and push) go out one
at a time per target: a row is taken only when no earlier row of its lane and target is still
pending or sending, so however many threads and processes send, a chat reads its messages in the
order they were written. An earlier row that is backing off holds the later ones back; a failed
one no longer does. Kinds in no lane (downloads, album checks) are taken as soon as they are due.

The check is one `NOT EXISTS` per lane, answered from `ix_outbox_unfinished_target`, a partial
index of unfinished rows only; the states are written as literals so that both SQLite and
PostgreSQL can match the query to the index's condition.

Offices take turns, as in the handler stage: a claim takes the oldest rows of the next office
that has due rows (`ix_outbox_unfinished_office`), and only when that finds none the oldest of
the whole deployment. Oldest-first alone would send one office's burst of replies before another
office's single reply, however slow LINE is.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import Select, and_, bindparam, exists, func, literal_column, or_, select
from sqlalchemy.orm import aliased

from models import OutboxMessage
from models.outbox import UNFINISHED_STATES

MESSAGE_LANE = ("reply", "push")
NOW = bindparam("now")  # every claim passes the time; the statement itself is built once
AFTER_OFFICE = bindparam("after_office")  # the office served by the previous claim


def _unfinished(column):
    return column.in_([literal_column(f"'{state}'") for state in UNFINISHED_STATES])


def _due(row):
    return or_((row.status == "pending") & (row.next_attempt_at <= NOW),
               (row.status == "sending") & (row.lease_until < NOW))


def claimable(lanes: Sequence[Sequence[str]]) -> Select:
    """Rows a sender may claim at `:now`, oldest first (the caller limits and locks)."""
    row = OutboxMessage
    earlier = aliased(OutboxMessage, name="earlier")
    heads = []
    for lane in lanes:
        waits = exists().where(earlier.target == row.target, _unfinished(earlier.status),
                               earlier.id < row.id, earlier.kind.in_(lane))
        heads.append(and_(row.kind.in_(lane), ~waits))
    free = row.kind.not_in([kind for lane in lanes for kind in lane])
    return select(row).where(_due(row), or_(free, *heads)).order_by(row.id)


def _next_office():
    """The first office after `:after_office` with a due row, wrapping round (NULL when only rows
    of no office are due): read from ix_outbox_unfinished_office, whatever the backlog."""
    other = aliased(OutboxMessage, name="due_office")
    first = select(func.min(other.office_id)).where(_unfinished(other.status), _due(other))
    return func.coalesce(first.where(other.office_id > AFTER_OFFICE).scalar_subquery(),
                         first.scalar_subquery())


@lru_cache(maxsize=1)
def next_office_statement() -> Select:
    """Whose turn it is (`:now`, `:after_office`): the office a turn's claim looks at."""
    return select(_next_office())


@lru_cache(maxsize=64)
def claim_statement(lanes: tuple[tuple[str, ...], ...], limit: int, *, office_turn: bool) -> Select:
    """What a sender runs to claim: the next office's oldest claimable rows (`office_turn`), or
    the deployment's oldest. Built once per shape: composing the lanes' NOT EXISTS and hashing
    the new statement cost more than running it on a quiet outbox."""
    query = claimable(lanes)
    if office_turn:
        query = query.where(OutboxMessage.office_id == _next_office())
    return query.limit(limit).with_for_update(skip_locked=True)
