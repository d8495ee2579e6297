"""Each office's categories: the announcement's 18 by default (ข้อ ๑.๑–๑.๑๘, names verbatim with the
office's own name where the seed names its office), or the office's own list from its org file.

Every reader asks here (office_categories, category, short_name) rather than keeping a list in
code, so no office ever publishes under another office's name or list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import event, func, select, union_all
from sqlalchemy.orm import Session

from models import Category, Publication, Submission


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name: str
    short_name: str
    regulated: bool = False
    minimum: bool = False
    active: bool = True


# (code, name with {office} where the announcement names its own office, short label for buttons,
#  ข้อ ๓.๓ superior review, part of ข้อ ๒.๑'s minimum set)
_DEFAULTS: tuple[tuple[str, str, str, bool, bool], ...] = (
    ("1.1", "ข้อมูลเกี่ยวกับกฎระเบียบ ข้อบังคับ ที่เกี่ยวข้องกับ{office} ข้าราชการครูและบุคลากรทางการศึกษา "
            "นักเรียน และสถานศึกษาในสังกัด", "กฎระเบียบ ข้อบังคับ", True, False),
    ("1.2", "นโยบาย แผนพัฒนาการศึกษา และภารกิจของรัฐบาล กระทรวงศึกษาธิการ "
            "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน และ{office}", "นโยบาย แผนพัฒนาการศึกษา", True, True),
    ("1.3", "การขยายและพัฒนาเนื้อหาสาระ นโยบาย แผนงาน แนวคิด กิจกรรม โครงการของ{office} "
            "และสถานศึกษาในสังกัด", "กิจกรรม โครงการ", False, False),
    ("1.4", "ข้อมูลพื้นฐาน โครงสร้าง ภารกิจของ{office}", "ข้อมูลพื้นฐาน โครงสร้าง", True, True),
    ("1.5", "ข้อมูลผู้บริหาร{office}", "ผู้บริหาร", True, True),
    ("1.6", "แผนปฏิบัติการประจำปี และการติดตามผลการดำเนินการตามแผนปฏิบัติการประจำปี",
     "แผนปฏิบัติการประจำปี", True, True),
    ("1.7", "การขับเคลื่อนประสิทธิภาพการบริหารจัดการสู่คุณภาพของผลผลิตต่อสาธารณะชน",
     "ประสิทธิภาพการบริหาร", False, False),
    ("1.8", "ข้อมูลสารสนเทศของ{office}", "ข้อมูลสารสนเทศ", False, False),
    ("1.9", "ข้อมูลการจัดซื้อจัดจ้าง", "จัดซื้อจัดจ้าง", True, True),
    ("1.10", "มาตรฐานหรือคู่มือการปฏิบัติงานของบุคลากร หรือของกลุ่ม/หน่วย", "คู่มือการปฏิบัติงาน", True, True),
    ("1.11", "มาตรฐานและขั้นตอนการให้บริการภายใน{office}", "มาตรฐานการให้บริการ", True, True),
    ("1.12", "ผลสำเร็จจากการดำเนินงาน", "ผลสำเร็จการดำเนินงาน", False, False),
    ("1.13", "การแลกเปลี่ยนเรียนรู้", "แลกเปลี่ยนเรียนรู้", False, False),
    ("1.14", "การจัดเก็บข้อมูลและการรายงานออนไลน์{office}", "รายงานออนไลน์", False, False),
    ("1.15", "ข้อมูลผลสัมฤทธิ์ทางการศึกษา", "ผลสัมฤทธิ์ทางการศึกษา", False, False),
    ("1.16", "นวัตกรรมทางการศึกษา", "นวัตกรรมทางการศึกษา", False, False),
    ("1.17", "ข้อมูลบุคคลหรือหน่วยงานต้นแบบที่ประสบความสำเร็จ", "บุคคล/หน่วยงานต้นแบบ", False, False),
    ("1.18", "ข้อมูลอื่นๆ ที่ไม่ขัดต่อกฎหมาย ความสงบเรียบร้อย และศีลธรรมอันดีของประชาชนและความมั่นคงของประเทศ",
     "ข้อมูลอื่น ๆ", False, False),
)
DEFAULT_CODES = tuple(code for code, *_ in _DEFAULTS)
DEFAULT_SHORT_NAMES = {code: short for code, _, short, _, _ in _DEFAULTS}


def code_key(code: str) -> tuple:
    """Codes in reading order whatever their form: 1.2 before 1.10, A2 before B1."""
    parts = re.findall(r"\d+|[^\d.\-]+", code)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def default_categories(office_name: str) -> list[CategorySpec]:
    """The announcement's 18, naming `office_name` where the announcement names its own office."""
    return [CategorySpec(code, name.format(office=office_name), short, regulated, minimum)
            for code, name, short, regulated, minimum in _DEFAULTS]


