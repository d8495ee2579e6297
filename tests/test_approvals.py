"""Directors approve, return for correction or reject from the approval card: chains, reasons,
versions, acting directors, refusals, races, reminders and the audit chain."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from bot.office.org import person_by_key, set_acting
from bot.spine.db import transaction
from bot.workflow.reminders import send_reminders
from models import ApprovalStep, AuditEntry, Submission, SubmissionVersion
from tests import samples
from tests.conftest import link
from tests.flex import actions, data, joined
from tests.line_driver import user_id
from tests.test_submit import document_to_confirmation


def submit_document(line, key="kanya", category="1.3", title="รายงานผลการดำเนินงาน"):
    card = document_to_confirmation(line, key, category=category, title=title)[-1]
    line.tap(key, data(card, "ส่งขออนุญาตเผยแพร่"))


def submit_photos(line, title, key="kanya", category="1.3 กิจกรรม โครงการ"):
    """One photo, an activity name, today's date, no caption, a category: sent for approval."""
    line.send(line.image_event(key, samples.jpeg_with_gps()))
    line.text(key, title)
    line.text(key, "วันนี้")
    said = line.text(key, "ข้าม")
    card = line.tap(key, data(said[-1], category))[-1]
    line.tap(key, data(card, "ส่งขออนุญาตเผยแพร่"))


def latest_card(fake, key):
    cards = [m for m in fake.messages_to(user_id(key)) if m["type"] == "flex" and "อนุมัติ" in actions(m)]
    return cards[-1]


def submission(runtime, number=1) -> Submission:
    with runtime.factory() as session:
        item = session.get(Submission, number)
        item.versions  # noqa: B018 - load while the session is open
        return item


def steps(runtime, number=1):
    with runtime.factory() as session:
        return [(s.position, s.status, s.version, s.decided_by_id) for s in session.scalars(
            select(ApprovalStep).where(ApprovalStep.submission_id == number).order_by(ApprovalStep.id))]


def test_document_chain_unit_director_then_office_director(people, line, fake, runtime):
    submit_document(line)
    said = line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    assert "บันทึกแล้วค่ะ: อนุมัติ เรื่อง #๑" in said[-1]["text"]
    card = latest_card(fake, "somchai")
    shown = joined(card)
    assert "ขั้นที่ ๒ จาก ๒" in shown and "อนุมัติ โดย นายประเสริฐ วงศ์ใหญ่" in shown
    assert "รอ นายสมชาย ใจดี พิจารณา" in line.texts_to("kanya")[-1]
    line.tap("somchai", data(card, "อนุมัติ"))
    assert submission(runtime).status == "published"
    assert submission(runtime).finished_at is not None  # publishing ends the item's story
    assert [s[1] for s in steps(runtime)] == ["approved", "approved"]
    told = [t for t in line.texts_to("kanya") if "อนุมัติ" in t and "เผยแพร่" in t]
    assert told == ["เรื่อง “รายงานผลการดำเนินงาน” ได้รับอนุมัติและเผยแพร่บนเว็บไซต์แล้วค่ะ\n"
                    "https://prakat.example.go.th/p/1"]  # one message, not "approved" then "published"


def test_photos_need_only_the_unit_director(people, line, fake, runtime):
    submit_photos(line, "อบรมครูวิทยาศาสตร์")
    approval = latest_card(fake, "prasert")
    assert "ขั้นที่ ๑ จาก ๑" in joined(approval) and "hero" in approval["contents"]
    line.tap("prasert", data(approval, "อนุมัติ"))
    assert submission(runtime).status == "published"
    assert [m for m in fake.messages_to(user_id("somchai")) if m["type"] == "flex"] == []


def test_regulated_category_goes_through_both_directors(people, line, fake, runtime):
    with transaction(runtime.factory) as session:
        from models import Office

        office = session.scalars(select(Office)).one()
        office.chains = {**office.chains, "photos": ["unit_director"], "document": ["unit_director"]}
    submit_document(line, key="wanpen", category="1.9", title="ประกาศผู้ชนะการเสนอราคา")
    line.tap("suda", data(latest_card(fake, "suda"), "อนุมัติ"))
    assert "ขั้นที่ ๒ จาก ๒" in joined(latest_card(fake, "somchai"))


