"""The scheduled jobs themselves (registered through bot.scheduler.job; times are Bangkok).

A job only asks the data whether there is anything to do now, so a run that comes late (caught
up after a restart), twice, or from another process does nothing more than the first.
"""

from __future__ import annotations

import logging

from bot.digest import delivery
from bot.schedule.scheduler import current_runtime, job, now

log = logging.getLogger("prakat.jobs")


@job("quarter_feedback_ask", hour=9, minute=0)
def ask_quarter_feedback() -> None:
    """In a quarter's last days, ask each unit director for problems and suggestions (once)."""
    asked = delivery.for_each_office(current_runtime(), delivery.request_feedback,
                                            now())
    if asked:
        log.info("asked %d unit director(s) for problems and suggestions", asked)


@job("quarter_feedback_remind", hour=9, minute=0)
def remind_quarter_feedback() -> None:
    """Two days before the quarter ends, remind those who have not answered (once)."""
    reminded = delivery.for_each_office(current_runtime(),
                                               delivery.remind_feedback, now())
    if reminded:
        log.info("reminded %d unit director(s) about problems and suggestions", reminded)


@job("quarter_digest", hour=9, minute=0)
def send_quarter_digest() -> None:
    """On the first working day after a quarter, 09:00, send its digest (once per office)."""
    for office_id, result in delivery.send_due_digests(current_runtime(), now()):
        if result.sent:
            log.info("digest for office %s sent to %d chat(s)", office_id, result.recipients)


@job("approval_reminders", hour=9, minute=0)
def remind_approvers() -> None:
    """09:00 Bangkok: remind approvers whose step has waited too long (working days only)."""
    from bot.spine.db import transaction
    from bot.workflow.reminders import send_reminders

    runtime = current_runtime()
    with transaction(runtime.factory) as session:
        sent = send_reminders(session, runtime.config, now())
    if sent:
        log.info("sent %d approval reminder(s)", sent)


@job("expire_idle_drafts", minute=15)
def expire_idle_drafts() -> None:
    """Hourly: drafts untouched for 24 hours expire, and their owners are told."""
    from bot.spine.db import transaction
    from bot.workflow.submissions import expire_idle_drafts as expire

    with transaction(current_runtime().factory) as session:
        expired = expire(session, now())
    if expired:
        log.info("expired %d idle draft(s)", len(expired))
