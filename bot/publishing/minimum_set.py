"""The minimum set the website must always carry (ข้อ ๒.๑), and whether it does at a given time.

The office's categories marked `minimum` make it up. Each required item is satisfied by a live
publication in its category: published at or before `now` and not retracted by then. For the
announcement's own categories, ข้อ ๒.๑ names the items (structure and authority/duties share 1.4);
an office's own category is one item named by its label.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.office import categories
from bot.thai.dates import fiscal_year_bounds, fiscal_year_of
from models import Publication, SubmissionVersion

# (key, what ข้อ ๒.๑ asks for, the announcement's category that carries it)
MINIMUM_SET: tuple[tuple[str, str, str], ...] = (
    ("structure", "โครงสร้าง", "1.4"),
    ("duties", "อำนาจหน้าที่", "1.4"),
    ("executives", "ผู้บริหาร", "1.5"),
    ("policy", "นโยบายและยุทธศาสตร์", "1.2"),
    ("action_plan", "แผนปฏิบัติการ", "1.6"),
    ("procurement", "การจัดซื้อจัดจ้าง", "1.9"),
    ("manuals", "คู่มือการปฏิบัติงาน", "1.10"),
    ("service_standards", "มาตรฐานการให้บริการ", "1.11"),
)


def requirements(session: Session, office_id: int) -> list[tuple[str, str, str]]:
    """(key, label, category code) of each item the office's website must carry, in order."""
    marked = categories.minimum_categories(session, office_id)
    announced = {c.code for c in marked if c.short_name == categories.DEFAULT_SHORT_NAMES.get(c.code)}
    out = [(key, label, code) for key, label, code in MINIMUM_SET if code in announced]
    return out + [(c.code, c.short_name, c.code) for c in marked if c.code not in announced]


@dataclass(frozen=True)
class MinimumItem:
    key: str
    label: str
    category_code: str
    live: int  # live publications in the category
    latest: datetime | None  # when the newest live one was published

    @property
    def present(self) -> bool:
        return self.live > 0


def minimum_set_status(session: Session, office_id: int, now: datetime) -> list[MinimumItem]:
    """One entry per required item, in the order of ข้อ ๒.๑, as the website stood at `now`."""
    required = requirements(session, office_id)
    rows = session.execute(
        select(Publication.category_code, func.count(), func.max(Publication.published_at))
        .where(
            Publication.office_id == office_id,
            Publication.category_code.in_({code for _, _, code in required}),
            Publication.published_at <= now,
            or_(Publication.retracted_at.is_(None), Publication.retracted_at > now),
        )
        .group_by(Publication.category_code)
    ).all()
    found = {code: (count, latest) for code, count, latest in rows}
    return [
        MinimumItem(key, label, code, *found.get(code, (0, None)))
        for key, label, code in required
    ]


# --- the listing the portal shows -----------------------------------------------------------

@dataclass(frozen=True)
class MinimumEntry:
    key: str
    label: str
    category_code: str
    publication_id: int | None
    title: str | None
    published_at: datetime | None
    status: str  # current | stale (published before this fiscal year) | missing


def minimum_listing(session: Session, office_id: int,
                    now: datetime) -> tuple[int, list[MinimumEntry]]:
    """(current fiscal year, each required item with the latest live publication carrying it).

    The portal's page of ข้อ ๒.๑: the same requirements the quarterly digest counts with
    minimum_set_status, plus which item carries each and whether it is from this fiscal year.
    """
    fiscal_year = fiscal_year_of(now)
    year_start = fiscal_year_bounds(fiscal_year)[0]
    latest: dict[str, tuple | None] = {}
    entries = []
    for key, label, code in requirements(session, office_id):
        if code not in latest:
            latest[code] = session.execute(
                select(Publication.id, SubmissionVersion.title, Publication.published_at)
                .join(SubmissionVersion,
                      (SubmissionVersion.submission_id == Publication.submission_id)
                      & (SubmissionVersion.number == Publication.version))
                .where(Publication.office_id == office_id, Publication.category_code == code,
                       Publication.retracted_at.is_(None), Publication.published_at <= now)
                .order_by(Publication.published_at.desc(), Publication.id.desc()).limit(1)
            ).first()
        row = latest[code]
        if row is None:
            entries.append(MinimumEntry(key, label, code, None, None, None, "missing"))
        else:
            status = "current" if row.published_at >= year_start else "stale"
            entries.append(MinimumEntry(key, label, code, row.id, row.title, row.published_at, status))
    return fiscal_year, entries