def test_return_for_correction_then_version_2_is_approved(people, line, fake, runtime):
    submit_document(line)
    card_v1 = latest_card(fake, "prasert")
    said = line.tap("prasert", data(card_v1, "ส่งกลับแก้ไข"))
    assert "เหตุผล" in said[-1]["text"] and "ข้อมูลไม่ครบถ้วน" in actions(said[-1])
    said = line.text("prasert", "กรุณาแนบภาคผนวก")
    assert "บันทึกแล้วค่ะ: ส่งกลับแก้ไข" in said[-1]["text"]
    told = fake.messages_to(user_id("kanya"))[-1]
    assert "เหตุผล: กรุณาแนบภาคผนวก" in told["text"]
    # revise from the quick reply: a new file, then send the corrected version
    said = line.tap("kanya", data(told, "แก้ไขและส่งใหม่"))
    assert "ฉบับที่ ๒" in said[0]["text"]
    said = line.send(line.file_event("kanya", "รายงานฉบับแก้ไข.pdf", samples.pdf(5)))
    assert any("รายงานฉบับแก้ไข.pdf (กำลังรับไฟล์จาก LINE)" in joined(m) for m in said if m["type"] == "flex")
    card = said[-1]  # the card again once the new file is stored and checked
    assert "รายงานฉบับแก้ไข.pdf" in joined(card) and "กำลังรับไฟล์" not in joined(card)
    said = line.tap("kanya", data(card, "ส่งขออนุญาตเผยแพร่"))
    assert "ส่งฉบับที่ ๒ ขออนุญาตเผยแพร่แล้วค่ะ" in said[-1]["text"]
    # back to the director who returned it, pinned to version 2; the old card is refused
    card_v2 = latest_card(fake, "prasert")
    assert "ฉบับที่ ๒" in joined(card_v2) and "๕ หน้า" in joined(card_v2)
    said = line.tap("prasert", data(card_v1, "อนุมัติ"))
    assert "ฉบับที่ ๒ รอท่านพิจารณาอยู่" in said[-1]["text"]  # the truth about the item now
    line.tap("prasert", data(card_v2, "อนุมัติ"))
    assert [s[:3] for s in steps(runtime)] == [(1, "returned", 1), (2, "waiting", 2), (1, "approved", 2)]
    with runtime.factory() as session:
        versions = session.scalars(select(SubmissionVersion).order_by(SubmissionVersion.number)).all()
        assert [v.number for v in versions] == [1, 2]
        assert versions[0].attachments[0].filename == "รายงาน_ผลการดำเนินงาน-ไตรมาส1.pdf"
        assert versions[1].attachments[0].filename == "รายงานฉบับแก้ไข.pdf"
        assert versions[0].attachments[0].sha256 != versions[1].attachments[0].sha256
        approve = session.scalars(select(AuditEntry).where(AuditEntry.action == "approve")).one()
        assert approve.version == 2 and approve.file_hashes == [versions[1].attachments[0].sha256]


def test_reject_with_reason(people, line, fake, runtime):
    submit_document(line)
    line.tap("prasert", data(latest_card(fake, "prasert"), "ไม่อนุมัติ"))
    said = line.text("prasert", "ซ้ำกับที่เผยแพร่แล้ว")
    assert "บันทึกแล้วค่ะ: ไม่อนุมัติ" in said[-1]["text"]
    assert submission(runtime).status == "rejected"
    assert submission(runtime).finished_at is not None
    assert "ไม่อนุมัติโดย นายประเสริฐ วงศ์ใหญ่\nเหตุผล: ซ้ำกับที่เผยแพร่แล้ว" in line.texts_to("kanya")[-1]
    assert [s[1] for s in steps(runtime)] == ["rejected", "cancelled"]


