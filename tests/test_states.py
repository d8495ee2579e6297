"""The state machine's rules, tested where a wrong rule would hide: the transition table, the
database guard under a lost race, the own-item refusal, events instead of messages, the audit
name registry and the status CHECK constraints."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import IntegrityError

from bot.office.org import person_by_key, set_acting
from bot.spine import audit
from bot.spine.db import transaction
from bot.workflow import diagram, machine, notify, states
from bot.workflow.events import Approved, FinalApproved, Refused, StepOpened, Submitted
from bot.workflow.submissions import start_draft
from models import ApprovalStep, AuditEntry, Base, OutboxMessage, Submission
from models.approval import STEP_STATES
from models.outbox import OUTBOX_STATES
from models.submission import ATTACHMENT_STATES, STATES
from tests.conftest import PG_URL
from tests.flex import data
from tests.test_approvals import latest_card, steps, submit_document

END_STATES = {"rejected", "withdrawn", "cancelled", "expired", "retracted"}


def _audited(session, action: str) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


# --- the table --------------------------------------------------------------------------------

def test_every_state_is_reachable_and_only_end_states_have_no_way_out():
    reachable, frontier = {states.INITIAL}, [states.INITIAL]
    while frontier:
        state = frontier.pop()
        for t in states.TRANSITIONS:
            if state in t.sources and t.target not in reachable:
                reachable.add(t.target)
                frontier.append(t.target)
    assert reachable == set(STATES)
    leaving = {s for t in states.TRANSITIONS for s in t.sources}
    assert set(STATES) - leaving == END_STATES
    # an item that has been approved can no longer be withdrawn, rejected or returned
    assert [t.action for t in states.TRANSITIONS if "approved" in t.sources] == ["publish"]


def test_the_workflow_diagram_is_the_transition_table():
    """docs/WORKFLOW.md's block is rendered from the table: regenerate with
    `python -m bot.workflow.diagram` when the table changes."""
    shown = diagram.current(diagram.DOC.read_text(encoding="utf-8"))
    assert shown == diagram.block()
    for t in states.TRANSITIONS:
        for source in t.sources:
            assert f"    {source} --> {t.target}: {t.label}" in shown


def test_a_transition_the_database_state_forbids_writes_nothing(people, runtime):
    now = datetime.now(UTC)
    with transaction(runtime.factory) as session:
        kanya = person_by_key(session, "kanya")
        draft_id = start_draft(session, kanya, "document", now).id
    with runtime.factory() as stale:  # loads the draft, then someone else cancels it
        draft = stale.get(Submission, draft_id)
        stale.commit()
        with transaction(runtime.factory) as other:
            states.move(other, other.get(Submission, draft_id), "cancel", now)
        assert draft.status == "draft"  # what this session still believes
        with pytest.raises(states.IllegalTransition):
            machine.submit(stale, draft, person_by_key(stale, "kanya"), now, None)
        assert draft.status == "cancelled"
        stale.rollback()
    with runtime.factory() as session:
        assert session.get(Submission, draft_id).status == "cancelled"
        assert session.scalars(select(ApprovalStep)).all() == []
        assert _audited(session, "submit") == 0


# Which transitions end an item's story; the digests count finished items by finished_at.
FINISHING = {"cancel", "expire", "reject", "withdraw", "publish"}


def _as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands datetimes back without a zone; they were written in UTC."""
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


@pytest.mark.parametrize("transition", states.TRANSITIONS, ids=lambda t: t.action)
def test_an_item_is_finished_exactly_when_its_story_ends(transition, people, runtime):
    """finished_at is set by the transitions that end an item, and left alone by every other."""
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    with transaction(runtime.factory) as session:
        item = start_draft(session, person_by_key(session, "kanya"), "document", now)
        item.status = transition.sources[-1]  # put there directly: only the move is under test
        session.flush()
        assert states.try_move(session, item, transition.action, now)
        assert item.status == transition.target
        item_id = item.id
    with runtime.factory() as session:
        finished = _as_utc(session.get(Submission, item_id).finished_at)
    assert finished == (now if transition.action in FINISHING else None)


