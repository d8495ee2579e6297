"""Which published items carry each OIT indicator in a fiscal year, and how ready each indicator
is: green (has evidence, fresh enough for how often it is due), stale (has some, but not for the
last period: no monthly summary since last month began, nothing for six months), missing.

An item counts for an indicator when it is live, was published inside the fiscal year, and its
category feeds the indicator (the list's default) or it is tagged with the indicator. Counting is
per category through the live-category index, so a year of 100,000 items costs a few small
queries, never a scan; only the newest `limit` items per category are read unless all are asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from bot.ita.lists import Indicator, YearList, year_list
from bot.thai.dates import BANGKOK, fiscal_year_bounds, fiscal_year_of, to_bangkok
from models import ItemIndicator, Office, Publication, SubmissionVersion, Unit

STATUS_LABELS = {"green": "มีแล้ว", "stale": "ไม่เป็นปัจจุบัน", "missing": "ยังไม่มี"}


@dataclass(frozen=True)
class Evidence:
    publication_id: int
    title: str
    published_at: datetime
    category_code: str
    tagged: bool  # counted by a tag, not by its category


@dataclass(frozen=True)
class IndicatorReadiness:
    indicator: Indicator
    count: int
    latest: datetime | None
    items: list[Evidence]  # newest first: all of them, or the newest of each category
    status: str  # green | stale | missing
    suppliers: list[str]  # the units whose categories feed it

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Readiness:
    office: Office
    year: YearList
    as_of: datetime
    indicators: list[IndicatorReadiness]

    def count(self, status: str) -> int:
        return sum(1 for i in self.indicators if i.status == status)

    @property
    def groups(self) -> list[tuple[str, str, list[IndicatorReadiness]]]:
        """(code, name, indicators) per group, in the list's order."""
        out: list[tuple[str, str, list[IndicatorReadiness]]] = []
        for i in self.indicators:
            if not out or out[-1][0] != i.indicator.group_code:
                out.append((i.indicator.group_code, i.indicator.group_name, []))
            out[-1][2].append(i)
        return out

    @property
    def not_ready(self) -> list[IndicatorReadiness]:
        return [i for i in self.indicators if i.status != "green"]


def _month_start(when: datetime, back: int) -> datetime:
    local = to_bangkok(when)
    month = local.year * 12 + local.month - 1 - back
    return datetime(month // 12, month % 12 + 1, 1, tzinfo=BANGKOK)


def status_of(frequency: str, latest: datetime | None, as_of: datetime) -> str:
    if latest is None:
        return "missing"
    if frequency == "monthly" and latest < _month_start(as_of, 1):
        return "stale"
    if frequency == "half-yearly" and latest < _month_start(as_of, 6):
        return "stale"
    return "green"


def _titled(office_id: int):
    return (select(Publication.id, SubmissionVersion.title, Publication.published_at,
                   Publication.category_code)
            .join(SubmissionVersion, and_(SubmissionVersion.submission_id == Publication.submission_id,
                                          SubmissionVersion.number == Publication.version))
            .where(Publication.office_id == office_id, Publication.retracted_at.is_(None)))


def readiness(session: Session, office: Office, fiscal_year: int, now: datetime, *,
              limit: int | None = 10) -> Readiness | None:
    """Every indicator of the office's list for `fiscal_year`, as the website stood at `now`
    (or at the year's end, for a past year); None when the office has no list for the year."""
    year = year_list(office.ita, fiscal_year)
    if year is None:
        return None
    start, end = fiscal_year_bounds(fiscal_year)
    as_of = min(now, end)
    in_year = and_(Publication.published_at >= start, Publication.published_at < end,
                   Publication.published_at <= as_of)
    indicators = year.list.indicators
    categories = sorted({c for i in indicators for c in i.categories})

    counts = dict(session.execute(
        select(Publication.category_code, func.count())
        .where(Publication.office_id == office.id, Publication.retracted_at.is_(None), in_year,
               Publication.category_code.in_(categories))
        .group_by(Publication.category_code)).all()) if categories else {}
    newest: dict[str, list[Evidence]] = {}
    for code in categories:
        if not counts.get(code):
            continue
        query = (_titled(office.id).where(in_year, Publication.category_code == code)
                 .order_by(Publication.published_at.desc(), Publication.id.desc()))
        rows = session.execute(query.limit(limit) if limit else query)
        newest[code] = [Evidence(r.id, r.title or "(ไม่มีชื่อเรื่อง)", r.published_at,
                                 r.category_code, False) for r in rows]
    # Tags are few: read them first, then only their items (a join let SQLite walk the year).
    tags = session.execute(select(ItemIndicator.publication_id, ItemIndicator.indicator)).all()
    tagged: dict[str, list[Evidence]] = {}
    if tags:
        found = {r.id: r for r in session.execute(_titled(office.id).where(
            in_year, Publication.id.in_({pid for pid, _ in tags})))}
        for pid, code in tags:
            if (r := found.get(pid)) is not None:
                tagged.setdefault(code, []).append(Evidence(
                    r.id, r.title or "(ไม่มีชื่อเรื่อง)", r.published_at, r.category_code, True))

    units = session.execute(select(Unit.name, Unit.categories).where(
        Unit.office_id == office.id, Unit.active.is_(True)).order_by(Unit.id)).all()
    result = []
    for ind in indicators:
        extra = [e for e in tagged.get(ind.code, []) if e.category_code not in ind.categories]
        items = sorted([e for c in ind.categories for e in newest.get(c, [])] + extra,
                       key=lambda e: (e.published_at, e.publication_id), reverse=True)
        count = sum(counts.get(c, 0) for c in ind.categories) + len(extra)
        latest = items[0].published_at if items else None
        suppliers = [name for name, cats in units if set(cats or ()) & set(ind.categories)]
        result.append(IndicatorReadiness(ind, count, latest, items,
                                         status_of(ind.frequency, latest, as_of), suppliers))
    return Readiness(office, year, as_of, result)


def tag(session: Session, publication: Publication, code: str, person_id: int | None) -> bool:
    """Tag `publication` with indicator `code` of its fiscal year's list; False if it already was.
    Raises LookupError when that list has no such indicator."""
    office = session.get(Office, publication.office_id)
    year = year_list(office.ita, fiscal_year_of(publication.published_at))
    if year is None or year.list.get(code) is None:
        raise LookupError(code)
    exists = session.scalar(select(ItemIndicator.id).where(
        ItemIndicator.publication_id == publication.id, ItemIndicator.indicator == code))
    if exists:
        return False
    session.add(ItemIndicator(publication_id=publication.id, indicator=code, tagged_by_id=person_id))
    session.flush()
    return True


def untag(session: Session, publication_id: int, code: str) -> bool:
    row = session.scalars(select(ItemIndicator).where(
        ItemIndicator.publication_id == publication_id, ItemIndicator.indicator == code)).first()
    if row is None:
        return False
    session.delete(row)
    return True