# --- reading an office's categories (cached in the session: a card or page asks many times) ----

@dataclass(frozen=True)
class OfficeCategory:
    """A snapshot of one category row: safe to keep for the session's life (no lazy loads)."""

    office_id: int
    code: str
    name: str
    short_name: str
    sort_order: int
    regulated: bool
    minimum: bool
    active: bool


def _cache(session: Session) -> dict[int, list[OfficeCategory]]:
    return session.info.setdefault("office_categories", {})


def forget(session: Session) -> None:
    """Drop the session's cached lists (after the categories changed)."""
    session.info.pop("office_categories", None)


# A transaction's end ends the cache too: the next one may follow another process's org load.
event.listen(Session, "after_commit", forget)
event.listen(Session, "after_rollback", forget)


def all_categories(session: Session, office_id: int) -> list[OfficeCategory]:
    """The office's categories in their order, retired ones too (their items keep them)."""
    cache = _cache(session)
    if office_id not in cache:
        rows = session.execute(select(
            Category.office_id, Category.code, Category.name, Category.short_name, Category.sort_order,
            Category.regulated, Category.minimum, Category.active,
        ).where(Category.office_id == office_id).order_by(Category.sort_order)).all()
        cache[office_id] = [OfficeCategory(*row) for row in rows]
    return cache[office_id]


def office_categories(session: Session, office_id: int) -> list[OfficeCategory]:
    """The categories the office offers for new items and lists on its portal, in order."""
    return [c for c in all_categories(session, office_id) if c.active]


def category(session: Session, office_id: int, code: str | None) -> OfficeCategory | None:
    """The office's category `code`, or None (no code, or not one of this office's)."""
    return next((c for c in all_categories(session, office_id) if c.code == code), None)


def short_name(session: Session, office_id: int, code: str | None) -> str:
    """The button label of the office's category `code` (the code itself if it has none)."""
    found = category(session, office_id, code)
    return found.short_name if found is not None else (code or "")


def short_names(session: Session, office_id: int) -> dict[str, str]:
    return {c.code: c.short_name for c in all_categories(session, office_id)}


def minimum_categories(session: Session, office_id: int) -> list[OfficeCategory]:
    return [c for c in office_categories(session, office_id) if c.minimum]


# --- writing them from the org file ----------------------------------------------------------

def items_per_category(session: Session, office_id: int) -> dict[str, int]:
    """How many items (submissions, publications) of the office point at each category code."""
    codes = union_all(
        select(Submission.category_code.label("code")).where(
            Submission.office_id == office_id, Submission.category_code.is_not(None)),
        select(Publication.category_code.label("code")).where(Publication.office_id == office_id),
    ).subquery()
    return dict(session.execute(select(codes.c.code, func.count()).group_by(codes.c.code)).all())


def in_use_removed(session: Session, office_id: int, specs: list[CategorySpec]) -> dict[str, int]:
    """The office's categories that `specs` leaves out although items still point at them."""
    kept = {s.code for s in specs}
    used = items_per_category(session, office_id)
    return {c.code: used[c.code] for c in all_categories(session, office_id)
            if c.code not in kept and used.get(c.code)}


def sync_categories(session: Session, office_id: int, specs: list[CategorySpec]) -> None:
    """Make the office's categories match `specs` (idempotent). Codes that stay keep their rows, so
    every item keeps its category; the caller has refused removing any that has items."""
    existing = {c.code: c for c in session.scalars(select(Category).where(Category.office_id == office_id))}
    for order, spec in enumerate(specs, start=1):
        row = existing.pop(spec.code, None) or Category(office_id=office_id, code=spec.code)
        row.name, row.short_name, row.sort_order = spec.name, spec.short_name, order
        row.regulated, row.minimum, row.active = spec.regulated, spec.minimum, spec.active
        session.add(row)
    for row in existing.values():
        session.delete(row)
    session.flush()
    forget(session)