def test_a_move_changes_only_the_item_it_names(people, runtime):
    """Two drafts in the same state: the guard must pick the row by id, not just by state."""
    now = datetime.now(UTC)
    with transaction(runtime.factory) as session:
        first = start_draft(session, person_by_key(session, "kanya"), "document", now)
        second = start_draft(session, person_by_key(session, "wanpen"), "document", now)
        assert states.try_move(session, second, "cancel", now)
        assert (first.status, second.status) == ("draft", "cancelled")
        ids = first.id, second.id
    with runtime.factory() as session:
        assert [session.get(Submission, i).status for i in ids] == ["draft", "cancelled"]
        assert session.get(Submission, ids[0]).finished_at is None

# --- deciding ---------------------------------------------------------------------------------

def test_a_tap_that_loses_the_race_after_its_checks_passed_is_refused(people, line, fake, runtime):
    """The guard is the UPDATE itself: this session read the step while it waited, another tap
    decided it before this one's UPDATE, so the UPDATE matches no row and nothing else happens."""
    submit_document(line)
    now = datetime.now(UTC)
    with runtime.factory() as loser:
        step = loser.scalars(select(ApprovalStep).where(ApprovalStep.status == "waiting")).one()
        loser.get(Submission, step.submission_id)
        prasert = person_by_key(loser, "prasert")
        loser.commit()  # the objects stay loaded, as they are while a request is being handled
        with transaction(runtime.factory) as winner:
            won = machine.decide(winner, step_id=step.id, version=1, action="approve",
                                 actor=person_by_key(winner, "prasert"), actor_line_user_id=None,
                                 comment=None, event_id=None, now=now)
            notify.dispatch(winner, won, config=runtime.config, event_id=None)
        assert step.status == "waiting"  # this session has not seen the other tap
        with loser.begin():
            outbox_before = loser.scalar(select(func.count()).select_from(OutboxMessage))
            lost = machine.decide(loser, step_id=step.id, version=1, action="reject", actor=prasert,
                                  actor_line_user_id=None, comment="ไม่เหมาะสม", event_id=None, now=now)
            assert lost == [Refused("lost_race", step.submission_id, step.id)]
            answer = notify.dispatch(loser, lost, config=runtime.config, event_id=None)
            assert answer.startswith("เรื่องนี้อนุมัติไปแล้วโดย นายประเสริฐ วงศ์ใหญ่ เมื่อ")
            assert loser.scalar(select(func.count()).select_from(OutboxMessage)) == outbox_before
    assert [s[:2] for s in steps(runtime)] == [(1, "approved"), (2, "waiting")]
    with runtime.factory() as session:
        assert session.get(Submission, step.submission_id).status == "pending"
        assert (_audited(session, "approve"), _audited(session, "reject")) == (1, 0)
        refused = session.scalars(select(AuditEntry).where(AuditEntry.action == "refused")).one()
        assert refused.data["reason"] == "lost_race"


def test_no_one_decides_their_own_item_even_when_acting_for_its_approver(people, line, fake, runtime):
    today = datetime.now(UTC).date()
    with transaction(runtime.factory) as session:  # kanya acts for her own unit director
        set_acting(session, person_by_key(session, "prasert"), person_by_key(session, "kanya"),
                   today - timedelta(days=1), today + timedelta(days=3), "คำสั่ง ที่ 7/2569")
    submit_document(line, key="kanya")
    card = latest_card(fake, "kanya")  # the card went to her, as the acting holder of the step
    said = line.tap("kanya", data(card, "อนุมัติ"))
    assert said[-1]["text"] == "ท่านเป็นผู้ส่งเรื่องนี้เอง จึงพิจารณาเรื่องของตนเองไม่ได้ค่ะ"
    assert [s[:2] for s in steps(runtime)] == [(1, "waiting"), (2, "queued")]
    with runtime.factory() as session:
        assert _audited(session, "approve") == 0
        refused = session.scalars(select(AuditEntry).where(AuditEntry.action == "refused")).one()
        step = session.scalars(select(ApprovalStep).where(ApprovalStep.position == 1)).one()
        # the auditor sees what was attempted on which step and version, and by whom
        assert refused.data == {"reason": "own_submission", "step": step.id, "version": 1,
                                "action": "approve"}
        assert refused.actor_id == person_by_key(session, "kanya").id


