"""SQL pieces the digest's aggregates are made of, written once for SQLite and PostgreSQL:
an index-avoiding column marker, conditional counts, durations in seconds and percentiles.
"""

from __future__ import annotations

from sqlalchemy import Float, Select, case, cast, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement


class unindexed(FunctionElement):  # noqa: N801 - reads as a SQL function
    """A column SQLite must not pick an index for (rendered `+column` there, as is elsewhere).

    Without statistics SQLite prefers any index with an equality, such as `status = 'sent'` or
    `office_id = ?`, which match nearly every row; reading them through the index is several
    times slower than the scan (or the time-range index) it would otherwise use.
    """

    inherit_cache = True

    def __init__(self, column):
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _unindexed(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw):
    return "+" + compiler.process(element.clauses, **kw)


def count_if(condition) -> object:
    """How many rows meet `condition` (0 for none, not NULL)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def seconds_between(session: Session, later, earlier):
    """later - earlier in seconds, as a float, on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", later - earlier), Float)
    # SQLite stores UTC timestamps as ISO text, which julianday() reads.
    return cast((func.julianday(later) - func.julianday(earlier)) * 86400.0, Float)


def percentiles(session: Session, values: Select, ps: tuple[int, ...] = (50, 90)) -> dict:
    """{group: (count, p_1, p_2, ...)} for `values`, a select of columns `g` (group) and `v`.

    Ranks come from ROW_NUMBER() and COUNT() over each group; the p-th percentile sits at rank
    1 + p(n-1)/100, interpolated between the two ranks around it. Integer arithmetic keeps the
    rank maths identical on SQLite and PostgreSQL.
    """
    src = values.subquery()
    ranked = select(
        src.c.g, src.c.v,
        func.row_number().over(partition_by=src.c.g, order_by=src.c.v).label("rn"),
        func.count().over(partition_by=src.c.g).label("n"),
    ).subquery()
    rn, n, v = ranked.c.rn, ranked.c.n, ranked.c.v
    columns, near = [], []
    for p in ps:
        low = (p * (n - 1)) // 100 + 1
        rest = (p * (n - 1)) % 100
        weight = case((rn == low, cast(100 - rest, Float) / 100),
                      (rn == low + 1, cast(rest, Float) / 100), else_=0.0)
        columns.append(func.sum(v * weight))
        near += [rn == low, rn == low + 1]
    # Only the ranks around each position reach the sums (and the weights are computed for them).
    rows = session.execute(select(ranked.c.g, func.max(n), *columns).where(or_(*near))
                           .group_by(ranked.c.g)).all()
    return {row[0]: tuple(row[1:]) for row in rows}