def test_cancelling_the_reason_prompt_keeps_the_card_usable(people, line, fake, runtime):
    submit_document(line)
    card = latest_card(fake, "prasert")
    line.tap("prasert", data(card, "ไม่อนุมัติ"))
    assert "ยกเลิกแล้ว" in line.text("prasert", "ยกเลิก")[-1]["text"]
    assert submission(runtime).status == "pending"
    line.tap("prasert", data(card, "อนุมัติพร้อมความเห็น"))
    line.text("prasert", "เห็นชอบ ให้เผยแพร่")
    with runtime.factory() as session:
        first = session.scalars(select(ApprovalStep).order_by(ApprovalStep.id)).first()
        assert (first.status, first.comment) == ("approved", "เห็นชอบ ให้เผยแพร่")


def test_a_unit_directors_own_item_skips_to_the_office_director(people, line, fake, runtime):
    submit_document(line, key="prasert")
    assert [s[1] for s in steps(runtime)] == ["skipped", "waiting"]
    assert "ขั้นที่ ๒ จาก ๒" in joined(latest_card(fake, "somchai"))
    assert [m for m in fake.messages_to(user_id("prasert")) if m["type"] == "flex" and "อนุมัติ" in actions(m)] == []
    with runtime.factory() as session:
        skip = session.scalars(select(AuditEntry).where(AuditEntry.action == "skip_step")).one()
        assert skip.data["reason"] == "submitter_is_approver"


def test_the_office_directors_own_item_needs_no_tap(people, line, fake, runtime):
    with transaction(runtime.factory) as session:
        somchai = person_by_key(session, "somchai")
        somchai.unit_id = person_by_key(session, "prasert").unit_id  # the director files it from a unit
    submit_document(line, key="somchai")
    # the unit director still decides; the office director's own step is skipped
    line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    assert [s[1] for s in steps(runtime)] == ["approved", "skipped"]
    assert submission(runtime).status == "published"


def test_an_acting_director_decides_and_the_record_says_so(people, line, fake, runtime):
    today = datetime.now(UTC).date()
    with transaction(runtime.factory) as session:
        set_acting(session, person_by_key(session, "somchai"), person_by_key(session, "manee"),
                   today - timedelta(days=1), today + timedelta(days=3), "คำสั่ง สพป.ตาก เขต ๒ ที่ 45/2569")
    submit_document(line)
    line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    card = latest_card(fake, "manee")
    assert "ในฐานะผู้รักษาราชการแทน นายสมชาย ใจดี" in joined(card)
    assert any("พิจารณาแทนท่าน" in t for t in line.texts_to("somchai"))
    assert not [m for m in fake.messages_to(user_id("somchai")) if m["type"] == "flex"]
    said = line.tap("manee", data(card, "อนุมัติ"))
    assert "นางมณี ศรีสุข รักษาราชการแทน นายสมชาย ใจดี (คำสั่ง สพป.ตาก เขต ๒ ที่ 45/2569)" in said[-1]["text"]
    with runtime.factory() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "approve")
                                .order_by(AuditEntry.id.desc())).first()
        manee, somchai = person_by_key(session, "manee"), person_by_key(session, "somchai")
        assert (entry.actor_id, entry.acting_for_id, entry.acting_order) == (
            manee.id, somchai.id, "คำสั่ง สพป.ตาก เขต ๒ ที่ 45/2569")


def _refusal_setup(line, fake, runtime):
    submit_document(line)
    return latest_card(fake, "prasert")


@pytest.mark.parametrize("case", ["second_tap", "stranger", "submitter", "tampered", "unknown_step",
                                  "bad_action", "old_version", "unlinked", "office_director_early"])
