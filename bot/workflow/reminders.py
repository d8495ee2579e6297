"""Reminders for approval steps that wait too long (run daily at 09:00 Bangkok by the scheduler).

Idempotent by data: a step's `reminders_sent` counts what it has had, and one run adds at most one.
A director gets one message a day however many items wait for them, not one push per item.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.office.org import acting_for
from bot.spine import outbox
from bot.spine.config import Config
from bot.thai.dates import WorkingCalendar, load_holidays, to_bangkok
from bot.workflow import cards
from models import ApprovalStep, Office, Person, Submission


def calendar(config: Config, office: Office | None = None) -> WorkingCalendar:
    """Weekdays minus the deployment's HOLIDAYS_FILE and, for `office`, its own holidays."""
    days = load_holidays(config.holidays_file) if config.holidays_file else []
    own = [date.fromisoformat(d) for d in (office.holidays or [])] if office is not None else []
    return WorkingCalendar([*days, *own])


def send_reminders(session: Session, config: Config, now: datetime) -> int:
    """Remind approvers once after N working days, and again after 2N with the office director
    told: one message per person per run (a day), listing every item due; the steps reminded.
    Each office counts its own working days: none of its reminders go on its own holiday."""
    if not calendar(config).is_working_day(to_bangkok(now)):
        return 0  # a weekend or a holiday of the whole deployment: nobody works today
    calendars: dict[int, WorkingCalendar] = {}

    def days_of(office_id: int) -> WorkingCalendar:
        if office_id not in calendars:
            calendars[office_id] = calendar(config, session.get(Office, office_id))
        return calendars[office_id]
    after = config.reminder_after_working_days
    steps = session.scalars(select(ApprovalStep).where(
        ApprovalStep.status == "waiting", ApprovalStep.reminders_sent < 2)
        .order_by(ApprovalStep.waiting_since, ApprovalStep.id).with_for_update()).all()
    to_holder: dict[int, list[tuple[ApprovalStep, Submission]]] = defaultdict(list)
    to_director: dict[int, list[tuple[ApprovalStep, Submission, Person]]] = defaultdict(list)
    holders: dict[int, Person] = {}
    for step in steps:
        submission = session.get(Submission, step.submission_id)
        days = days_of(submission.office_id)
        if not days.is_working_day(to_bangkok(now)):
            continue
        due = days.add_working_days(to_bangkok(step.waiting_since), after * (step.reminders_sent + 1))
        if due > to_bangkok(now):
            continue
        approver = session.get(Person, step.approver_id)
        delegation = acting_for(session, approver.id, to_bangkok(now).date())
        holder = delegation.acting if delegation else approver
        step.reminders_sent += 1
        holders[holder.id] = holder
        to_holder[holder.id].append((step, submission))
        director = session.get(Office, submission.office_id).director
        if step.reminders_sent == 2 and director and director.id != holder.id:
            holders[director.id] = director
            to_director[director.id].append((step, submission, holder))
    for person_id, items in to_holder.items():
        holder = holders[person_id]
        if holder.line_user_id:
            outbox.push(session, holder.line_user_id, [cards.reminder_text(session, holder, items)],
                        office_id=holder.office_id, purpose="reminder")
    for person_id, items in to_director.items():
        director = holders[person_id]
        if director.line_user_id:
            outbox.push(session, director.line_user_id, [cards.overdue_text(session, director, items)],
                        office_id=director.office_id, purpose="reminder")
    return sum(len(items) for items in to_holder.values())