def test_transitions_return_events_and_send_nothing_themselves(people, runtime):
    """Messages are notify's job: the machine's events alone say who must be told what."""
    now = datetime.now(UTC)
    with transaction(runtime.factory) as session:
        kanya, prasert = person_by_key(session, "kanya"), person_by_key(session, "prasert")
        draft = start_draft(session, kanya, "announcement", now)
        draft.category_code = "1.3"
        draft.version().title, draft.version().description = "ประกาศรับสมัคร", "รายละเอียด"
        session.flush()
        before = session.scalar(select(func.count()).select_from(OutboxMessage))
        happened = machine.submit(session, draft, kanya, now, None)
        first = session.scalars(select(ApprovalStep).where(ApprovalStep.position == 1)).one()
        assert happened == [Submitted(draft.id, kanya.id), StepOpened(draft.id, first.id, None)]
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == before
        notify.dispatch(session, happened, config=runtime.config, event_id=None)
        told = session.scalars(select(OutboxMessage).where(OutboxMessage.id > before)).all()
        assert [(m.target, m.purpose) for m in told] == [(prasert.line_user_id, f"approval:{draft.id}")]
        decided = machine.decide(session, step_id=first.id, version=1, action="approve", actor=prasert,
                                 actor_line_user_id=None, comment=None, event_id=None, now=now)
        assert decided[0] == Approved(draft.id, first.id, None) and isinstance(decided[1], StepOpened)


def test_a_final_approval_with_no_hook_wired_fails_loudly(people, runtime, monkeypatch):
    """Silently skipping publishing would leave the item approved forever; raising rolls back."""
    monkeypatch.setattr(notify, "_hook", [])
    with runtime.factory() as session, pytest.raises(RuntimeError, match="final-approval hook"):
        notify.dispatch(session, [FinalApproved(1, None, datetime.now(UTC))], config=runtime.config, event_id=None)


# --- the audit names and the status columns -------------------------------------------------

def test_an_unknown_audit_action_is_refused(people, runtime):
    with runtime.factory() as session:
        with pytest.raises(audit.UnknownAuditAction):
            audit.record(session, "aprove", data={"typo": True})
        assert _audited(session, "aprove") == 0
        audit.record(session, "approve")  # a registered name still goes in


CONSTRAINED = [("submissions", STATES), ("approval_steps", STEP_STATES),
               ("attachments", ATTACHMENT_STATES), ("outbox", OUTBOX_STATES)]


@pytest.mark.parametrize(("table", "values"), CONSTRAINED, ids=[t for t, _ in CONSTRAINED])
def test_the_database_refuses_a_status_the_code_does_not_know(table, values, people, line, runtime):
    submit_document(line)  # a submission, its steps, a file and outbox rows exist now
    row = text(f"UPDATE {table} SET status = :s WHERE id = (SELECT min(id) FROM {table})")
    with runtime.engine.connect() as conn:
        for value in values:  # every state the code uses is accepted
            assert conn.execute(row, {"s": value}).rowcount == 1
        with pytest.raises(IntegrityError):
            conn.execute(row, {"s": "approvd"})
        conn.rollback()


@pytest.mark.skipif(bool(PG_URL), reason="compares SQLite's stored DDL")
def test_the_migrations_and_the_models_check_the_same_sets(runtime, tmp_path):
    def checks(engine) -> dict[str, str]:
        with engine.connect() as conn:
            ddl = " ".join(sql for (sql,) in conn.execute(text(
                "SELECT sql FROM sqlite_master WHERE type = 'table'")))
        return dict(re.findall(r"CONSTRAINT (ck_\w+) CHECK \((.*?\))\)", ddl))

    fresh = create_engine(f"sqlite:///{tmp_path / 'models.db'}")
    Base.metadata.create_all(fresh)
    migrated = checks(runtime.engine)
    assert migrated == checks(fresh)
    assert set(migrated) == {f"ck_{table}_status" for table, _ in CONSTRAINED} | {
        "ck_inbound_events_outcome", "ck_file_scans_status"}
    fresh.dispose()
