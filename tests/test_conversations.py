"""How the router and the typed-text prompts behave, whatever the conversation: checks only read
and parse once, every prompt cancels with the same words, and the answer to a prompt is checked
again against the database when it arrives."""

from __future__ import annotations

from sqlalchemy import select

from bot.office.orgfile import load
from bot.spine import context
from bot.spine.db import transaction
from bot.spine.postback import encode
from models import ApprovalStep, AuditEntry, Conversation, OutboxMessage, Publication, Submission
from tests.conftest import OFFICE_YAML
from tests.flex import data
from tests.line_driver import user_id
from tests.test_approvals import latest_card, submit_document
from tests.test_publishing import approved_item, final_approval, flex_to, office_ready  # noqa: F401


def conversation(runtime, key: str) -> Conversation | None:
    with runtime.factory() as session:
        return session.scalars(select(Conversation).filter_by(line_user_id=user_id(key))).first()


def test_checks_write_nothing_a_help_text_leaves_no_conversation_row(people, line, runtime):
    said = line.text("kanya", "วิธีใช้")  # goes past every check that looks at the chat state
    assert "สิ่งที่ทำได้" in said[-1]["text"]
    said = line.text("kanya", "สวัสดีค่ะ")  # nobody's: the fallback answers
    assert "ไม่เข้าใจข้อความนี้" in said[-1]["text"]
    assert conversation(runtime, "kanya") is None


def test_a_postback_is_decoded_once_per_event(people, line, monkeypatch):
    calls = []
    real = context.parse

    def counting(payload):
        calls.append(payload)
        return real(payload)

    monkeypatch.setattr(context, "parse", counting)
    said = line.tap("kanya", encode("menu", m="help"))  # the last of several handlers to look at it
    assert "สิ่งที่ทำได้" in said[-1]["text"]
    assert calls == [encode("menu", m="help")]


def test_cancel_at_a_return_reason_prompt_cancels(people, line, fake, runtime):
    submit_document(line)
    card = latest_card(fake, "prasert")
    line.tap("prasert", data(card, "ส่งกลับแก้ไข"))
    assert conversation(runtime, "prasert").state == "decide_reason"
    said = line.text("prasert", "Cancel")  # English, any case: the same words at every prompt
    assert "ยกเลิกแล้ว" in said[-1]["text"]
    with runtime.factory() as session:
        assert session.get(Submission, 1).status == "pending"
        first = session.scalars(select(ApprovalStep).order_by(ApprovalStep.id)).first()
        assert (first.status, first.comment) == ("waiting", None)  # still open for a decision
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "return")).all() == []
    assert conversation(runtime, "prasert").state == "idle"
    assert not any("ส่งกลับ" in t for t in line.texts_to("kanya"))  # the submitter heard nothing


def test_a_retract_reason_from_someone_who_lost_the_ict_role_is_refused(office_ready, line, fake):  # noqa: F811
    runtime = office_ready
    pub, _ = final_approval(runtime, approved_item(runtime, title="ประกาศที่ยังต้องอยู่"))
    line.drain()
    said = line.tap("pimchanok", data(flex_to(fake, "pimchanok")[-1], "ถอนการเผยแพร่"))
    assert "กรุณาพิมพ์เหตุผล" in said[0]["text"]
    # while the prompt waits, the org file is reloaded and pimchanok is no longer ICT
    edited = OFFICE_YAML.replace("unit: ict, roles: [staff, ict, admin]}", "unit: ict, roles: [staff]}")
    assert edited != OFFICE_YAML
    with transaction(runtime.factory) as session:
        load(session, edited)
    said = line.text("pimchanok", "ข้อมูลในประกาศไม่ถูกต้อง")
    assert "สำหรับผู้มีหน้าที่เกี่ยวข้องเท่านั้น" in said[0]["text"]
    with runtime.factory() as session:
        assert session.get(Publication, pub.id).retracted_at is None
        assert session.get(Submission, pub.submission_id).status == "published"
        [refusal] = session.scalars(select(AuditEntry).where(AuditEntry.action == "retract_refused")).all()
        assert refusal.data == {"reason": "role"}
        assert session.scalars(select(OutboxMessage).where(
            OutboxMessage.purpose == f"retraction:{pub.id}")).all() == []


def test_a_sender_without_the_apps_list_performs_only_messages(runtime):
    from bot.spine import outbox
    from bot.spine.sender import Sender

    with transaction(runtime.factory) as session:
        outbox.effect(session, "download", {"attachment_id": 1, "message_id": "1"})
    Sender(runtime.factory, runtime.clients, worker="bare", config=runtime.config,
           give_up_seconds=60).run_once()
    with runtime.factory() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert (row.status, row.last_error) == ("failed", "no executor for 'download'")
