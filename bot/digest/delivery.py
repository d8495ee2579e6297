"""Pushing the quarterly digest (ข้อ ๔) once per office and quarter, on the first working day
after the quarter, to the management group chat and the office director (1:1 only when the
director is not in that group: one digest per person).

Running it late, twice or from two processes is harmless: the unique DigestRun row is written
in the same transaction as the pushes, so a quarter's digest goes out once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.digest.compute import compute_digest
from bot.digest.links import report_links
from bot.digest.render import Style, flex_summary
from bot.office.org import acting_for, registered_group
from bot.spine import audit, outbox
from bot.spine.config import Config
from bot.spine.db import transaction
from bot.thai.dates import BANGKOK, FiscalQuarter, WorkingCalendar
from bot.workflow import reminders
from models import DigestRun, InboundEvent, Office, Person

log = logging.getLogger("prakat.digest")

DIGEST_HOUR = 9  # on the first working day after the quarter, Bangkok time


def working_calendar(config: Config, office: Office | None = None) -> WorkingCalendar:
    """The approval reminders' calendar: weekdays minus the public holidays of HOLIDAYS_FILE
    and, for `office`, its own."""
    return reminders.calendar(config, office)


def digest_due(quarter: FiscalQuarter, calendar: WorkingCalendar) -> datetime:
    """09:00 Bangkok on the first working day after the quarter's last day."""
    day = calendar.next_working_day(quarter.last_day)
    return datetime.combine(day, time(DIGEST_HOUR), tzinfo=BANGKOK)


def digest_sent(session: Session, office_id: int, quarter: FiscalQuarter) -> DigestRun | None:
    return session.scalars(select(DigestRun).where(DigestRun.office_id == office_id,
                                                   DigestRun.quarter == quarter.code)).first()


@dataclass
class SendResult:
    sent: bool
    reason: str  # sent | already_sent | no_recipients | not_ended
    run: DigestRun | None = None
    recipients: int = 0


def _reachable(session: Session, person_id: int | None, on: date) -> list[Person]:
    """The person, and whoever acts for them on `on`, if linked to LINE."""
    person = session.get(Person, person_id) if person_id else None
    if person is None:
        return []
    acting = acting_for(session, person.id, on)
    people = [person] + ([acting.acting] if acting else [])
    return [p for p in people if p.active and p.line_user_id]


def seen_in_group(session: Session, person: Person, group_id: str) -> bool:
    """Whether LINE has shown this person in the group (they spoke, tapped or joined there):
    then the group's copy reaches them, and a 1:1 copy would be a second push of the same."""
    return session.scalar(select(InboundEvent.id).where(
        InboundEvent.group_id == group_id, InboundEvent.line_user_id == person.line_user_id,
        InboundEvent.office_id == person.office_id)  # seen by this office's bot, in its group
        .limit(1)) is not None


def digest_recipients(session: Session, office: Office, now: datetime) -> list[str]:
    """The management group chat, and the office director (and an acting director) 1:1 unless
    they are already in that group: one digest per person."""
    targets = []
    group = registered_group(session, office.id, "management")
    if group is not None:
        targets.append(group.group_id)
    for person in _reachable(session, office.director_id, now.astimezone(BANGKOK).date()):
        if group is not None and seen_in_group(session, person, group.group_id):
            continue
        if person.line_user_id not in targets:
            targets.append(person.line_user_id)
    return targets


def send_digest(session: Session, config: Config, office_id: int, quarter: FiscalQuarter, *,
                now: datetime, sent_by: str) -> SendResult:
    """Queue the digest for the office's management once; a second call changes nothing. A
    quarter still running is refused, whoever asks: it goes once, so sent early, the quarter's
    whole digest would never go out."""
    if quarter.end > now.astimezone(BANGKOK):
        return SendResult(False, "not_ended")
    if (run := digest_sent(session, office_id, quarter)) is not None:
        return SendResult(False, "already_sent", run)
    office = session.get(Office, office_id)
    targets = digest_recipients(session, office, now)
    if not targets:
        return SendResult(False, "no_recipients")
    try:
        with session.begin_nested():  # another process may be inserting the same row
            run = DigestRun(office_id=office_id, quarter=quarter.code, sent_at=now, sent_by=sent_by)
            session.add(run)
    except IntegrityError:
        return SendResult(False, "already_sent", digest_sent(session, office_id, quarter))
    digest = compute_digest(session, office_id, quarter, now)
    message = flex_summary(digest, report_links(config, office_id, quarter, now, session),
                           Style.for_line(office.digits))
    for target in targets:
        outbox.push(session, target, [message], office_id=office_id, purpose=f"digest:{quarter.code}")
    audit.record(session, "digest.sent", office_id=office_id,
                 data={"quarter": quarter.code, "recipients": len(targets), "by": sent_by,
                       "published": digest.total.published})
    return SendResult(True, "sent", run, len(targets))


def send_due_digests(runtime, now: datetime) -> list[tuple[int, SendResult]]:
    """Send the last quarter's digest for every office once its due time has come."""
    quarter = FiscalQuarter.of(now).previous()
    if now < digest_due(quarter, working_calendar(runtime.config)):
        return []  # an office's own holidays only ever put its day later
    with runtime.factory() as session:
        offices = [(o.id, o.created_at, working_calendar(runtime.config, o))
                   for o in session.scalars(select(Office).order_by(Office.id))]
    results = []
    for office_id, created_at, days in offices:
        if created_at >= quarter.end:
            continue  # the office did not exist in that quarter
        if now < digest_due(quarter, days):
            continue  # its first working day after the quarter has not come yet
        with transaction(runtime.factory) as session:
            result = send_digest(session, runtime.config, office_id, quarter, now=now,
                                 sent_by="scheduler")
        if result.reason == "no_recipients":
            log.warning("digest %s for office %s: no management group or linked director yet",
                        quarter.code, office_id)
        results.append((office_id, result))
    return results
