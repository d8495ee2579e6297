"""The lists of published items the portal shows: the live items of an office, newest first,
one page at a time."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from flask import abort, request
from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from bot.office import categories
from models import Publication, SubmissionVersion, Unit

PAGE_SIZE = 20


@dataclass(frozen=True)
class Entry:
    id: int
    title: str
    description: str
    category_code: str
    unit_name: str
    published_at: datetime
    category_short: str = ""  # the office's label of the category


def live(office_id: int):
    """Published, not retracted items of the office, with their published version."""
    return (
        select(Publication.id, SubmissionVersion.title, SubmissionVersion.description,
               Publication.category_code, Unit.name.label("unit_name"), Publication.published_at,
               Publication.office_id)
        .join(SubmissionVersion, and_(SubmissionVersion.submission_id == Publication.submission_id,
                                      SubmissionVersion.number == Publication.version))
        .outerjoin(Unit, Unit.id == Publication.unit_id)
        .where(Publication.office_id == office_id, Publication.retracted_at.is_(None))
    )


def entries(session: Session, query) -> list[Entry]:
    return [Entry(r.id, r.title or "(ไม่มีชื่อเรื่อง)", r.description or "", r.category_code,
                  r.unit_name or "", r.published_at,
                  categories.short_name(session, r.office_id, r.category_code))
            for r in session.execute(query)]


def newest(query):
    return query.order_by(Publication.published_at.desc(), Publication.id.desc())


@dataclass(frozen=True)
class Paged:
    entries: list[Entry]
    page: int
    pages: int
    total: int


def _page_asked(total: int) -> tuple[int, int]:
    """(page, pages) for ``?page=``; 404 outside the pages there are."""
    page = request.args.get("page", 1, type=int)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if page < 1 or page > pages:
        abort(404)
    return page, pages


def live_count(office_id: int, *where) -> Select:
    """How many live items (of a category, with `where`): counted in the live index alone."""
    return select(func.count()).select_from(Publication).where(
        Publication.office_id == office_id, Publication.retracted_at.is_(None), *where)


def paginate(session: Session, office_id: int, *where) -> Paged:
    """The page asked for in ``?page=`` of the office's live items (with `where`), newest first.

    The page's ids come from the live indexes alone, then only its 20 rows are joined: with the
    join in the paged query, a deep page made PostgreSQL hash-join every row of the category."""
    total = session.scalar(live_count(office_id, *where)) or 0
    page, pages = _page_asked(total)
    ids = list(session.scalars(
        select(Publication.id)
        .where(Publication.office_id == office_id, Publication.retracted_at.is_(None), *where)
        .order_by(Publication.published_at.desc(), Publication.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    return Paged(_in_order(session, office_id, ids), page, pages, total)


def _in_order(session: Session, office_id: int, ids: list[int]) -> list[Entry]:
    found = {e.id: e for e in entries(session, live(office_id).where(Publication.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def paginate_ids(session: Session, office_id: int, ids: list[int]) -> Paged:
    """The page asked for in ``?page=`` of publications already put in order (search results)."""
    page, pages = _page_asked(len(ids))
    wanted = ids[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    return Paged(_in_order(session, office_id, wanted), page, pages, len(ids))


def category_counts(session: Session, office_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Publication.category_code, func.count())
        .where(Publication.office_id == office_id, Publication.retracted_at.is_(None))
        .group_by(Publication.category_code))
    return {code: count for code, count in rows}
