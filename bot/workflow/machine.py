"""The approval state machine (ข้อ ๓.๑ ๕), ๓.๓ ๔)): definition, runtime and transitions.

Definition: an ordered chain of roles per kind of item (from the org file). Runtime: one
ApprovalStep row per step, pinned to the version it decides. Every transition is a conditional
UPDATE guarded by the current state, so two simultaneous taps cannot both win; every transition
and every refused attempt writes an audit entry. Notifications hang off transitions as outbox rows.

    draft ──submit──▶ pending ──approve (last step)──▶ approved ──▶ published
                        │  ▲                                   (bot.publishing)
                 return │  │ resubmit (new version, same approver)
                        ▼  │
                      returned        pending|returned ──withdraw──▶ withdrawn
                    pending ──reject──▶ rejected
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.office.org import acting_for
from bot.spine import audit, outbox
from bot.thai.dates import thai_datetime, to_bangkok
from bot.workflow.submissions import file_hashes
from models import ActingAssignment, ApprovalStep, Category, Office, Person, Submission, Unit

Reply = Callable[[dict], None]


@dataclass(frozen=True)
class Action:
    """An approver's action, as data: the card renders the buttons from these."""

    name: str
    label: str
    step_state: str
    needs_reason: bool
    past: str  # how the record reads afterwards


ACTIONS = {
    "approve": Action("approve", "อนุมัติ", "approved", False, "อนุมัติ"),
    "return": Action("return", "ส่งกลับแก้ไข", "returned", True, "ส่งกลับแก้ไข"),
    "reject": Action("reject", "ไม่อนุมัติ", "rejected", True, "ไม่อนุมัติ"),
}
ROLE_LABELS = {"unit_director": "ผู้อำนวยการกลุ่ม/หน่วย", "office_director": "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา"}


def chain_for(session: Session, submission: Submission) -> list[str]:
    office = session.get(Office, submission.office_id)
    category = session.get(Category, submission.category_code) if submission.category_code else None
    kind = "regulated" if category is not None and category.regulated else submission.kind
    return list(office.chains.get(kind) or office.chains.get("document") or [])


def approver_for(session: Session, submission: Submission, role: str) -> Person | None:
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


def acting_label(assignment: ActingAssignment | None, absent: Person | None = None,
                 acting: Person | None = None) -> str:
    if assignment is None:
        return ""
    absent, acting = absent or assignment.absent, acting or assignment.acting
    order = f" ({assignment.order_text})" if assignment.order_text else ""
    return f"{acting.name} รักษาราชการแทน {absent.name}{order}"


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


# --- starting and advancing ---------------------------------------------------------------------

def submit(session: Session, submission: Submission, actor: Person, now: datetime,
           event_id: str | None, reply: Reply | None = None) -> None:
    """draft → pending: build the chain and send the first card."""
    if submission.status != "draft":
        raise ValueError(f"submission {submission.id} is {submission.status}, not a draft")
    submission.status, submission.submitted_at, submission.updated_at = "pending", now, now
    _audit(session, submission, "submit", actor=actor, from_state="draft", to_state="pending",
           event_id=event_id)
    for position, role in enumerate(chain_for(session, submission), start=1):
        approver = approver_for(session, submission, role)
        session.add(ApprovalStep(submission_id=submission.id, position=position, role=role,
                                 approver_id=approver.id if approver else None, status="queued",
                                 created_at=now))
    session.flush()
    advance(session, submission, now, event_id, reply, actor_id=actor.id)


def resubmit(session: Session, submission: Submission, actor: Person, now: datetime,
             event_id: str | None, reply: Reply | None = None) -> None:
    """returned → pending with the corrected version, back to the approver who returned it."""
    if submission.status != "returned":
        raise ValueError(f"submission {submission.id} is {submission.status}, not returned")
    returned = session.scalars(select(ApprovalStep).where(
        ApprovalStep.submission_id == submission.id, ApprovalStep.status == "returned")
        .order_by(ApprovalStep.id.desc())).first()
    submission.status, submission.updated_at = "pending", now
    _audit(session, submission, "resubmit", actor=actor, from_state="returned", to_state="pending",
           event_id=event_id)
    session.add(ApprovalStep(submission_id=submission.id, position=returned.position,
                             role=returned.role, approver_id=returned.approver_id,
                             status="queued", created_at=now))
    # A correction may have changed the category, and with it the chain: add the steps it now needs.
    present = {s.position for s in steps_of(session, submission.id) if s.status != "cancelled"}
    for position, role in enumerate(chain_for(session, submission), start=1):
        if position > returned.position and position not in present:
            approver = approver_for(session, submission, role)
            session.add(ApprovalStep(submission_id=submission.id, position=position, role=role,
                                     approver_id=approver.id if approver else None, status="queued",
                                     created_at=now))
    session.flush()
    advance(session, submission, now, event_id, reply)


