"""Reminders for approval steps that wait too long (run daily at 09:00 Bangkok by the scheduler).

Idempotent by data: a step's `reminders_sent` counts what it has had, and one run adds at most one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.office.org import acting_for
from bot.spine import messages, outbox, postback
from bot.spine.config import Config
from bot.thai.dates import WorkingCalendar, load_holidays, thai_datetime, to_bangkok
from models import ApprovalStep, Office, Person, Submission


def calendar(config: Config) -> WorkingCalendar:
    return WorkingCalendar(load_holidays(config.holidays_file) if config.holidays_file else ())


def send_reminders(session: Session, config: Config, now: datetime) -> int:
    """Remind approvers once after N working days, and again after 2N with the office director told."""
    days = calendar(config)
    if not days.is_working_day(to_bangkok(now)):
        return 0
    after = config.reminder_after_working_days
    sent = 0
    steps = session.scalars(select(ApprovalStep).where(
        ApprovalStep.status == "waiting", ApprovalStep.reminders_sent < 2).with_for_update()).all()
    for step in steps:
        due = days.add_working_days(to_bangkok(step.waiting_since), after * (step.reminders_sent + 1))
        if due > to_bangkok(now):
            continue
        submission = session.get(Submission, step.submission_id)
        approver = session.get(Person, step.approver_id)
        delegation = acting_for(session, approver.id, to_bangkok(now).date())
        holder = delegation.acting if delegation else approver
        step.reminders_sent += 1
        title = submission.version().title
        if holder.line_user_id:
            open_card = messages.postback_action("เปิดการ์ดพิจารณา", postback.encode("card", s=step.id),
                                                 "เปิดการ์ดพิจารณา")
            outbox.push(session, holder.line_user_id, [messages.text(
                f"เรียนเตือนค่ะ เรื่อง #{submission.id} \"{title}\" รอท่านพิจารณาตั้งแต่ "
                f"{thai_datetime(step.waiting_since)}", [messages.quick(open_card)])],
                office_id=submission.office_id, purpose=f"reminder:{submission.id}")
        office = session.get(Office, submission.office_id)
        director = office.director
        if step.reminders_sent == 2 and director and director.id != holder.id and director.line_user_id:
            outbox.push(session, director.line_user_id, [messages.text(
                f"เพื่อทราบค่ะ เรื่อง #{submission.id} \"{title}\" รอ {holder.name} พิจารณา"
                f"ตั้งแต่ {thai_datetime(step.waiting_since)} (เตือนแล้ว 2 ครั้ง)")],
                office_id=submission.office_id, purpose=f"reminder:{submission.id}")
        sent += 1
    return sent
