"""What the approval events mean to people: cards and texts as outbox rows, and the one hook
that runs when an item is finally approved (publishing, wired by bot.app at build).

The hook is set explicitly, never by importing a module for its side effects, and a final
approval with no hook set raises: an approved item that silently never reaches publishing is
worse than a loud failure that rolls the transaction back.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from bot.spine import outbox
from bot.spine.config import Config
from bot.workflow import cards
from bot.workflow.events import (
    Approved,
    Event,
    FinalApproved,
    Refused,
    Rejected,
    Returned,
    StepOpened,
    StepReassigned,
    Withdrawn,
)
from models import ActingAssignment, ApprovalStep, Person, Submission

Reply = Callable[[dict], None]
# (session, event, webhook event id, reply, config) -> True when the hook told the submitter itself
# (a publication does), so the plain "approved" text is not sent as well.
FinalApprovalHook = Callable[[Session, FinalApproved, str | None, Reply | None, Config], bool]

_hook: list[FinalApprovalHook] = []


def set_final_approval_hook(hook: FinalApprovalHook) -> None:
    """Install THE final-approval hook (replacing any earlier one: building the app twice in a
    process must not publish twice)."""
    _hook[:] = [hook]


def final_approval_hook() -> FinalApprovalHook:
    if not _hook:
        raise RuntimeError("no final-approval hook is set: bot.app.wiring.wire() wires publishing")
    return _hook[0]


def dispatch(session: Session, events: list[Event], *, config: Config, event_id: str | None,
             reply: Reply | None = None) -> str | None:
    """Send what `events` mean, in their order. Returns the Thai answer for the person who acted
    (a confirmation or a refusal), or None when the transition has nothing to tell them."""
    answer = None
    for event in events:
        if isinstance(event, StepOpened):
            _step_opened(session, event, event_id, config)
        elif isinstance(event, StepReassigned):
            _step_reassigned(session, event, event_id, config)
        elif isinstance(event, FinalApproved):
            _final_approved(session, event, event_id, reply, config)
        elif isinstance(event, (Approved, Returned, Rejected)):
            answer = _decided(session, event, event_id)
        elif isinstance(event, Withdrawn):
            _withdrawn(session, event, event_id)
            answer = cards.WITHDRAWN_ANSWER
        elif isinstance(event, Refused):
            answer = cards.refusal_text(session, event.reason, event.step_id, event.submission_id)
    return answer


def _delegation(session: Session, delegation_id: int | None) -> ActingAssignment | None:
    return session.get(ActingAssignment, delegation_id) if delegation_id else None


def _holder(session: Session, step: ApprovalStep, delegation: ActingAssignment | None) -> Person:
    return delegation.acting if delegation else session.get(Person, step.approver_id)


def _step_opened(session: Session, event: StepOpened, event_id: str | None, config: Config) -> None:
    """The card to whoever holds the step today; the absent approver and the submitter are told."""
    submission = session.get(Submission, event.submission_id)
    step = session.get(ApprovalStep, event.step_id)
    delegation = _delegation(session, event.delegation_id)
    holder, approver = _holder(session, step, delegation), session.get(Person, step.approver_id)
    purpose = f"approval:{submission.id}"
    if holder.line_user_id:
        outbox.push(session, holder.line_user_id, [cards.approval_card(session, submission, step, delegation, config)],
                    office_id=submission.office_id, event_id=event_id, purpose=purpose)
    if delegation and approver.line_user_id:
        outbox.push(session, approver.line_user_id, [cards.fyi_text(session, submission, step, delegation)],
                    office_id=submission.office_id, event_id=event_id, purpose=purpose)
    submitter = session.get(Person, submission.submitter_id)
    progress = cards.progress_text(session, submission, step)  # None after a skipped step
    if submitter.line_user_id and progress is not None:
        outbox.push(session, submitter.line_user_id, [progress],
                    office_id=submission.office_id, event_id=event_id)


def _step_reassigned(session: Session, event: StepReassigned, event_id: str | None,
                      config: Config) -> None:
    step = session.get(ApprovalStep, event.step_id)
    if step.status != "waiting":  # a queued step's card goes out when it opens
        return
    submission = session.get(Submission, event.submission_id)
    delegation = _delegation(session, event.delegation_id)
    holder = _holder(session, step, delegation)
    if holder.line_user_id:
        outbox.push(session, holder.line_user_id, [cards.approval_card(session, submission, step, delegation, config)],
                    office_id=submission.office_id, event_id=event_id,
                    purpose=f"approval:{submission.id}")


def _final_approved(session: Session, event: FinalApproved, event_id: str | None,
                    reply: Reply | None, config: Config) -> None:
    told_submitter = final_approval_hook()(session, event, event_id, reply, config)
    submission = session.get(Submission, event.submission_id)
    submitter = session.get(Person, submission.submitter_id)
    if not told_submitter and submitter.line_user_id:
        outbox.push(session, submitter.line_user_id, [cards.approved_text(session, submission)],
                    office_id=submission.office_id, event_id=event_id)


def _decided(session: Session, event: Approved | Returned | Rejected, event_id: str | None) -> str:
    """A return or a rejection is told to the submitter; every decision answers the approver."""
    submission = session.get(Submission, event.submission_id)
    step = session.get(ApprovalStep, event.step_id)
    action = {Approved: "approve", Returned: "return", Rejected: "reject"}[type(event)]
    if action != "approve":
        submitter = session.get(Person, submission.submitter_id)
        if submitter.line_user_id:
            outbox.push(session, submitter.line_user_id,
                        [cards.decision_for_submitter(session, submission, step, action, event.reason)],
                        office_id=submission.office_id, event_id=event_id)
    return cards.decided_confirmation(session, submission, step, action,
                                      _delegation(session, event.delegation_id))


def _withdrawn(session: Session, event: Withdrawn, event_id: str | None) -> None:
    holder = session.get(Person, event.holder_id) if event.holder_id else None
    if holder is not None and holder.line_user_id:
        submission = session.get(Submission, event.submission_id)
        outbox.push(session, holder.line_user_id, [cards.withdrawn_text(session, submission)],
                    office_id=submission.office_id, event_id=event_id)
