"""Where an item really is when someone taps an old approval card: facts for a true answer.

A card goes stale two ways: its version was superseded (the item was returned and sent again,
and a newer card waits), or its step was decided (by this person, someone acting, or a faster
tap). "Already returned" is true of the old step and false of the item, so the answer is built
from the item's current step, not from the step the card belonged to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.office.org import acting_for
from bot.thai.dates import to_bangkok
from bot.workflow.chain import current_step
from models import ApprovalStep, Person, Submission

# The refusals of an approval tap that mean "this card is out of date".
STALE_REASONS = frozenset({"already_decided", "lost_race", "old_version"})


@dataclass(frozen=True)
class StaleTap:
    submission: Submission
    tapped: ApprovalStep
    tapped_version: int
    superseded: bool  # the card shows a version the item has moved past
    waiting: ApprovalStep | None  # the step that waits now, if any
    waiting_for_actor: bool  # ... and it waits for the one who tapped (or whom they act for)
    decided_by: Person | None  # who decided the tapped step, if it was decided


def stale_tap(session: Session, *, step_id: int, version: int, actor: Person,
              now: datetime) -> StaleTap | None:
    """The facts behind a stale tap on step `step_id` at `version`; None if there is no such step."""
    tapped = session.get(ApprovalStep, step_id)
    submission = session.get(Submission, tapped.submission_id) if tapped else None
    if tapped is None or submission is None:
        return None
    waiting = current_step(session, submission.id)
    mine = False
    if waiting is not None and actor.id != submission.submitter_id:
        delegation = acting_for(session, waiting.approver_id, to_bangkok(now).date())
        holder = delegation.acting_id if delegation else waiting.approver_id
        mine = holder == actor.id
    decided_by = session.get(Person, tapped.decided_by_id) if tapped.decided_by_id else None
    superseded = version < submission.current_version or (tapped.version or version) < submission.current_version
    return StaleTap(submission, tapped, version, superseded, waiting, mine, decided_by)
