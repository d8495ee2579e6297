"""The approval transitions (ข้อ ๓.๑ ๕), ๓.๓ ๔)): submitting, deciding, withdrawing, reassigning.

Runtime: one ApprovalStep row per step of the item's chain (bot.workflow.chain), pinned to the
version it decides. A decision is a conditional UPDATE of the step guarded by its state, so two
simultaneous taps cannot both win; the item's own status moves only through bot.workflow.states.
Every transition and every refused attempt writes an audit entry. Transitions return domain
events (bot.workflow.events) and send nothing: bot.workflow.notify turns the events into
messages and runs the final-approval hook (publishing).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.office.org import acting_as, acting_for
from bot.privacy.check import check_of
from bot.spine import audit
from bot.thai.dates import to_bangkok
from bot.workflow import states
from bot.workflow.chain import approver_for, chain_for, current_step, steps_of
from bot.workflow.events import (
    Approved,
    Event,
    FinalApproved,
    Refused,
    Rejected,
    Resubmitted,
    Returned,
    StepOpened,
    StepReassigned,
    StepSkipped,
    Submitted,
    Withdrawn,
)
from bot.workflow.submissions import file_hashes
from models import ActingAssignment, ApprovalStep, Person, Submission

# An approver's actions and the state each leaves the step in; the card renders the buttons
# from ACTIONS and cards.ACTION_LABELS.
STEP_OUTCOMES = {"approve": "approved", "return": "returned", "reject": "rejected"}
NEEDS_REASON = frozenset({"return", "reject"})
ACTIONS = tuple(STEP_OUTCOMES)


def _audit(session: Session, submission: Submission, action: str, *, actor: Person | None,
           from_state: str | None, to_state: str | None, event_id: str | None,
           acting: ActingAssignment | None = None, data: dict | None = None,
           actor_line_user_id: str | None = None) -> None:
    audit.record(session, action, office_id=submission.office_id, submission_id=submission.id,
                 actor_id=actor.id if actor else None,
                 actor_line_user_id=actor_line_user_id or (actor.line_user_id if actor else None),
                 acting_for_id=acting.absent_id if acting else None,
                 acting_order=acting.order_text if acting else None,
                 from_state=from_state, to_state=to_state, version=submission.current_version,
                 file_hashes=file_hashes(submission.version()), event_id=event_id, data=data)


def _queue_step(session: Session, submission: Submission, position: int, role: str,
                approver_id: int | None, now: datetime) -> None:
    session.add(ApprovalStep(submission_id=submission.id, position=position, role=role,
                             approver_id=approver_id, status="queued", created_at=now))


# --- starting and advancing ---------------------------------------------------------------------

def submit(session: Session, submission: Submission, actor: Person, now: datetime,
           event_id: str | None) -> list[Event]:
    """draft → pending: build the chain and open its first step. Raises IllegalTransition
    (nothing written) unless the item is a draft in the database."""
    states.move(session, submission, "submit", now, submitted_at=now)
    _audit(session, submission, "submit", actor=actor, from_state="draft", to_state="pending",
           event_id=event_id)
    for position, role in enumerate(chain_for(session, submission), start=1):
        approver = approver_for(session, submission, role)
        _queue_step(session, submission, position, role, approver.id if approver else None, now)
    session.flush()
    return [Submitted(submission.id, actor.id), *advance(session, submission, now, event_id,
                                                         actor_id=actor.id)]


def resubmit(session: Session, submission: Submission, actor: Person, now: datetime,
             event_id: str | None) -> list[Event]:
    """returned → pending with the corrected version, back to the approver who returned it."""
    states.move(session, submission, "resubmit", now)
    returned = session.scalars(select(ApprovalStep).where(
        ApprovalStep.submission_id == submission.id, ApprovalStep.status == "returned")
        .order_by(ApprovalStep.id.desc())).first()
    _audit(session, submission, "resubmit", actor=actor, from_state="returned", to_state="pending",
           event_id=event_id)
    _queue_step(session, submission, returned.position, returned.role, returned.approver_id, now)
    # A correction may have changed the category, and with it the chain: add the steps it now needs.
    present = {s.position for s in steps_of(session, submission.id) if s.status != "cancelled"}
    for position, role in enumerate(chain_for(session, submission), start=1):
        if position > returned.position and position not in present:
            approver = approver_for(session, submission, role)
            _queue_step(session, submission, position, role, approver.id if approver else None, now)
    session.flush()
    return [Resubmitted(submission.id, actor.id), *advance(session, submission, now, event_id)]


def advance(session: Session, submission: Submission, now: datetime, event_id: str | None,
            actor_id: int | None = None) -> list[Event]:
    """Open the next queued step (skipping the submitter's own), or finish with approval."""
    happened: list[Event] = []
    for step in steps_of(session, submission.id):
        if step.status != "queued":
            continue
        if step.approver_id is None or step.approver_id == submission.submitter_id:
            step.status, step.decided_at, step.version = "skipped", now, submission.current_version
            reason = "no_approver" if step.approver_id is None else "submitter_is_approver"
            _audit(session, submission, "skip_step", actor=None, from_state="queued", to_state="skipped",
                   event_id=event_id, data={"step": step.position, "role": step.role, "reason": reason})
            happened.append(StepSkipped(submission.id, step.id, reason))
            continue
        step.status, step.version, step.waiting_since = "waiting", submission.current_version, now
        delegation = acting_for(session, step.approver_id, to_bangkok(now).date())
        happened.append(StepOpened(submission.id, step.id, delegation.id if delegation else None))
        return happened
    previous = states.move(session, submission, "approve_final", now)
    _audit(session, submission, "approve_final", actor=None, from_state=previous, to_state="approved",
           event_id=event_id)
    return [*happened, FinalApproved(submission.id, actor_id, now)]


# --- deciding ---------------------------------------------------------------------------------

def _refuse(session: Session, submission: Submission | None, actor: Person | None, reason: str,
            event_id: str | None, actor_line_user_id: str | None, data: dict,
            step: ApprovalStep | None = None) -> Refused:
    if submission is not None:
        _audit(session, submission, "refused", actor=actor, from_state=submission.status,
               to_state=submission.status, event_id=event_id, actor_line_user_id=actor_line_user_id,
               data={"reason": reason, **data})
    else:
        audit.record(session, "refused", office_id=actor.office_id if actor else None,
                     actor_id=actor.id if actor else None,
                     actor_line_user_id=actor_line_user_id, event_id=event_id,
                     data={"reason": reason, **data})
    return Refused(reason, submission.id if submission else None, step.id if step else None)


def authorise(session: Session, *, step_id: int, version: int, action: str, actor: Person | None,
              actor_line_user_id: str | None, event_id: str | None, now: datetime):
    """(step, submission, acting assignment or None) if `actor` may take `action` now, else a
    Refused event (audited). Used before asking for a reason, and again when deciding."""
    data = {"step": step_id, "version": version, "action": action}
    step = session.get(ApprovalStep, step_id)
    submission = session.get(Submission, step.submission_id) if step else None

    def refuse(reason: str) -> Refused:
        return _refuse(session, submission, actor, reason, event_id, actor_line_user_id, data, step)

    if step is None or submission is None or action not in STEP_OUTCOMES:
        return refuse("unknown")
    if actor is None:
        return refuse("not_linked")
    if submission.office_id != actor.office_id:
        # Another office's item (a forged postback): as unknown as an id that does not exist,
        # and on the tapper's office's record, not the other office's.
        return _refuse(session, None, actor, "unknown", event_id, actor_line_user_id, data)
    if submission.status == "withdrawn":
        return refuse("withdrawn")
    if step.status == "queued":  # no card for it exists yet: a forged step id
        return refuse("not_open")
    if step.status != "waiting":
        return refuse("already_decided")
    if step.version != version or submission.current_version != version:
        return refuse("old_version")
    delegation = acting_for(session, step.approver_id, to_bangkok(now).date())
    if actor.id == step.approver_id:
        acting = None
    elif delegation is not None and delegation.acting_id == actor.id:
        acting = delegation
    else:
        return refuse("not_approver")
    if actor.id == submission.submitter_id:
        return refuse("own_submission")
    return step, submission, acting


def decide(session: Session, *, step_id: int, version: int, action: str, actor: Person | None,
           actor_line_user_id: str | None, comment: str | None, event_id: str | None,
           now: datetime) -> list[Event]:
    """One approver's tap. Everything the payload claims is re-checked here, server side."""
    checked = authorise(session, step_id=step_id, version=version, action=action, actor=actor,
                        actor_line_user_id=actor_line_user_id, event_id=event_id, now=now)
    if isinstance(checked, Refused):
        return [checked]
    step, submission, acting = checked
    data = {"step": step_id, "version": version, "action": action}
    if action in NEEDS_REASON and not (comment or "").strip():
        return [_refuse(session, submission, actor, "reason_required", event_id, actor_line_user_id,
                        data, step)]

    won = session.execute(
        update(ApprovalStep)
        .where(ApprovalStep.id == step.id, ApprovalStep.status == "waiting", ApprovalStep.version == version)
        .values(status=STEP_OUTCOMES[action], decided_at=now, decided_by_id=actor.id,
                acting_for_id=acting.absent_id if acting else None,
                acting_order=acting.order_text if acting else None, comment=(comment or None))
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:  # someone else's tap got there first
        session.refresh(step)
        return [_refuse(session, submission, actor, "lost_race", event_id, actor_line_user_id, data,
                        step)]
    session.refresh(step)
    session.refresh(submission, with_for_update=True)
    delegation_id = acting.id if acting else None
    if action == "approve":
        # Approving what the personal-data check flagged is a choice the log must show (counts
        # per kind only, never a value): a document may lawfully carry them.
        flagged = check_of(session, submission.version(), submission.kind, now).counts
        _audit(session, submission, "approve", actor=actor, from_state=submission.status,
               to_state=submission.status, event_id=event_id, acting=acting,
               data={"step": step.position, "comment": comment,
                     **({"personal_data": flagged} if flagged else {})})
        return [Approved(submission.id, step.id, delegation_id),
                *advance(session, submission, now, event_id, actor_id=actor.id)]
    if action == "return":
        previous = states.move(session, submission, "return", now)
    else:
        previous = states.move(session, submission, "reject", now, final_reason=comment)
        for other in steps_of(session, submission.id):
            if other.status == "queued":
                other.status = "cancelled"
    _audit(session, submission, action, actor=actor, from_state=previous,
           to_state=states.BY_ACTION[action].target,
           event_id=event_id, acting=acting, data={"step": step.position, "reason": comment})
    made = Returned if action == "return" else Rejected
    return [made(submission.id, step.id, delegation_id, comment)]


def withdraw(session: Session, submission: Submission, actor: Person, now: datetime,
             event_id: str | None) -> list[Event]:
    """The submitter takes the item back before the final decision; the approver is told."""
    session.refresh(submission, with_for_update=True)  # a concurrent final approval must not be undone
    data = {"action": "withdraw"}
    if actor.id != submission.submitter_id:
        return [_refuse(session, submission, actor, "not_owner", event_id, actor.line_user_id, data)]
    waiting = current_step(session, submission.id)
    previous = submission.status
    if not states.try_move(session, submission, "withdraw", now):
        return [_refuse(session, submission, actor, "cannot_withdraw", event_id, actor.line_user_id,
                        data)]
    for step in steps_of(session, submission.id):
        if step.status in ("queued", "waiting"):
            step.status = "cancelled"
    _audit(session, submission, "withdraw", actor=actor, from_state=previous, to_state="withdrawn",
           event_id=event_id)
    holder_id = None
    if waiting is not None:
        delegation = acting_for(session, waiting.approver_id, to_bangkok(now).date())
        holder_id = delegation.acting_id if delegation else waiting.approver_id
    return [Withdrawn(submission.id, holder_id)]


def pending_for(session: Session, person: Person, now: datetime) -> list[tuple[ApprovalStep, Submission]]:
    """What waits for `person` (as approver, or acting for one), oldest first."""
    ids = [person.id] + [a.absent_id for a in acting_as(session, person.id, to_bangkok(now).date())]
    rows = session.execute(
        select(ApprovalStep, Submission).join(Submission, Submission.id == ApprovalStep.submission_id)
        .where(ApprovalStep.status == "waiting", ApprovalStep.approver_id.in_(ids),
               Submission.submitter_id != person.id)
        .order_by(ApprovalStep.waiting_since, ApprovalStep.id)
    ).all()
    return [(step, submission) for step, submission in rows]


def reassign_open_steps(session: Session, office_id: int, now: datetime) -> list[Event]:
    """After the org changes, open steps follow the role: the new director gets the card.

    A step is decided by whoever holds its role when it is decided, not whoever held it when the
    item was sent; without this a replaced or departed director's cards would keep working and the
    new director would see nothing. One StepReassigned per moved step (queued ones included).
    """
    moved: list[Event] = []
    rows = session.execute(
        select(ApprovalStep, Submission).join(Submission, Submission.id == ApprovalStep.submission_id)
        .where(Submission.office_id == office_id, ApprovalStep.status.in_(("waiting", "queued")))
    ).all()
    for step, submission in rows:
        holder = approver_for(session, submission, step.role)
        if holder is None or holder.id == step.approver_id or holder.id == submission.submitter_id:
            continue
        previous = step.approver_id
        step.approver_id = holder.id
        _audit(session, submission, "reassign", actor=None, from_state=submission.status,
               to_state=submission.status, event_id=None,
               data={"step": step.position, "role": step.role, "from": previous, "to": holder.id})
        delegation = acting_for(session, holder.id, to_bangkok(now).date())
        moved.append(StepReassigned(submission.id, step.id, delegation.id if delegation else None))
    return moved
