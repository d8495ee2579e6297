"""Problems and suggestions (ข้อ ๔): in the quarter's last days each unit director gets a card,
answers ไม่มี or types an answer, may change it until the digest goes out, and is reminded once
two days before the end. Only the unit's director, or whoever acts for them, may answer."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.digest.compute import compute_digest
from bot.digest.feedback import (
    MAX_FEEDBACK_CHARS,
    for_each_office,
    remind_feedback,
    request_feedback,
)
from bot.office.org import person_by_key, set_acting
from bot.render.palette import ALERT
from bot.spine.db import transaction
from bot.spine.postback import encode
from bot.thai.dates import BANGKOK, FiscalQuarter
from models import AuditEntry, Conversation, DigestRun, QuarterFeedback, Unit
from tests.conftest import link
from tests.flex import actions, data, joined
from tests.line_driver import user_id

Q = FiscalQuarter(2570, 1)
ASK = datetime(2026, 12, 25, 9, tzinfo=BANGKOK)  # seven days before 1 Jan 2027 00:00


def ask(runtime, now=ASK) -> int:
    return for_each_office(runtime, request_feedback, now)


def remind(runtime, now) -> int:
    return for_each_office(runtime, remind_feedback, now)


def cards_to(fake, key: str) -> list[dict]:
    return [m for m in fake.messages_to(user_id(key))
            if m["type"] == "flex" and "ปัญหาอุปสรรคและข้อเสนอแนะ" in joined(m)]


def feedback(runtime, unit_key: str) -> QuarterFeedback | None:
    with runtime.factory() as session:
        unit = session.scalars(select(Unit).where(Unit.key == unit_key)).one()
        return session.scalars(select(QuarterFeedback).where(
            QuarterFeedback.unit_id == unit.id, QuarterFeedback.quarter == Q.code)).first()


def unit_id(runtime, key: str) -> int:
    with runtime.factory() as session:
        return session.scalars(select(Unit.id).where(Unit.key == key)).one()


def state_of(runtime, key: str) -> str:
    with runtime.factory() as session:
        conv = session.scalars(select(Conversation).filter_by(line_user_id=user_id(key))).first()
        return conv.state if conv else "idle"


def audit(runtime, action: str) -> list[AuditEntry]:
    with runtime.factory() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id)))


@pytest.fixture
def asked(people, line, fake):
    """The cards have gone out to the linked unit directors (prasert: plan, suda: fin)."""
    assert ask(people) == 2
    line.drain()
    return people


def test_linked_directors_get_one_card_seven_days_before_the_end(people, line, fake):
    assert ask(people, ASK - timedelta(days=1)) == 0
    assert ask(people) == 2
    line.drain()
    [card] = cards_to(fake, "prasert")
    assert len(cards_to(fake, "suda")) == 1 and cards_to(fake, "kanya") == []
    shown = joined(card)
    assert "ไตรมาสที่ ๑ ปีงบประมาณ ๒๕๗๐ (ต.ค.–ธ.ค. ๒๕๖๙)" in shown
    assert "กลุ่มนโยบายและแผน" in shown and "1 ม.ค. 2570 09:00 น." in shown
    assert card["altText"].startswith("ปัญหาอุปสรรคและข้อเสนอแนะ ไตรมาสที่ ๑")
    plan = unit_id(people, "plan")
    assert {label: a["data"] for label, a in actions(card).items()} == {
        "ไม่มี": encode("fb", q=Q.code, u=plan, a="none"),
        "ตอบ": encode("fb", q=Q.code, u=plan, a="answer"),
    }
    # once: the same day, the next day
    assert ask(people) == 0 and ask(people, ASK + timedelta(days=1)) == 0
    # a director linked later is asked on the next run
    link(people, "wilai")
    assert ask(people, ASK + timedelta(days=2)) == 1
    line.drain()
    assert len(cards_to(fake, "wilai")) == 1 and len(cards_to(fake, "prasert")) == 1


def test_the_number_of_days_before_the_end_is_configurable(people):
    object.__setattr__(people.config, "feedback_days_before", 10)  # as FEEDBACK_DAYS_BEFORE=10 would
    assert ask(people, ASK - timedelta(days=4)) == 0
    assert ask(people, ASK - timedelta(days=3)) == 2


def test_none_and_a_typed_answer_are_stored_and_can_be_changed(asked, line, fake):
    runtime = asked
    said = line.tap("prasert", data(cards_to(fake, "prasert")[-1], "ไม่มี"))
    assert said[-1]["text"].startswith(
        "รับทราบค่ะ บันทึกว่ากลุ่มนโยบายและแผนไม่มีปัญหาอุปสรรคและข้อเสนอแนะในไตรมาสที่ ๑")
    row = feedback(runtime, "plan")
    assert (row.none, row.text, row.answered_at is not None) == (True, "", True)

    card = cards_to(fake, "suda")[-1]
    said = line.tap("suda", data(card, "ตอบ"))
    assert "กรุณาพิมพ์ปัญหาอุปสรรคและข้อเสนอแนะของกลุ่มบริหารงานการเงินและสินทรัพย์" in said[-1]["text"]
    assert state_of(runtime, "suda") == "feedback_text"
    said = line.text("suda", "ผู้ให้ข้อมูลส่งเอกสารจัดซื้อจัดจ้างล่าช้า เสนอให้ตั้งเวลาส่งประจำเดือน")
    assert "บันทึกปัญหาอุปสรรคและข้อเสนอแนะของกลุ่มบริหารงานการเงินและสินทรัพย์แล้วค่ะ" in said[-1]["text"]
    assert state_of(runtime, "suda") == "idle"
    assert feedback(runtime, "fin").text.startswith("ผู้ให้ข้อมูลส่งเอกสารจัดซื้อจัดจ้างล่าช้า")

    # tapping ตอบ again shows the earlier answer; the next text replaces it
    said = line.tap("suda", data(card, "ตอบ"))
    assert "คำตอบเดิม: ผู้ให้ข้อมูลส่งเอกสารจัดซื้อจัดจ้างล่าช้า" in said[-1]["text"]
    line.text("suda", "ไม่มีปัญหาแล้วค่ะ ขอบคุณงาน ICT")
    row = feedback(runtime, "fin")
    assert (row.none, row.text) == (False, "ไม่มีปัญหาแล้วค่ะ ขอบคุณงาน ICT")
    # cancel keeps what was stored
    line.tap("prasert", data(cards_to(fake, "prasert")[-1], "ตอบ"))
    assert "ยกเลิกแล้ว" in line.text("prasert", "ยกเลิก")[-1]["text"]
    assert feedback(runtime, "plan").none is True and state_of(runtime, "prasert") == "idle"

    with runtime.factory() as session:
        d = compute_digest(session, 1, Q)
    answers = {u.name: u.feedback for u in d.units if u.feedback is not None}
    assert answers["กลุ่มบริหารงานการเงินและสินทรัพย์"].text == "ไม่มีปัญหาแล้วค่ะ ขอบคุณงาน ICT"
    assert answers["กลุ่มนโยบายและแผน"].none is True
    assert not answers["กลุ่มอำนวยการ"].answered  # a row exists; its director is not linked
    stored = audit(runtime, "feedback.answered")
    assert [e.data["none"] for e in stored] == [True, False, False]
    assert {e.actor_line_user_id for e in stored} == {user_id("prasert"), user_id("suda")}


@pytest.mark.parametrize("who, card_of, label", [
    ("kanya", "prasert", "ไม่มี"),      # staff of the unit
    ("somchai", "prasert", "ตอบ"),     # the office director directs no unit
    ("suda", "prasert", "ไม่มี"),       # another unit's director
])
def test_only_the_units_director_may_answer(asked, line, fake, who, card_of, label):
    runtime = asked
    said = line.tap(who, data(cards_to(fake, card_of)[-1], label))
    assert said[-1]["text"] == ("ขออภัยค่ะ การ์ดนี้สำหรับผู้อำนวยการกลุ่ม/หน่วย "
                                "หรือผู้รักษาราชการแทนเท่านั้น")
    assert feedback(runtime, "plan").answered_at is None
    assert state_of(runtime, who) == "idle"
    [refused] = audit(runtime, "feedback.refused")
    assert refused.actor_line_user_id == user_id(who) and refused.data["reason"] == "not_director"


def test_whoever_acts_for_the_director_may_answer(asked, line, fake):
    runtime = asked
    today = datetime.now(BANGKOK).date()
    with transaction(runtime.factory) as session:
        set_acting(session, person_by_key(session, "prasert"), person_by_key(session, "kanya"),
                   today, today + timedelta(days=5), "คำสั่งที่ 9/2569")
    line.tap("kanya", data(cards_to(fake, "prasert")[-1], "ตอบ"))
    line.text("kanya", "ขอเพิ่มช่องทางแจ้งเตือนเมื่อข้อมูลขั้นต่ำใกล้หมดอายุ")
    assert feedback(runtime, "plan").text == "ขอเพิ่มช่องทางแจ้งเตือนเมื่อข้อมูลขั้นต่ำใกล้หมดอายุ"
    [entry] = audit(runtime, "feedback.answered")
    with runtime.factory() as session:
        assert entry.acting_for_id == person_by_key(session, "prasert").id
        assert entry.actor_id == person_by_key(session, "kanya").id
    assert entry.acting_order == "คำสั่งที่ 9/2569"


def test_answers_close_when_the_digest_has_gone_out(asked, line, fake):
    runtime = asked
    line.tap("suda", data(cards_to(fake, "suda")[-1], "ตอบ"))
    with transaction(runtime.factory) as session:
        session.add(DigestRun(office_id=1, quarter=Q.code, sent_by="scheduler"))
    said = line.text("suda", "ข้อความที่มาช้าเกินไป")
    assert said[-1]["text"] == ("รายงานไตรมาสที่ ๑ ปีงบประมาณ ๒๕๗๐ (ต.ค.–ธ.ค. ๒๕๖๙)"
                                "ส่งถึงผู้บริหารแล้ว จึงแก้ไขคำตอบไม่ได้ค่ะ")
    assert feedback(runtime, "fin").answered_at is None and state_of(runtime, "suda") == "idle"
    said = line.tap("prasert", data(cards_to(fake, "prasert")[-1], "ไม่มี"))
    assert "ส่งถึงผู้บริหารแล้ว" in said[-1]["text"]
    assert [e.data["reason"] for e in audit(runtime, "feedback.refused")] == ["closed", "closed"]
    assert ask(runtime, ASK + timedelta(days=1)) == 0 and remind(runtime, ASK + timedelta(days=5)) == 0


def test_one_reminder_two_days_before_the_end_for_those_who_have_not_answered(asked, line, fake):
    runtime = asked
    line.tap("prasert", data(cards_to(fake, "prasert")[-1], "ไม่มี"))
    assert remind(runtime, datetime(2026, 12, 29, 23, 59, tzinfo=BANGKOK)) == 0
    assert remind(runtime, datetime(2026, 12, 30, 9, tzinfo=BANGKOK)) == 1
    line.drain()
    [first, again] = cards_to(fake, "suda")
    assert "เตือนความจำ: ยังไม่ได้รับคำตอบค่ะ" in joined(again) and again["altText"].startswith("เตือน:")
    [notice] = [n for n in again["contents"]["body"]["contents"]
                if n.get("text") == "เตือนความจำ: ยังไม่ได้รับคำตอบค่ะ"]
    assert notice["color"] == ALERT  # the palette's colour for what is overdue
    assert len(cards_to(fake, "prasert")) == 1
    assert remind(runtime, datetime(2026, 12, 31, 9, tzinfo=BANGKOK)) == 0
    # asked inside the reminder window: no reminder on top
    link(runtime, "wilai")
    assert ask(runtime, datetime(2026, 12, 30, 10, tzinfo=BANGKOK)) == 1
    assert remind(runtime, datetime(2026, 12, 31, 9, tzinfo=BANGKOK)) == 0
    # the reminder card works like the first one
    line.tap("suda", data(again, "ไม่มี"))
    assert feedback(runtime, "fin").none is True


def test_help_cancel_length_and_bad_cards(asked, line, fake):
    runtime = asked
    card = cards_to(fake, "suda")[-1]
    line.tap("suda", data(card, "ตอบ"))
    said = line.text("suda", "วิธีใช้")
    assert "สิ่งที่ทำได้ในแชตนี้" in said[0]["text"] and "กรุณาพิมพ์ปัญหาอุปสรรค" in said[-1]["text"]
    assert state_of(runtime, "suda") == "feedback_text"
    said = line.text("suda", "ก" * (MAX_FEEDBACK_CHARS + 1))
    assert "ยาวเกินไป" in said[-1]["text"] and state_of(runtime, "suda") == "feedback_text"
    assert feedback(runtime, "fin").answered_at is None
    line.text("suda", "ก" * MAX_FEEDBACK_CHARS)
    assert len(feedback(runtime, "fin").text) == MAX_FEEDBACK_CHARS

    fin = unit_id(runtime, "fin")
    future = FiscalQuarter.of(datetime.now(BANGKOK)).next().next()
    refusals = [
        (encode("fb", q="2570Q9", u=fin, a="none"), "การ์ดนี้ใช้ไม่ได้แล้ว"),
        (f"v1/fb?q={Q.code}&u={fin}&a=maybe", "ปุ่มนี้ใช้ไม่ได้แล้ว"),  # a button no card has
        (encode("fb", q=Q.code, u="x", a="none"), "การ์ดนี้ใช้ไม่ได้แล้ว"),
        (encode("fb", q=Q.code, u=9999, a="none"), "ไม่พบกลุ่ม/หน่วยของการ์ดนี้แล้ว"),
        (encode("fb", q=future.code, u=fin, a="none"), "ไตรมาสนี้ยังไม่เริ่มค่ะ"),
    ]
    for payload, reply in refusals:
        assert reply in line.tap("suda", payload)[-1]["text"], payload
    # a card without the unit: the one unit this director answers for
    line.tap("suda", encode("fb", q=Q.code, a="none"))
    assert feedback(runtime, "fin").none is True