def test_refused_taps_change_nothing_answer_clearly_and_are_audited(case, people, line, fake, runtime):
    card = _refusal_setup(line, fake, runtime)
    approve = data(card, "อนุมัติ")
    tapper, payload, expected = {
        "second_tap": ("prasert", approve, "อนุมัติแล้วโดย นายประเสริฐ วงศ์ใหญ่ เมื่อ"),
        "stranger": ("wanpen", approve, "ไม่ได้อยู่ในความรับผิดชอบของท่าน"),
        "submitter": ("kanya", approve, "ไม่ได้อยู่ในความรับผิดชอบของท่าน"),
        "tampered": ("prasert", approve.replace("a=approve", "a=approve&s=9") + "&zz", "ไม่พบเรื่องนี้"),
        "unknown_step": ("prasert", "v1/decide?s=999&v=1&a=approve", "ไม่พบเรื่องนี้"),
        "bad_action": ("prasert", approve.replace("a=approve", "a=publish"), "ไม่พบเรื่องนี้"),
        "old_version": ("prasert", approve.replace("v=1", "v=2"), "ฉบับเก่า"),
        "unlinked": ("outsider", approve, "ยังไม่ได้เชื่อม"),
        "office_director_early": ("somchai", approve, "ไม่ได้อยู่ในความรับผิดชอบของท่าน"),
    }[case]
    if case == "second_tap":
        line.tap("prasert", approve)
    before = steps(runtime), submission(runtime).status
    with runtime.factory() as session:
        refusals_before = session.query(AuditEntry).filter(AuditEntry.action == "refused").count()
    said = line.tap(tapper, payload)
    assert expected in said[-1]["text"]
    assert (steps(runtime), submission(runtime).status) == before
    if case != "unlinked":  # a stranger to the office is told how to link, nothing more
        with runtime.factory() as session:
            assert session.query(AuditEntry).filter(AuditEntry.action == "refused").count() == refusals_before + 1


def test_two_simultaneous_taps_make_exactly_one_transition(people, line, fake, runtime):
    submit_document(line)
    approve = data(latest_card(fake, "prasert"), "อนุมัติ")
    events = [line.postback_event("prasert", approve) for _ in range(2)]
    barrier = threading.Barrier(2)

    def tap(event):
        barrier.wait()
        line.post(event)

    threads = [threading.Thread(target=tap, args=(e,)) for e in events]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    said = line.drain()
    answers = [m["text"] for m in said if m.get("text", "").startswith(("บันทึกแล้ว", "เรื่อง #๑ “"))]
    assert len(answers) == 2 and sum(a.startswith("บันทึกแล้ว") for a in answers) == 1
    with runtime.factory() as session:
        assert session.query(AuditEntry).filter(AuditEntry.action == "approve").count() == 1
        assert session.query(ApprovalStep).filter(ApprovalStep.status == "waiting").count() == 1
    assert len([m for m in fake.messages_to(user_id("somchai")) if m["type"] == "flex"]) == 1


def test_pending_list_oldest_first_and_only_for_directors(people, line, fake):
    submit_document(line, title="เรื่องแรก")
    submit_document(line, key="wanpen", title="เรื่องของการเงิน")
    line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    line.tap("suda", data(latest_card(fake, "suda"), "อนุมัติ"))
    said = line.tap("somchai", "v1/menu?m=pending")
    bubbles = said[-1]["contents"]["contents"]
    assert [joined(b).split("\n")[0] for b in bubbles] == ["เรื่องแรก", "เรื่องของการเงิน"]
    opened = line.tap("somchai", data(said[-1], "เปิดการ์ดพิจารณา"))
    assert "ขั้นที่ ๒ จาก ๒" in joined(opened[-1])
    assert "สำหรับผู้อำนวยการ" in line.tap("kanya", "v1/menu?m=pending")[-1]["text"]
    assert "ไม่มีเรื่องรออนุมัติ" in line.tap("prasert", "v1/menu?m=pending")[-1]["text"]


BANGKOK_9AM = lambda d: datetime(d.year, d.month, d.day, 2, 0, tzinfo=UTC)  # noqa: E731 09:00 +07