def advance(session: Session, submission: Submission, now: datetime, event_id: str | None,
            reply: Reply | None, actor_id: int | None = None) -> None:
    """Open the next queued step (skipping the submitter's own), or finish with approval."""
    from bot.workflow import cards

    submitter = session.get(Person, submission.submitter_id)
    for step in steps_of(session, submission.id):
        if step.status != "queued":
            continue
        if step.approver_id is None or step.approver_id == submission.submitter_id:
            step.status, step.decided_at, step.version = "skipped", now, submission.current_version
            reason = "no_approver" if step.approver_id is None else "submitter_is_approver"
            _audit(session, submission, "skip_step", actor=None, from_state="queued", to_state="skipped",
                   event_id=event_id, data={"step": step.position, "role": step.role, "reason": reason})
            continue
        step.status, step.version, step.waiting_since = "waiting", submission.current_version, now
        approver = session.get(Person, step.approver_id)
        delegation = acting_for(session, approver.id, to_bangkok(now).date())
        holder = delegation.acting if delegation else approver
        if holder.line_user_id:
            outbox.push(session, holder.line_user_id, [cards.approval_card(session, submission, step, delegation)],
                        office_id=submission.office_id, event_id=event_id, purpose=f"approval:{submission.id}")
        if delegation and approver.line_user_id:
            outbox.push(session, approver.line_user_id, [cards.fyi_text(submission, step, delegation)],
                        office_id=submission.office_id, event_id=event_id, purpose=f"approval:{submission.id}")
        if submitter.line_user_id and step.position > 1:
            outbox.push(session, submitter.line_user_id, [cards.progress_text(session, submission, step)],
                        office_id=submission.office_id, event_id=event_id)
        return
    _finish_approved(session, submission, now, event_id, reply, actor_id)


def _finish_approved(session: Session, submission: Submission, now: datetime, event_id: str | None,
                     reply: Reply | None, actor_id: int | None) -> None:
    from bot.publishing import procedure
    from bot.workflow import cards

    previous = submission.status
    submission.status, submission.updated_at = "approved", now
    _audit(session, submission, "approve_final", actor=None, from_state=previous, to_state="approved",
           event_id=event_id)
    published = procedure.on_final_approval(session, submission, actor_id=actor_id, event_id=event_id,
                                             now=now, reply=reply, config=session.info.get("config"))
    submitter = session.get(Person, submission.submitter_id)
    if published is None and submitter.line_user_id:  # a publication tells the submitter itself
        outbox.push(session, submitter.line_user_id, [cards.approved_text(submission)],
                    office_id=submission.office_id, event_id=event_id)


# --- deciding ---------------------------------------------------------------------------------

@dataclass
class Decision:
    ok: bool
    message: str  # Thai, for the person who tapped
    step: ApprovalStep | None = None


def _refuse(session: Session, submission: Submission | None, actor: Person | None, reason: str,
            message: str, event_id: str | None, actor_line_user_id: str | None, data: dict) -> Decision:
    if submission is not None:
        _audit(session, submission, "refused", actor=actor, from_state=submission.status,
               to_state=submission.status, event_id=event_id, actor_line_user_id=actor_line_user_id,
               data={"reason": reason, **data})
    else:
        audit.record(session, "refused", actor_id=actor.id if actor else None,
                     actor_line_user_id=actor_line_user_id, event_id=event_id,
                     data={"reason": reason, **data})
    return Decision(False, message)


def who_decided(session: Session, step: ApprovalStep) -> str:
    person = session.get(Person, step.decided_by_id) if step.decided_by_id else None
    when = thai_datetime(step.decided_at) if step.decided_at else ""
    verb = {"approved": "อนุมัติ", "returned": "ส่งกลับแก้ไข", "rejected": "ไม่อนุมัติ",
            "cancelled": "ยกเลิก", "skipped": "ข้าม"}.get(step.status, step.status)
    return f"{verb}ไปแล้วโดย {person.name if person else 'ระบบ'} เมื่อ {when}".strip()


