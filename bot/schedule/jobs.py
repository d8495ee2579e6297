"""The scheduled jobs and, in JOBS, when each runs: the one registry (times are Bangkok).

Each job is called as job(runtime, now) by bot.schedule.scheduler. A job only asks the data
whether there is anything to do now, so a run that comes late (caught up after a restart),
twice, or from another process does nothing more than the first.

The job store keeps each job by its reference, e.g. "bot.schedule.jobs:remind_approvers":
renaming a job or moving it out of this module orphans the stored rows.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.digest.delivery import send_due_digests
from bot.digest.feedback import for_each_office, remind_feedback, request_feedback
from bot.ita.push import push_readiness
from bot.schedule.scheduler import cron
from bot.spine.db import transaction
from bot.workflow.reminders import send_reminders
from bot.workflow.submissions import expire_idle_drafts as expire
from models import Office

log = logging.getLogger("prakat.jobs")


def ask_quarter_feedback(runtime, now: datetime) -> None:
    """In a quarter's last days, ask each unit director for problems and suggestions (once)."""
    asked = for_each_office(runtime, request_feedback, now)
    if asked:
        log.info("asked %d unit director(s) for problems and suggestions", asked)


def remind_quarter_feedback(runtime, now: datetime) -> None:
    """Two days before the quarter ends, remind those who have not answered (once)."""
    reminded = for_each_office(runtime, remind_feedback, now)
    if reminded:
        log.info("reminded %d unit director(s) about problems and suggestions", reminded)


def send_quarter_digest(runtime, now: datetime) -> None:
    """On the first working day after a quarter, 09:00, send its digest (once per office)."""
    for office_id, result in send_due_digests(runtime, now):
        if result.sent:
            log.info("digest for office %s sent to %d chat(s)", office_id, result.recipients)


def remind_approvers(runtime, now: datetime) -> None:
    """09:00 Bangkok: remind approvers whose step has waited too long (working days only)."""
    with transaction(runtime.factory) as session:
        sent = send_reminders(session, runtime.config, now)
    if sent:
        log.info("sent %d approval reminder(s)", sent)


def expire_idle_drafts(runtime, now: datetime) -> None:
    """Hourly: drafts untouched for 24 hours expire, and their owners are told."""
    with transaction(runtime.factory) as session:
        expired = expire(session, now)
    if expired:
        log.info("expired %d idle draft(s)", len(expired))


def push_ita_readiness(runtime, now: datetime) -> None:
    """Working days 09:00: once a week, in the two months before the OIT assessment, tell the
    ICT group which indicators still lack evidence (nothing when all are ready)."""
    def step(session, config, office_id, when):
        return push_readiness(session, config, session.get(Office, office_id), when).sent

    pushed = for_each_office(runtime, step, now)
    if pushed:
        log.info("pushed ITA readiness to %d office(s)", pushed)


JOBS = [
    cron("quarter_feedback_ask", ask_quarter_feedback, hour=9, minute=0),
    cron("quarter_feedback_remind", remind_quarter_feedback, hour=9, minute=0),
    cron("quarter_digest", send_quarter_digest, hour=9, minute=0),
    cron("approval_reminders", remind_approvers, hour=9, minute=0),
    cron("expire_idle_drafts", expire_idle_drafts, minute=15),
    cron("ita_readiness_weekly", push_ita_readiness, day_of_week="mon-fri", hour=9, minute=0),
]