def test_reminders_once_on_working_days_then_the_office_director(people, line, fake, runtime):
    submit_document(line)
    thursday = date(2026, 11, 26)
    with transaction(runtime.factory) as session:
        step = session.scalars(select(ApprovalStep).where(ApprovalStep.status == "waiting")).one()
        step.waiting_since = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # Thursday 10:00 Bangkok
    line.drain()
    fake.reset(keep_profiles=True)

    def run(day):
        with transaction(runtime.factory) as session:
            count = send_reminders(session, runtime.config, BANGKOK_9AM(day))
        line.drain()
        return count

    assert run(thursday + timedelta(days=1)) == 0       # Friday 09:00: not a full working day yet
    assert run(thursday + timedelta(days=4)) == 1       # Monday 09:00 (weekend skipped): first reminder
    assert run(thursday + timedelta(days=4)) == 0       # the same morning again: nothing
    assert "เรียนเตือน" in line.texts_to("prasert")[-1]
    assert line.texts_to("somchai") == []
    assert run(thursday + timedelta(days=5)) == 1       # Tuesday: 2 working days: second + office director
    assert "เตือนแล้ว ๒ ครั้ง" in line.texts_to("somchai")[-1]
    assert len([t for t in line.texts_to("prasert") if "เรียนเตือน" in t]) == 2
    assert run(thursday + timedelta(days=6)) == 0       # never a third


def test_no_reminders_on_a_holiday(people, line, runtime, tmp_path):
    from dataclasses import replace

    holidays = tmp_path / "holidays.txt"
    holidays.write_text("2026-11-30 วันหยุดชดเชย\n", encoding="utf-8")
    config = replace(runtime.config, holidays_file=str(holidays))
    submit_document(line)
    with transaction(runtime.factory) as session:
        step = session.scalars(select(ApprovalStep).where(ApprovalStep.status == "waiting")).one()
        step.waiting_since = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
        assert send_reminders(session, config, BANGKOK_9AM(date(2026, 11, 30))) == 0
        assert send_reminders(session, config, BANGKOK_9AM(date(2026, 12, 1))) == 1


def test_audit_chain_verifies_and_names_an_edited_row(app, people, line, fake, runtime):
    submit_document(line)
    line.tap("prasert", data(latest_card(fake, "prasert"), "ส่งกลับแก้ไข"))
    line.text("prasert", "ข้อมูลไม่ครบถ้วน")
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "intact" in ok.output
    exported = runner.invoke(args=["audit", "export", "--item", "1", "--format", "json"])
    history = json.loads(exported.output)
    assert [h["action"] for h in history] == ["draft", "submit", "return"]
    assert history[-1]["actor"] == "นายประเสริฐ วงศ์ใหญ่" and history[-1]["line_event"]
    csv_out = runner.invoke(args=["audit", "export", "--item", "1"]).output
    assert csv_out.splitlines()[0].startswith("id,at_utc,action,actor")
    with runtime.engine.begin() as conn:
        target = conn.execute(text("SELECT id FROM audit_log WHERE action = 'submit'")).scalar()
        conn.execute(text("UPDATE audit_log SET to_state = 'approved' WHERE id = :i"), {"i": target})
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code != 0 and f"broken at row {target}" in broken.output


def test_every_unlinked_or_roleless_action_is_refused(people, line, runtime):
    link(runtime, "duangjai")
    assert "สำหรับผู้อำนวยการ" in line.tap("duangjai", "v1/menu?m=pending")[-1]["text"]
    for payload in ("v1/menu?m=mine", "v1/decide?s=1&v=1&a=approve", "v1/draft?d=1&a=submit"):
        said = line.tap("nobody", payload)
        assert "ขอรหัสเชื่อมบัญชี" in said[-1]["text"]


def test_the_reminder_job_runs_at_nine_bangkok_and_skips_the_weekend(people, line, runtime):
    from apscheduler.triggers.cron import CronTrigger

    import bot.schedule.jobs
    from bot.schedule.jobs import JOBS

    [(ref, trigger)] = [(ref, trigger) for job_id, ref, trigger in JOBS if job_id == "approval_reminders"]
    assert ref == "bot.schedule.jobs:remind_approvers"
    cron = CronTrigger(timezone="Asia/Bangkok", **trigger)
    friday_after_hours = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # 17:00 Bangkok
    fires = cron.get_next_fire_time(None, friday_after_hours)
    assert fires.astimezone(UTC) == datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # Saturday 09:00 +07
    submit_document(line)
    with transaction(runtime.factory) as session:
        step = session.scalars(select(ApprovalStep).where(ApprovalStep.status == "waiting")).one()
        step.waiting_since = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    saturday, monday = fires, datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    for instant, expected in ((saturday, 0), (monday, 1), (monday, 1)):
        bot.schedule.jobs.remind_approvers(runtime, instant)  # what the scheduler runs then
        with runtime.factory() as session:
            assert session.scalars(select(ApprovalStep.reminders_sent).where(
                ApprovalStep.status == "waiting")).one() == expected


