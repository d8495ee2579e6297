"""The weekly readiness push to the ICT group (people with the ict role), in the two months
before the OIT assessment opens, while any indicator of the year is missing or stale.

Idempotent by data: the unique (office, ISO week) row is written with the pushes, so a late run,
a second run or another process sends nothing more that week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ita.evidence import Readiness, readiness
from bot.ita.links import readiness_url
from bot.publishing.addresses import links
from bot.spine import audit, messages, outbox
from bot.spine.config import Config
from bot.thai.dates import fiscal_year_of, thai_date, to_bangkok
from models import ItaReminder, Office, Person

LEAD_MONTHS = 2
SHOWN = 10  # indicators named in the message; the link has them all


def _months_before(day: date, months: int) -> date:
    month = day.year * 12 + day.month - 1 - months
    return date(month // 12, month % 12 + 1, min(day.day, 28))


def reminder_window(r: Readiness) -> tuple[date, date]:
    """[first day, assessment start): when the weekly push runs."""
    starts = r.year.assessment_starts
    return _months_before(starts, LEAD_MONTHS), starts


def ict_people(session: Session, office_id: int) -> list[Person]:
    people = session.scalars(select(Person).where(
        Person.office_id == office_id, Person.active.is_(True),
        Person.line_user_id.is_not(None)).order_by(Person.id))
    return [p for p in people if "ict" in (p.roles or [])]


def reminder_text(r: Readiness, url: str) -> str:
    late = r.not_ready
    missing, stale = r.count("missing"), r.count("stale")
    head = (f"ความพร้อม ITA ปีงบประมาณ {r.year.fiscal_year}: ยังไม่พร้อม {len(late)} จาก "
            f"{len(r.indicators)} ตัวชี้วัด (ยังไม่มี {missing}, ไม่เป็นปัจจุบัน {stale}) "
            f"ก่อนเริ่มการประเมินวันที่ {thai_date(r.year.assessment_starts)} ค่ะ")
    lines = [f"• {i.indicator.code} {i.indicator.name}: {i.status_label}"
             + (f" ({', '.join(i.suppliers)})" if i.suppliers else "") for i in late[:SHOWN]]
    if len(late) > SHOWN:
        lines.append(f"และอีก {len(late) - SHOWN} ตัวชี้วัด")
    return "\n".join([head, *lines, f"ดูรายละเอียดและผู้รับผิดชอบ: {url}"])


@dataclass(frozen=True)
class PushResult:
    sent: bool
    reason: str  # sent | not_due | ready | already_sent | no_recipients | no_list
    recipients: int = 0


def push_readiness(session: Session, config: Config, office: Office, now: datetime) -> PushResult:
    fiscal_year = fiscal_year_of(now)
    r = readiness(session, office, fiscal_year, now, limit=1)
    if r is None:
        return PushResult(False, "no_list")
    first, starts = reminder_window(r)
    today = to_bangkok(now).date()
    if not first <= today < starts:
        return PushResult(False, "not_due")
    if not r.not_ready:
        return PushResult(False, "ready")
    iso = today.isocalendar()
    week = f"{iso.year}-W{iso.week:02d}"
    if session.scalar(select(ItaReminder.id).where(ItaReminder.office_id == office.id,
                                                   ItaReminder.week == week)):
        return PushResult(False, "already_sent")
    people = ict_people(session, office.id)
    if not people:
        return PushResult(False, "no_recipients")
    try:
        with session.begin_nested():  # another process may be writing the same week
            session.add(ItaReminder(office_id=office.id, week=week, fiscal_year=fiscal_year,
                                    missing=len(r.not_ready), sent_at=now))
    except IntegrityError:
        return PushResult(False, "already_sent")
    message = messages.text(reminder_text(r, readiness_url(
        config, office.id, fiscal_year, links(session, config, office.id).base)))
    for person in people:
        outbox.push(session, person.line_user_id, [message], office_id=office.id,
                    purpose=f"ita:{week}")
    audit.record(session, "ita.reminded", office_id=office.id,
                 data={"week": week, "fiscal_year": fiscal_year, "not_ready": len(r.not_ready),
                       "recipients": len(people)})
    return PushResult(True, "sent", len(people))
