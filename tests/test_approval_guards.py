"""The approval checks hit exactly where a looser rule would pass: a card is current only when
both its step and its item are at the card's version, an action the card never offers is
unknown, a withdrawn item's card is refused (and the refusal names the item and the LINE event),
and an org change moves only its own office's open steps, each judged by its own item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.office.org import person_by_key, set_acting
from bot.office.orgfile import load
from bot.spine.db import transaction
from bot.workflow import machine
from bot.workflow.events import Refused, StepReassigned, Withdrawn
from bot.workflow.submissions import new_version, start_draft
from models import ApprovalStep, AuditEntry, Office, Submission, SubmissionVersion, Unit
from tests.flex import data
from tests.test_approvals import latest_card, steps, submit_document

# A second, smaller office: without it every query is trivially about the one office there is.
OTHER_OFFICE = """
office: {name: สำนักงานเขตพื้นที่การศึกษามัธยมศึกษาตาก, short_name: สพม.ตาก, director: sombat}
units:
  - {key: plan, name: กลุ่มนโยบายและแผน, director: chalerm}
people:
  - {key: sombat, name: นายสมบัติ ทองมา, roles: [staff]}
  - {key: chalerm, name: นายเฉลิม ใจกว้าง, unit: plan, roles: [staff]}
  - {key: ploy, name: นางสาวพลอย แสงดี, unit: plan, roles: [staff]}
  - {key: narong, name: นายณรงค์ มั่นคง, unit: plan, roles: [staff]}
chains:
  document: [unit_director, office_director]
  announcement: [unit_director, office_director]
  photos: [unit_director]
  regulated: [unit_director, office_director]
