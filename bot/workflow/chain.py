"""The approval chain of an item: which roles decide it, who holds each role, and its step rows.

Read-only facts that both the transitions (machine) and the cards need; kept below both so
neither has to import the other.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.office import categories
from models import ApprovalStep, Office, Person, Submission, Unit


def chain_for(session: Session, submission: Submission) -> list[str]:
    """The roles that decide this item, in order (a regulated category overrides the kind)."""
    office = session.get(Office, submission.office_id)
    category = categories.category(session, submission.office_id, submission.category_code)
    kind = "regulated" if category is not None and category.regulated else submission.kind
    return list(office.chains.get(kind) or office.chains.get("document") or [])


def approver_for(session: Session, submission: Submission, role: str) -> Person | None:
    """Who holds `role` for this item today (None: nobody, and the step is skipped)."""
    if role == "unit_director":
        unit = session.get(Unit, submission.unit_id) if submission.unit_id else None
        return unit.director if unit and unit.active else None
    office = session.get(Office, submission.office_id)
    return office.director


def steps_of(session: Session, submission_id: int) -> list[ApprovalStep]:
    return list(session.scalars(select(ApprovalStep).where(ApprovalStep.submission_id == submission_id)
                                .order_by(ApprovalStep.position, ApprovalStep.id)))


def current_step(session: Session, submission_id: int) -> ApprovalStep | None:
    return session.scalars(select(ApprovalStep).where(
        ApprovalStep.submission_id == submission_id, ApprovalStep.status == "waiting")).first()