def authorise(session: Session, *, step_id: int, version: int, action: str, actor: Person | None,
              actor_line_user_id: str | None, event_id: str | None, now: datetime):
    """(step, submission, acting assignment or None) if `actor` may take `action` now, else a
    refused Decision (audited). Used before asking for a reason, and again when deciding."""
    data = {"step": step_id, "version": version, "action": action}
    step = session.get(ApprovalStep, step_id)
    submission = session.get(Submission, step.submission_id) if step else None
    if step is None or submission is None or action not in ACTIONS:
        return _refuse(session, None, actor, "unknown", "ไม่พบรายการนี้ หรือปุ่มนี้ใช้ไม่ได้แล้วค่ะ",
                       event_id, actor_line_user_id, data)
    if actor is None:
        return _refuse(session, submission, None, "not_linked", "ขออภัยค่ะ บัญชีนี้ไม่มีสิทธิ์พิจารณารายการนี้",
                       event_id, actor_line_user_id, data)
    if submission.status == "withdrawn":
        return _refuse(session, submission, actor, "withdrawn", "ผู้ส่งถอนเรื่องนี้แล้วค่ะ ไม่ต้องพิจารณาต่อ",
                       event_id, actor_line_user_id, data)
    if step.status != "waiting":
        return _refuse(session, submission, actor, "already_decided",
                       f"รายการนี้{who_decided(session, step)}ค่ะ", event_id, actor_line_user_id, data)
    if step.version != version or submission.current_version != version:
        return _refuse(session, submission, actor, "old_version",
                       "การ์ดนี้เป็นฉบับเก่า มีฉบับแก้ไขใหม่ส่งมาแล้วค่ะ กรุณาพิจารณาจากการ์ดล่าสุด",
                       event_id, actor_line_user_id, data)
    delegation = acting_for(session, step.approver_id, to_bangkok(now).date())
    if actor.id == step.approver_id:
        acting = None
    elif delegation is not None and delegation.acting_id == actor.id:
        acting = delegation
    else:
        return _refuse(session, submission, actor, "not_approver",
                       "ขออภัยค่ะ รายการนี้ไม่ได้อยู่ในความรับผิดชอบของท่าน", event_id, actor_line_user_id, data)
    if actor.id == submission.submitter_id:
        return _refuse(session, submission, actor, "own_submission",
                       "ท่านเป็นผู้ส่งเรื่องนี้เอง จึงพิจารณาเรื่องของตนเองไม่ได้ค่ะ", event_id, actor_line_user_id, data)
    return step, submission, acting