def test_a_correction_that_changes_the_category_gets_the_chain_it_now_needs(people, line, fake, runtime):
    submit_photos(line, "ประชุมคณะกรรมการจัดซื้อ")
    line.tap("prasert", data(latest_card(fake, "prasert"), "ส่งกลับแก้ไข"))
    line.text("prasert", "เลือกหมวดไม่ถูกต้อง")
    told = fake.messages_to(user_id("kanya"))[-1]
    card = line.tap("kanya", data(told, "แก้ไขและส่งใหม่"))[-1]
    said = line.tap("kanya", data(card, "แก้ไข"))
    said = line.tap("kanya", data(said[-1], "หมวด"))
    card = line.tap("kanya", data(said[-1], "1.9 จัดซื้อจัดจ้าง"))[-1]
    line.tap("kanya", data(card, "ส่งขออนุญาตเผยแพร่"))
    line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    assert submission(runtime).status == "pending"  # 1.9 is regulated: the office director decides too
    assert "ขั้นที่ ๒ จาก ๒" in joined(latest_card(fake, "somchai"))


def test_a_stale_reason_prompt_never_turns_chatter_into_a_decision(people, line, fake, runtime):
    submit_document(line)
    line.tap("prasert", data(latest_card(fake, "prasert"), "ไม่อนุมัติ"))
    said = line.text("prasert", "วิธีใช้")  # help is help, not a reason; then the question again
    assert "สิ่งที่ทำได้" in said[0]["text"] and submission(runtime).status == "pending"
    assert "กรุณาระบุเหตุผล" in said[-1]["text"]
    with transaction(runtime.factory) as session:
        from models import Conversation

        conversation = session.scalars(select(Conversation).filter_by(line_user_id=user_id("prasert"))).first()
        conversation.updated_at -= timedelta(days=3)
    said = line.text("prasert", "สวัสดีครับ")
    assert "หมดเวลา" in said[-1]["text"]
    assert submission(runtime).status == "pending"


def test_an_org_change_moves_open_steps_to_the_new_director(app, people, line, fake, runtime, tmp_path):
    from tests.conftest import OFFICE_YAML

    link(runtime, "boonmee")
    submit_document(line, key="wanpen", title="รายงานการเงิน")
    old_card = latest_card(fake, "suda")
    fin = '{key: fin, name: กลุ่มบริหารงานการเงินและสินทรัพย์, categories: ["1.9"], director: '
    assert fin + "suda}" in OFFICE_YAML
    edited = OFFICE_YAML.replace(fin + "suda}", fin + "boonmee}")
    path = tmp_path / "office.yaml"
    path.write_text(edited, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["org", "load", str(path)])
    assert "1 open approval step(s) moved" in result.output
    line.drain()
    new_card = latest_card(fake, "boonmee")
    assert "รายงานการเงิน" in joined(new_card)
    assert "ไม่ได้อยู่ในความรับผิดชอบ" in line.tap("suda", data(old_card, "อนุมัติ"))[-1]["text"]
    assert "บันทึกแล้วค่ะ" in line.tap("boonmee", data(new_card, "อนุมัติ"))[-1]["text"]


def test_typed_menu_words_work_like_the_rich_menu(people, line, fake):
    submit_document(line, title="เรื่องที่พิมพ์หา")
    assert "เรื่องที่พิมพ์หา" in joined(line.text("prasert", "รออนุมัติ")[-1])
    assert "เรื่องที่พิมพ์หา" in joined(line.text("kanya", "รายการของฉัน")[-1])
    assert "สำหรับผู้อำนวยการ" in line.text("kanya", "รออนุมัติ")[-1]["text"]
