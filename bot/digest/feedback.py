"""Problems and suggestions for the quarterly report (ข้อ ๔): in a quarter's last days each unit
director gets a card asking for them, is reminded once, and answers until the digest goes out.

Every step decides from the data, so running it late, twice or from two processes is harmless:
a unit is asked once (QuarterFeedback.asked_at) and reminded once (reminded_at).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.digest.delivery import digest_due, digest_sent, working_calendar
from bot.office.org import acting_for
from bot.render import flex
from bot.render.palette import ALERT, MUTED
from bot.spine import audit, messages, outbox
from bot.spine.config import Config
from bot.spine.db import transaction
from bot.spine.postback import encode
from bot.thai.dates import BANGKOK, FiscalQuarter, thai_datetime
from models import ActingAssignment, Office, Person, QuarterFeedback, Unit

REMIND_DAYS_BEFORE = 2
MAX_FEEDBACK_CHARS = 2000


class FeedbackRefused(Exception):
    """reason: not_director | ambiguous | unknown_unit | not_started | closed"""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- asking ----------------------------------------------------------------------------------

def _answer_button(label: str, data: str, display: str, style: str) -> dict:
    return flex.button(messages.postback_action(label, data, display), style)


def feedback_card(unit: Unit, quarter: FiscalQuarter, due: datetime, *,
                  reminder: bool = False) -> dict:
    """ปัญหาอุปสรรคและข้อเสนอแนะ ไตรมาสที่ … with ไม่มี / ตอบ."""
    label = quarter.label()
    body = [
        flex.title("ปัญหาอุปสรรคและข้อเสนอแนะ", size="lg"),
        flex.text(label),
        flex.text(unit.name, color=MUTED),
        flex.separator("md"),
        flex.text("ในไตรมาสนี้ การเผยแพร่ข้อมูลผ่านเว็บไซต์ของกลุ่มมีปัญหาอุปสรรคหรือข้อเสนอแนะไหมคะ "
                  f"คำตอบจะรวมอยู่ในรายงานถึงผู้บริหาร ซึ่งส่งวันที่ {thai_datetime(due)}",
                  margin="md"),
    ]
    if reminder:
        body.insert(0, flex.note("เตือนความจำ: ยังไม่ได้รับคำตอบค่ะ", color=ALERT))
    bubble = flex.bubble(body=body, footer_layout="horizontal", footer=[
        _answer_button("ไม่มี", encode("fb", q=quarter.code, u=unit.id, a="none"),
                       "ไม่มีปัญหาอุปสรรคและข้อเสนอแนะ", "secondary"),
        _answer_button("ตอบ", encode("fb", q=quarter.code, u=unit.id, a="answer"),
                       "ตอบปัญหาอุปสรรคและข้อเสนอแนะ", "primary"),
    ])
    prefix = "เตือน: " if reminder else ""
    return messages.flex(f"{prefix}ปัญหาอุปสรรคและข้อเสนอแนะ {label} ({unit.name})", bubble)


def feedback_row(session: Session, office_id: int, unit_id: int,
                 quarter: FiscalQuarter) -> QuarterFeedback:
    row = session.scalars(select(QuarterFeedback).where(
        QuarterFeedback.office_id == office_id, QuarterFeedback.unit_id == unit_id,
        QuarterFeedback.quarter == quarter.code)).first()
    if row is None:
        row = QuarterFeedback(office_id=office_id, unit_id=unit_id, quarter=quarter.code)
        session.add(row)
        session.flush()
    return row


def _asked_person(session: Session, unit: Unit, now: datetime) -> Person | None:
    """Who answers for the unit now: its director, or whoever acts for them."""
    on = now.astimezone(BANGKOK).date()
    acting = acting_for(session, unit.director_id, on) if unit.director_id else None
    person = acting.acting if acting else session.get(Person, unit.director_id)
    return person if person is not None and person.active and person.line_user_id else None


def request_feedback(session: Session, config: Config, office_id: int, now: datetime) -> int:
    """In the last days of the quarter, send each unit director the card once; how many sent."""
    quarter = FiscalQuarter.of(now)
    days = config.feedback_days_before
    if now < quarter.end - timedelta(days=days) or digest_sent(session, office_id, quarter):
        return 0
    due = digest_due(quarter, working_calendar(config, session.get(Office, office_id)))
    asked = 0
    for unit in session.scalars(select(Unit).where(
            Unit.office_id == office_id, Unit.active.is_(True), Unit.director_id.is_not(None))
            .order_by(Unit.id)):
        row = feedback_row(session, office_id, unit.id, quarter)
        if row.asked_at is not None or row.answered_at is not None:
            continue
        person = _asked_person(session, unit, now)
        if person is None:
            continue  # not linked to LINE yet: asked on a later run
        outbox.push(session, person.line_user_id, [feedback_card(unit, quarter, due)],
                    office_id=office_id, purpose=f"feedback:{quarter.code}")
        row.asked_at = now
        asked += 1
    return asked


def remind_feedback(session: Session, config: Config, office_id: int, now: datetime) -> int:
    """Two days before the quarter ends, remind once those asked earlier who have not answered."""
    quarter = FiscalQuarter.of(now)
    remind_from = quarter.end - timedelta(days=REMIND_DAYS_BEFORE)
    if now < remind_from or digest_sent(session, office_id, quarter):
        return 0
    due = digest_due(quarter, working_calendar(config, session.get(Office, office_id)))
    reminded = 0
    for row in session.scalars(select(QuarterFeedback).where(
            QuarterFeedback.office_id == office_id, QuarterFeedback.quarter == quarter.code,
            QuarterFeedback.asked_at < remind_from, QuarterFeedback.answered_at.is_(None),
            QuarterFeedback.reminded_at.is_(None)).order_by(QuarterFeedback.unit_id)):
        unit = session.get(Unit, row.unit_id)
        person = _asked_person(session, unit, now) if unit.active else None
        if person is None:
            continue
        outbox.push(session, person.line_user_id, [feedback_card(unit, quarter, due, reminder=True)],
                    office_id=office_id, purpose=f"feedback:{quarter.code}")
        row.reminded_at = now
        reminded += 1
    return reminded


def for_each_office(runtime, step, now: datetime) -> int:
    """Run `step(session, config, office_id, now)` for every office, one transaction each."""
    with runtime.factory() as session:
        office_ids = list(session.scalars(select(Office.id).order_by(Office.id)))
    total = 0
    for office_id in office_ids:
        with transaction(runtime.factory) as session:
            total += step(session, runtime.config, office_id, now)
    return total


# --- answering -------------------------------------------------------------------------------

def feedback_unit(session: Session, person: Person, unit_id: int | None,
                  on: date) -> tuple[Unit, ActingAssignment | None]:
    """The unit `person` may answer for: they direct it, or act for its director on `on`.
    Without a unit id, the one unit they answer for (refused if none or several)."""

    def standing(unit: Unit) -> tuple[bool, ActingAssignment | None]:
        if unit.director_id is None:
            return False, None
        if unit.director_id == person.id:
            return True, None
        acting = acting_for(session, unit.director_id, on)
        return (True, acting) if acting and acting.acting_id == person.id else (False, None)

    if unit_id is not None:
        unit = session.get(Unit, unit_id)
        if unit is None or unit.office_id != person.office_id or not unit.active:
            raise FeedbackRefused("unknown_unit")
        allowed, acting = standing(unit)
        if not allowed:
            raise FeedbackRefused("not_director")
        return unit, acting
    mine = [(u, *standing(u)) for u in session.scalars(select(Unit).where(
        Unit.office_id == person.office_id, Unit.active.is_(True)).order_by(Unit.id))]
    mine = [(u, acting) for u, allowed, acting in mine if allowed]
    if not mine:
        raise FeedbackRefused("not_director")
    if len(mine) > 1:
        raise FeedbackRefused("ambiguous")
    return mine[0]


def check_feedback_open(session: Session, office_id: int, quarter: FiscalQuarter,
                        now: datetime) -> None:
    """Answers are taken from the quarter's start until its digest has gone out."""
    if now < quarter.start:
        raise FeedbackRefused("not_started")
    if digest_sent(session, office_id, quarter):
        raise FeedbackRefused("closed")


def save_feedback(session: Session, *, unit: Unit, quarter: FiscalQuarter, person: Person,
                  acting: ActingAssignment | None, text: str | None, now: datetime,
                  event_id: str | None = None) -> QuarterFeedback:
    """Store the unit's answer (text None: ไม่มี), replacing an earlier one; audited."""
    row = feedback_row(session, unit.office_id, unit.id, quarter)
    row.none, row.text = text is None, text or ""
    row.answered_at, row.answered_by_id = now, person.id
    audit.record(session, "feedback.answered", office_id=unit.office_id, actor_id=person.id,
                 actor_line_user_id=person.line_user_id,
                 acting_for_id=acting.absent_id if acting else None,
                 acting_order=acting.order_text if acting else None, event_id=event_id,
                 data={"quarter": quarter.code, "unit_id": unit.id, "none": text is None,
                       "chars": len(text or "")})
    return row


def record_refusal(session: Session, person: Person, reason: str, *, quarter: str | None,
                   unit_id: int | None, event_id: str | None) -> None:
    audit.record(session, "feedback.refused", office_id=person.office_id, actor_id=person.id,
                 actor_line_user_id=person.line_user_id, event_id=event_id,
                 data={"quarter": quarter, "unit_id": unit_id, "reason": reason})