"""


def _submitted(session, key: str, now: datetime, office_id: int | None = None) -> Submission:
    """An announcement by `key`, sent for approval: its first step waits for the unit director."""
    item = start_draft(session, person_by_key(session, key, office_id), "announcement", now)
    item.category_code = "1.3"
    item.version().title, item.version().description = "ประกาศรับสมัคร", "รายละเอียด"
    session.flush()
    machine.submit(session, item, person_by_key(session, key, office_id), now, None)
    return item


def _first_step(session, item: Submission) -> ApprovalStep:
    return session.scalars(select(ApprovalStep).where(
        ApprovalStep.submission_id == item.id, ApprovalStep.position == 1)).one()


def _authorise(session, step_id: int, actor, *, version: int = 1, action: str = "approve",
               event_id: str | None = None):
    return machine.authorise(session, step_id=step_id, version=version, action=action, actor=actor,
                             actor_line_user_id=None, event_id=event_id, now=datetime.now(UTC))


@pytest.mark.parametrize(("step_version", "item_version"), [(1, 2), (2, 1)],
                         ids=["item_moved_on", "step_moved_on"])
def test_a_card_is_current_only_when_its_step_and_its_item_are_at_its_version(
        step_version, item_version, people, runtime):
    now = datetime.now(UTC)
    with transaction(runtime.factory) as session:
        item = _submitted(session, "kanya", now)
        step, prasert = _first_step(session, item), person_by_key(session, "prasert")
        assert _authorise(session, step.id, prasert) == (step, item, None)  # both at 1: current
        item.versions.append(SubmissionVersion(number=2, created_at=now))
        step.version, item.current_version = step_version, item_version
        session.flush()
        assert _authorise(session, step.id, prasert) == Refused("old_version", item.id, step.id)


def test_an_action_the_card_never_offers_is_unknown_even_on_a_live_step(people, runtime):
    now = datetime.now(UTC)
    with transaction(runtime.factory) as session:
        item = _submitted(session, "kanya", now)
        step, prasert = _first_step(session, item), person_by_key(session, "prasert")
        assert _authorise(session, step.id, prasert, action="publish") == Refused("unknown", item.id, step.id)
        assert _authorise(session, step.id + 100, prasert, event_id="ev-gone") == Refused("unknown")
        assert step.status == "waiting"
        gone = session.scalars(select(AuditEntry).where(AuditEntry.webhook_event_id == "ev-gone")).one()
        assert (gone.action, gone.submission_id, gone.actor_id) == ("refused", None, prasert.id)
        assert gone.data == {"reason": "unknown", "step": step.id + 100, "version": 1, "action": "approve"}


def test_the_card_of_a_withdrawn_item_is_refused_and_the_refusal_names_it(people, line, fake, runtime):
    submit_document(line)
    card = latest_card(fake, "prasert")
    assert "ถอนเรื่องเรียบร้อยแล้ว" in line.tap("kanya", "v1/mine?s=1&a=withdraw")[-1]["text"]
    tap = line.postback_event("prasert", data(card, "อนุมัติ"))
    said = line.send(tap)
    assert "ผู้ส่งถอนเรื่องนี้แล้ว" in said[-1]["text"]
    assert [s[1] for s in steps(runtime)] == ["cancelled", "cancelled"]
    with runtime.factory() as session:
        item = session.get(Submission, 1)
        assert item.status == "withdrawn" and item.finished_at is not None
        withdrawn = session.scalars(select(AuditEntry).where(AuditEntry.action == "withdraw")).one()
        assert (withdrawn.from_state, withdrawn.to_state) == ("pending", "withdrawn")
        refused = session.scalars(select(AuditEntry).where(AuditEntry.action == "refused")).one()
        first = session.scalars(select(ApprovalStep).where(ApprovalStep.position == 1)).one()
        assert (refused.submission_id, refused.office_id, refused.webhook_event_id) == (
            1, item.office_id, tap["webhookEventId"])
        assert (refused.actor_id, refused.from_state, refused.to_state, refused.version) == (
            person_by_key(session, "prasert").id, "withdrawn", "withdrawn", 1)
        assert refused.data == {"reason": "withdrawn", "step": first.id, "version": 1, "action": "approve"}


def test_an_org_change_moves_only_its_own_offices_steps_each_judged_by_its_own_item(people, runtime):
    now = datetime.now(UTC)
    with transaction(runtime.factory) as session:
        other_id = load(session, OTHER_OFFICE)["office_id"]
        home = session.scalars(select(Office).where(Office.id != other_id)).one()
        finance = _submitted(session, "wanpen", now)  # waits for suda (fin)
        planning = _submitted(session, "kanya", now)  # waits for prasert (plan)
        elsewhere = _submitted(session, "ploy", now, other_id)  # waits for chalerm, the other office
        # both offices change their org: fin gets a new director here, plan one over there
        session.scalars(select(Unit).where(Unit.office_id == home.id, Unit.key == "fin")).one() \
            .director_id = person_by_key(session, "boonmee").id
        session.scalars(select(Unit).where(Unit.office_id == other_id, Unit.key == "plan")).one() \
            .director_id = person_by_key(session, "narong", other_id).id
        session.flush()
        moved = machine.reassign_open_steps(session, home.id, now)
        assert moved == [StepReassigned(finance.id, _first_step(session, finance).id, None)]
        holders = {item.id: _first_step(session, item).approver_id for item in (finance, planning, elsewhere)}
        assert holders == {finance.id: person_by_key(session, "boonmee").id,
                           planning.id: person_by_key(session, "prasert").id,
                           elsewhere.id: person_by_key(session, "chalerm", other_id).id}
        reassigned = session.scalars(select(AuditEntry).where(AuditEntry.action == "reassign")).one()
        assert (reassigned.submission_id, reassigned.data["to"]) == (finance.id, holders[finance.id])


def test_the_machine_itself_lets_only_the_submitter_withdraw_and_only_before_the_decision(people, runtime):
    """The handlers hide other people's items already; the machine must still refuse on its own,
    audit what was tried, and tell whoever holds the step now (the acting director, if any)."""
    now = datetime.now(UTC)
    today = now.date()
    with transaction(runtime.factory) as session:
        item = _submitted(session, "kanya", now)
        kanya, wanpen = person_by_key(session, "kanya"), person_by_key(session, "wanpen")
        set_acting(session, person_by_key(session, "prasert"), person_by_key(session, "manee"),
                   today - timedelta(days=1), today + timedelta(days=3), "คำสั่ง ที่ 8/2569")
        assert machine.withdraw(session, item, wanpen, now, "ev-stranger") == [Refused("not_owner", item.id)]
        assert item.status == "pending" and _first_step(session, item).status == "waiting"
        assert machine.withdraw(session, item, kanya, now, "ev-owner") == [
            Withdrawn(item.id, person_by_key(session, "manee").id)]
        assert machine.withdraw(session, item, kanya, now, "ev-again") == [Refused("cannot_withdraw", item.id)]
        rows = {row.webhook_event_id: row for row in session.scalars(
            select(AuditEntry).where(AuditEntry.webhook_event_id.like("ev-%")))}
        assert {e: (r.action, r.actor_id, r.submission_id) for e, r in rows.items()} == {
            "ev-stranger": ("refused", wanpen.id, item.id), "ev-owner": ("withdraw", kanya.id, item.id),
            "ev-again": ("refused", kanya.id, item.id)}
        assert rows["ev-stranger"].data == {"reason": "not_owner", "action": "withdraw"}
        assert rows["ev-again"].data == {"reason": "cannot_withdraw", "action": "withdraw"}
        assert rows["ev-stranger"].actor_line_user_id == wanpen.line_user_id


def test_a_return_or_reject_with_no_reason_at_all_is_refused_and_audited_as_tapped(people, runtime):
    """The handler asks for the reason first; the machine must refuse an empty one on its own."""
    now = datetime.now(UTC)
    with transaction(runtime.factory) as session:
        item = _submitted(session, "kanya", now)
        step, prasert = _first_step(session, item), person_by_key(session, "prasert")
        for action, comment in (("return", None), ("reject", "")):
            refused = machine.decide(session, step_id=step.id, version=1, action=action, actor=prasert,
                                     actor_line_user_id="U-tapped", comment=comment,
                                     event_id=f"ev-{action}", now=now)
            assert refused == [Refused("reason_required", item.id, step.id)]
        assert (item.status, step.status) == ("pending", "waiting")
        unlinked = machine.decide(session, step_id=step.id, version=1, action="approve", actor=None,
                                  actor_line_user_id="U-stranger", comment=None, event_id="ev-who", now=now)
        assert unlinked == [Refused("not_linked", item.id, step.id)]
        rows = {row.webhook_event_id: row for row in session.scalars(
            select(AuditEntry).where(AuditEntry.webhook_event_id.like("ev-%")))}
        assert rows["ev-return"].data == {"reason": "reason_required", "step": step.id, "version": 1,
                                          "action": "return"}
        assert rows["ev-reject"].actor_line_user_id == "U-tapped"
        assert rows["ev-who"].actor_line_user_id == "U-stranger"


def _decide(session, item: Submission, key: str, action: str, now: datetime, reason=None):
    step = session.scalars(select(ApprovalStep).where(
        ApprovalStep.submission_id == item.id, ApprovalStep.status == "waiting")).one()
    happened = machine.decide(session, step_id=step.id, version=item.current_version, action=action,
                              actor=person_by_key(session, key), actor_line_user_id=None,
                              comment=reason, event_id=None, now=now)
    assert not any(isinstance(e, Refused) for e in happened), happened


def _correct_and_resend(session, item: Submission, now: datetime, event_id: str | None = None):
    new_version(session, item, now)
    return machine.resubmit(session, item, person_by_key(session, "kanya"), now, event_id)


def test_a_correction_goes_back_to_whoever_returned_it_last_and_only_for_its_own_item(people, runtime):
    """Item A is returned by the unit director, corrected, approved by them, then returned by the
    office director; item B is returned by the unit director after that. A's correction must go to
    the office director (the newest return *of A*), not to the unit director of its older return
    nor of B's newer one."""
    now = datetime.now(UTC)
    with transaction(runtime.factory) as session:
        a = _submitted(session, "kanya", now)
        b = _submitted(session, "kanya", now)
        _decide(session, a, "prasert", "return", now, "ขอแก้ไขชื่อเรื่อง")
        _correct_and_resend(session, a, now)
        _decide(session, a, "prasert", "approve", now)
        _decide(session, a, "somchai", "return", now, "ข้อมูลไม่ครบถ้วน")
        _decide(session, b, "prasert", "return", now, "ไฟล์ไม่ชัดเจน")
        _correct_and_resend(session, a, now, event_id="ev-resend")
        waiting = session.scalars(select(ApprovalStep).where(
            ApprovalStep.submission_id == a.id, ApprovalStep.status == "waiting")).one()
        assert (waiting.position, waiting.approver_id, waiting.version) == (
            2, person_by_key(session, "somchai").id, 3)
        assert session.get(Submission, b.id).status == "returned"
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "resubmit", AuditEntry.submission_id == a.id)
            .order_by(AuditEntry.id.desc())).first()
        assert (entry.actor_id, entry.from_state, entry.to_state, entry.webhook_event_id, entry.version) == (
            person_by_key(session, "kanya").id, "returned", "pending", "ev-resend", 3)