def decide(session: Session, *, step_id: int, version: int, action: str, actor: Person | None,
           actor_line_user_id: str | None, comment: str | None, event_id: str | None, now: datetime,
           reply: Reply | None = None) -> Decision:
    """One approver's tap. Everything the payload claims is re-checked here, server side."""
    from bot.workflow import cards

    checked = authorise(session, step_id=step_id, version=version, action=action, actor=actor,
                        actor_line_user_id=actor_line_user_id, event_id=event_id, now=now)
    if isinstance(checked, Decision):
        return checked
    step, submission, acting = checked
    act = ACTIONS[action]
    data = {"step": step_id, "version": version, "action": action}
    if act.needs_reason and not (comment or "").strip():
        return _refuse(session, submission, actor, "reason_required", "กรุณาระบุเหตุผลด้วยค่ะ",
                       event_id, actor_line_user_id, data)

    won = session.execute(
        update(ApprovalStep)
        .where(ApprovalStep.id == step.id, ApprovalStep.status == "waiting", ApprovalStep.version == version)
        .values(status=act.step_state, decided_at=now, decided_by_id=actor.id,
                acting_for_id=acting.absent_id if acting else None,
                acting_order=acting.order_text if acting else None, comment=(comment or None))
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:  # someone else's tap got there first
        session.refresh(step)
        return _refuse(session, submission, actor, "lost_race", f"รายการนี้{who_decided(session, step)}ค่ะ",
                       event_id, actor_line_user_id, data)
    session.refresh(step)
    session.refresh(submission, with_for_update=True)
    previous = submission.status
    submitter = session.get(Person, submission.submitter_id)
    if act.name == "approve":
        _audit(session, submission, "approve", actor=actor, from_state=previous, to_state=previous,
               event_id=event_id, acting=acting, data={"step": step.position, "comment": comment})
        advance(session, submission, now, event_id, reply, actor_id=actor.id)
    else:
        new_state = "returned" if act.name == "return" else "rejected"
        submission.status, submission.updated_at = new_state, now
        if new_state == "rejected":
            submission.finished_at, submission.final_reason = now, comment
            for other in steps_of(session, submission.id):
                if other.status == "queued":
                    other.status = "cancelled"
        _audit(session, submission, act.name, actor=actor, from_state=previous, to_state=new_state,
               event_id=event_id, acting=acting, data={"step": step.position, "reason": comment})
        if submitter.line_user_id:
            outbox.push(session, submitter.line_user_id,
                        [cards.decision_for_submitter(session, submission, step, act, comment)],
                        office_id=submission.office_id, event_id=event_id)
    return Decision(True, cards.decided_confirmation(session, submission, step, act, acting), step)


def withdraw(session: Session, submission: Submission, actor: Person, now: datetime,
             event_id: str | None) -> Decision:
    """The submitter takes the item back before the final decision; the approver is told."""
    from bot.workflow import cards

    session.refresh(submission, with_for_update=True)  # a concurrent final approval must not be undone
    if actor.id != submission.submitter_id:
        return _refuse(session, submission, actor, "not_owner", "ถอนได้เฉพาะเรื่องที่ท่านส่งเองค่ะ",
                       event_id, actor.line_user_id, {"action": "withdraw"})
    if submission.status not in ("pending", "returned"):
        return _refuse(session, submission, actor, "cannot_withdraw",
                       "เรื่องนี้พิจารณาเสร็จแล้ว จึงถอนไม่ได้ค่ะ", event_id, actor.line_user_id,
                       {"action": "withdraw"})
    waiting = current_step(session, submission.id)
    previous = submission.status
    submission.status, submission.finished_at, submission.updated_at = "withdrawn", now, now
    for step in steps_of(session, submission.id):
        if step.status in ("queued", "waiting"):
            step.status = "cancelled"
    _audit(session, submission, "withdraw", actor=actor, from_state=previous, to_state="withdrawn",
           event_id=event_id)
    if waiting is not None:
        approver = session.get(Person, waiting.approver_id)
        delegation = acting_for(session, approver.id, to_bangkok(now).date())
        holder = delegation.acting if delegation else approver
        if holder.line_user_id:
            outbox.push(session, holder.line_user_id, [cards.withdrawn_text(session, submission)],
                        office_id=submission.office_id, event_id=event_id)
    return Decision(True, "ถอนเรื่องเรียบร้อยแล้วค่ะ ผู้พิจารณาได้รับแจ้งแล้ว")


def pending_for(session: Session, person: Person, now: datetime) -> list[tuple[ApprovalStep, Submission]]:
    """What waits for `person` (as approver, or acting for one), oldest first."""
    from bot.office.org import acting_as

    ids = [person.id] + [a.absent_id for a in acting_as(session, person.id, to_bangkok(now).date())]
    rows = session.execute(
        select(ApprovalStep, Submission).join(Submission, Submission.id == ApprovalStep.submission_id)
        .where(ApprovalStep.status == "waiting", ApprovalStep.approver_id.in_(ids),
               Submission.submitter_id != person.id)
        .order_by(ApprovalStep.waiting_since, ApprovalStep.id)
    ).all()
    return [(step, submission) for step, submission in rows]


def reassign_open_steps(session: Session, office_id: int, now: datetime) -> int:
    """After the org changes, open steps follow the role: the new director gets the card.

    A step is decided by whoever holds its role when it is decided, not whoever held it when the
    item was sent; without this a replaced or departed director's cards would keep working and the
    new director would see nothing.
    """
    from bot.workflow import cards

    moved = 0
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
        if step.status == "waiting":
            delegation = acting_for(session, holder.id, to_bangkok(now).date())
            target = delegation.acting if delegation else holder
            if target.line_user_id:
                outbox.push(session, target.line_user_id,
                            [cards.approval_card(session, submission, step, delegation)],
                            office_id=office_id, purpose=f"approval:{submission.id}")
        moved += 1
    return moved
