"""The approval queue as an administrator sees it: every open step, on whom it waits (the acting
director while an assignment holds), since when in working days; and a reminder sent by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.office.org import acting_for
from bot.spine import outbox
from bot.spine.config import Config
from bot.thai.dates import to_bangkok
from bot.workflow import cards
from bot.workflow.reminders import calendar
from models import ActingAssignment, ApprovalStep, Office, Person, Submission


@dataclass
class Waiting:
    step: ApprovalStep
    submission: Submission
    approver: Person
    holder: Person  # who must decide now: the approver, or who acts for them
    delegation: ActingAssignment | None
    working_days: int


class NotWaiting(ValueError):
    """The step is no longer waiting (decided, withdrawn) or nobody can be reminded."""


def waiting(session: Session, config: Config, office_id: int, now: datetime) -> list[Waiting]:
    """The office's waiting steps, longest waiting first."""
    days = calendar(config, session.get(Office, office_id))
    today = to_bangkok(now).date()
    rows = session.execute(
        select(ApprovalStep, Submission).join(Submission, Submission.id == ApprovalStep.submission_id)
        .where(Submission.office_id == office_id, ApprovalStep.status == "waiting",
               ApprovalStep.approver_id.is_not(None))
        .order_by(ApprovalStep.waiting_since, ApprovalStep.id)).all()
    queue = []
    for step, submission in rows:
        approver = session.get(Person, step.approver_id)
        delegation = acting_for(session, approver.id, today)
        queue.append(Waiting(step, submission, approver, delegation.acting if delegation else approver,
                             delegation, days.working_days_between(step.waiting_since, now)))
    return queue


def remind_now(session: Session, config: Config, step_id: int, office_id: int, now: datetime) -> Person:
    """Push today's reminder for one waiting step to whoever holds it; the person reminded.

    It does not count towards the daily reminders (bot.workflow.reminders), so the office
    director's note after the second one comes when it would have."""
    entry = next((w for w in waiting(session, config, office_id, now) if w.step.id == step_id), None)
    if entry is None:
        raise NotWaiting("เรื่องนี้ไม่ได้รอพิจารณาแล้วค่ะ")
    if not entry.holder.line_user_id:
        raise NotWaiting(f"{entry.holder.name} ยังไม่ได้เชื่อมบัญชี LINE จึงส่งการเตือนไม่ได้ค่ะ")
    outbox.push(session, entry.holder.line_user_id,
                [cards.reminder_text(session, entry.holder, [(entry.step, entry.submission)])],
                office_id=office_id, purpose="reminder")
    return entry.holder
