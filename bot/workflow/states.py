"""A submission's life as a transition table, and the one function that writes `Submission.status`.

Every status change anywhere (drafts, approvals, publishing) goes through `move`/`try_move`: a
conditional `UPDATE … WHERE status IN (sources)`, so the database, not a value read earlier,
decides whether the transition may happen, and two racing writers cannot both win. The table is
also what docs/WORKFLOW.md's diagram is rendered from (bot.workflow.diagram).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from models import Submission
from models.submission import STATES

# Who may take a transition. Authorisation itself is checked where the actor is known
# (machine.authorise, machine.withdraw, the publish handlers); the table says who that is.
SUBMITTER = "submitter"
APPROVER = "current approver or acting delegate"
PUBLISHER = "ICT or admin"
SYSTEM = "system"

INITIAL = "draft"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    by: tuple[str, ...]
    label: str  # what the person sees or does, for the diagram
    finishes: bool = False  # the item's story ends here: finished_at is set


TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", ("draft",), "pending", (SUBMITTER,), "ส่งขออนุญาตเผยแพร่"),
    Transition("cancel", ("draft",), "cancelled", (SUBMITTER,), "ยกเลิก", finishes=True),
    Transition("expire", ("draft",), "expired", (SYSTEM,), "24 h idle", finishes=True),
    Transition("approve", ("pending",), "pending", (APPROVER,), "อนุมัติ, not the last step"),
    # SYSTEM: when every remaining step is skipped (the office director's own item) no one taps.
    Transition("approve_final", ("pending",), "approved", (APPROVER, SYSTEM),
               "อนุมัติ at the last step"),
    Transition("return", ("pending",), "returned", (APPROVER,), "ส่งกลับแก้ไข + reason"),
    Transition("resubmit", ("returned",), "pending", (SUBMITTER,), "แก้ไขและส่งใหม่ = version n+1"),
    Transition("reject", ("pending",), "rejected", (APPROVER,), "ไม่อนุมัติ + reason", finishes=True),
    Transition("withdraw", ("pending", "returned"), "withdrawn", (SUBMITTER,), "ถอนเรื่อง",
               finishes=True),
    # SYSTEM: publish_mode portal publishes at the final approval; PUBLISHER: publish_mode ict.
    Transition("publish", ("approved",), "published", (SYSTEM, PUBLISHER),
               "at once (publish_mode portal) or เผยแพร่ (publish_mode ict)", finishes=True),
    Transition("retract", ("published",), "retracted", (PUBLISHER,), "ถอนการเผยแพร่ + reason"),
)
BY_ACTION = {t.action: t for t in TRANSITIONS}
assert len(BY_ACTION) == len(TRANSITIONS), "one row per action"
assert {INITIAL} | {s for t in TRANSITIONS for s in (*t.sources, t.target)} == set(STATES)


class IllegalTransition(ValueError):
    """A transition the current state (in the database) does not allow; nothing was written."""


def try_move(session: Session, submission: Submission, action: str, now: datetime,
             **values) -> bool:
    """Take `action` if the row's state in the database allows it; False (row reloaded) if not.

    `values` are the other columns the transition sets (submitted_at, final_reason …).
    """
    transition = BY_ACTION[action]
    if transition.finishes:
        values.setdefault("finished_at", now)
    won = session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.status.in_(transition.sources))
        .values(status=transition.target, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    # Reload what the UPDATE wrote (or, when it lost, the state that beat it): the in-memory
    # object must never disagree with the row.
    if won != 1:
        session.refresh(submission)
        return False
    session.refresh(submission, attribute_names=["status", "updated_at", *values])
    return True


def move(session: Session, submission: Submission, action: str, now: datetime, **values) -> str:
    """`try_move` for callers whose own guard already holds: a refusal here is a bug, so it raises.

    Returns the state the submission was in before.
    """
    previous = submission.status
    if not try_move(session, submission, action, now, **values):
        raise IllegalTransition(f"submission {submission.id} is {submission.status}: cannot {action}")
    return previous
