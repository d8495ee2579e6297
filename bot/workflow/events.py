"""What the approval transitions report back: facts, not messages.

The machine returns a list of these; bot.workflow.notify turns them into cards and outbox rows
and runs the final-approval hook. Ids, not ORM objects, so an event means the same thing
whichever session reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Submitted:
    submission_id: int
    actor_id: int


@dataclass(frozen=True)
class Resubmitted:
    submission_id: int
    actor_id: int


@dataclass(frozen=True)
class StepSkipped:
    submission_id: int
    step_id: int
    reason: str  # no_approver | submitter_is_approver


@dataclass(frozen=True)
class StepOpened:
    """A step now waits for its approver (or whoever acts for them: `delegation_id`)."""

    submission_id: int
    step_id: int
    delegation_id: int | None


@dataclass(frozen=True)
class StepReassigned:
    """A waiting step moved to the role's new holder after an org change."""

    submission_id: int
    step_id: int
    delegation_id: int | None


@dataclass(frozen=True)
class Approved:
    """One approver approved their step (the item may still have steps to go)."""

    submission_id: int
    step_id: int
    delegation_id: int | None


@dataclass(frozen=True)
class FinalApproved:
    submission_id: int
    actor_id: int | None  # who took the last step; None when no one had to (all skipped)
    at: datetime


@dataclass(frozen=True)
class Returned:
    submission_id: int
    step_id: int
    delegation_id: int | None
    reason: str


@dataclass(frozen=True)
class Rejected:
    submission_id: int
    step_id: int
    delegation_id: int | None
    reason: str


@dataclass(frozen=True)
class Withdrawn:
    submission_id: int
    holder_id: int | None  # who had the waiting step (the approver or their acting delegate)


@dataclass(frozen=True)
class Refused:
    """An attempt the rules turned down (already audited); nothing else changed."""

    reason: str
    submission_id: int | None = None
    step_id: int | None = None


Event = (Submitted | Resubmitted | StepSkipped | StepOpened | StepReassigned | Approved
         | FinalApproved | Returned | Rejected | Withdrawn | Refused)


def refusal(events: list[Event]) -> Refused | None:
    return next((e for e in events if isinstance(e, Refused)), None)
