"""The chat off the script (issue #14): commands at every step, buttons on every question, true
answers to old cards, strangers, small talk, refused files. Signed webhooks in, the fake LINE out;
each test checks the exact answer and that nothing was stored wrongly."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.office.orgfile import OrgFileError, parse
from bot.spine.postback import encode
from bot.thai.dates import now_bangkok, thai_date, thai_datetime
from handlers import commands, decide, enrol, help, submit
from handlers.help import help_text
from models import ApprovalStep, Attachment, Conversation, Submission, SubmissionVersion
from tests import samples
from tests.conftest import OFFICE_YAML
from tests.flex import actions, data, joined
from tests.line_driver import user_id
from tests.test_approvals import latest_card, submit_document
from tests.test_org import invite
from tests.test_submit import start_document

STAFF_HELP = help_text({"staff"})


def state(runtime, key: str) -> str:
    with runtime.factory() as session:
        row = session.scalars(select(Conversation).filter_by(line_user_id=user_id(key))).first()
        return row.state if row else "idle"


def titles(runtime) -> list[str]:
    with runtime.factory() as session:
        return [v.title for v in session.scalars(select(SubmissionVersion))]


def status(runtime, number=1) -> str:
    with runtime.factory() as session:
        return session.get(Submission, number).status


def quick_labels(message: dict) -> list[str]:
    return [item["action"]["label"] for item in message.get("quickReply", {}).get("items", [])]


def sticker(line, key: str) -> dict:
    return line.event("message", user=key, message={
        "type": "sticker", "id": line.next_message_id(), "packageId": "446", "stickerId": "1988",
        "stickerResourceType": "STATIC", "quoteToken": "q" + secrets.token_hex(8)})


def to_title_step(line, key="kanya"):
    said = start_document(line, key)
    return line.tap(key, data(said[-1], "1.3 กิจกรรม โครงการ"))


# --- 1. commands work at every step and are never stored ------------------------------------------

def test_help_at_an_albums_title_step_is_help_not_the_title(people, line, runtime):
    said = line.send(line.image_event("kanya", samples.jpeg_with_gps()))
    assert said[-1]["text"].startswith("ได้รับภาพแล้ว ๑ ภาพ")
    said = line.text("kanya", "ช่วยเหลือ")
    assert [m["text"] for m in said] == [STAFF_HELP, said[-1]["text"]]
    assert said[-1]["text"].startswith("ได้รับภาพแล้ว ๑ ภาพ")  # the question again, with its way out
    assert quick_labels(said[-1]) == ["ยกเลิกเรื่อง"]
    assert state(runtime, "kanya") == "draft_title" and titles(runtime) == [""]
    said = line.text("kanya", "วิธีใช้ค่ะ")  # politely typed: still the command
    assert said[0]["text"] == STAFF_HELP and titles(runtime) == [""]
    line.text("kanya", "ช่วยเหลือผู้ประสบภัยน้ำท่วม")  # a title that starts with the word is a title
    assert titles(runtime) == ["ช่วยเหลือผู้ประสบภัยน้ำท่วม"]


def test_cancel_typed_in_a_draft_asks_once_and_go_on_returns_to_the_question(people, line, runtime):
    said = to_title_step(line)
    assert said[-1]["text"] == submit.ASK_TITLE_OR_FILE_NAME
    said = line.text("kanya", "ยกเลิก")
    [asked] = said
    assert asked["text"] == 'ยกเลิกเรื่อง "รายงาน_ผลการดำเนินงาน-ไตรมาส1.pdf" ใช่ไหมคะ'
    assert quick_labels(asked) == ["ยกเลิกเรื่อง", "ทำต่อ"]
    assert status(runtime) == "draft" and titles(runtime) == [""]  # nothing dropped, nothing stored
    said = line.tap("kanya", data(asked, "ทำต่อ"))
    assert said[-1]["text"] == submit.ASK_TITLE_OR_FILE_NAME
    assert quick_labels(said[-1]) == ["ใช้ชื่อไฟล์", "ยกเลิกเรื่อง"]
    said = line.tap("kanya", data(line.text("kanya", "cancel")[-1], "ยกเลิกเรื่อง"))
    assert said[-1]["text"] == ('ยกเลิกเรื่อง "รายงาน_ผลการดำเนินงาน-ไตรมาส1.pdf" แล้วค่ะ '
                                "ส่งไฟล์หรือภาพเพื่อเริ่มเรื่องใหม่ได้ทุกเมื่อ")
    assert status(runtime) == "cancelled" and state(runtime, "kanya") == "idle"
    assert titles(runtime) == [""]
    assert line.text("kanya", "ยกเลิก")[-1]["text"] == commands.NOTHING_TO_CANCEL


def test_the_category_step_has_a_way_out(people, line, runtime):
    said = start_document(line)
    picker = said[-1]
    assert picker["type"] == "flex" and quick_labels(picker) == ["ยกเลิกเรื่อง"]
    said = line.text("kanya", "ช่วยเหลือ")  # help, then the picker again (not "the card above")
    assert said[0]["text"] == STAFF_HELP and said[-1]["type"] == "flex"
    said = line.text("kanya", "อะไรนะ")
    assert said[0]["text"] == submit.HINTS["draft_category"] and said[-1]["type"] == "flex"
    line.tap("kanya", data(picker, "ยกเลิกเรื่อง"))
    assert status(runtime) == "cancelled" and state(runtime, "kanya") == "idle"


def test_my_items_and_pending_typed_at_a_reason_prompt_are_not_the_reason(people, line, fake, runtime):
    submit_document(line)
    line.tap("prasert", data(latest_card(fake, "prasert"), "ส่งกลับแก้ไข"))
    said = line.text("prasert", "รออนุมัติ")
    assert said[0]["type"] == "flex" and said[0]["altText"].startswith("รออนุมัติ ๑ เรื่อง")
    assert said[-1]["text"].startswith("กรุณาระบุเหตุผล") and "ข้อมูลไม่ครบถ้วน" in quick_labels(said[-1])
    said = line.text("prasert", "รายการของฉัน")
    assert said[0]["text"].startswith("ยังไม่มีเรื่อง") and said[-1]["text"].startswith("กรุณาระบุเหตุผล")
    with runtime.factory() as session:
        step = session.scalars(select(ApprovalStep).order_by(ApprovalStep.id)).first()
        assert (step.status, step.comment) == ("waiting", None)
    assert state(runtime, "prasert") == "decide_reason"
    said = line.text("prasert", "ส่งเอกสาร")  # something new: the reason prompt is let go first
    assert [m["text"] for m in said] == [decide.REASON_CANCELLED, submit.MENU_HINTS["doc"]]
    assert state(runtime, "prasert") == "idle"


# --- 2. every question carries its buttons; any date at any time ----------------------------------

def test_the_date_step_always_offers_the_picker_today_and_yesterday(people, line, runtime):
    line.send(line.image_event("kanya", samples.jpeg_with_gps()))
    said = line.text("kanya", "กีฬาสีภายใน")
    labels = quick_labels(said[-1])
    assert said[-1]["text"] == submit.ASK_DATE and labels == ["เลือกวันที่", "วันนี้", "เมื่อวาน", "ยกเลิกเรื่อง"]
    said = line.text("kanya", "พรุ่งนี้มั้ง")  # off the script: a hint and the question again
    assert [m["text"] for m in said] == [submit.HINTS["draft_date"], submit.ASK_DATE]
    assert quick_labels(said[-1]) == labels
    assert not any("ด้านบน" in m.get("text", "") for m in said)
    picker = actions(said[-1])["เลือกวันที่"]
    day = (now_bangkok() - timedelta(days=12)).date()
    said = line.tap("kanya", picker["data"], {"date": day.isoformat()})
    assert said[-1]["text"] == submit.ASK_CAPTION and quick_labels(said[-1]) == ["ข้าม", "ยกเลิกเรื่อง"]
    # an earlier picker still works later, and says what changed
    other = day + timedelta(days=2)
    said = line.tap("kanya", picker["data"], {"date": other.isoformat()})
    assert said[0]["text"] == submit.DATE_CHANGED.format(day=thai_date(other))
    assert said[-1]["text"] == submit.ASK_CAPTION
    with runtime.factory() as session:
        assert session.scalars(select(SubmissionVersion)).one().activity_date == other


def test_yesterday_typed_at_the_date_step(people, line, runtime):
    line.send(line.image_event("kanya", samples.jpeg_with_gps()))
    line.text("kanya", "ประชุมผู้ปกครอง")
    line.text("kanya", "เมื่อวาน")
    with runtime.factory() as session:
        day = session.scalars(select(SubmissionVersion)).one().activity_date
    assert day == (now_bangkok() - timedelta(days=1)).date()


# --- 3. true answers to old cards ------------------------------------------------------------------

def test_a_superseded_card_says_which_version_waits_and_opens_it(people, line, fake, runtime):
    submit_document(line)
    card_v1 = latest_card(fake, "prasert")
    line.tap("prasert", data(card_v1, "ส่งกลับแก้ไข"))
    line.text("prasert", "กรุณาแนบภาคผนวก")
    line.tap("kanya", encode("mine", s=1, a="revise"))
    line.send(line.file_event("kanya", "รายงานฉบับแก้ไข.pdf", samples.pdf(5)))
    line.tap("kanya", encode("draft", d=1, a="submit"))
    assert status(runtime) == "pending"
    [answer] = line.tap("prasert", data(card_v1, "อนุมัติ"))
    assert answer["text"] == decide.SUPERSEDED_MINE.format(id="๑", old="๑", new="๒")
    assert quick_labels(answer) == ["เปิดการ์ดฉบับล่าสุด"]
    [card] = line.tap("prasert", data(answer, "เปิดการ์ดฉบับล่าสุด"))
    assert "ฉบับที่ ๒" in joined(card) and "อนุมัติ" in actions(card)
    with runtime.factory() as session:  # the old tap decided nothing
        assert session.scalars(select(ApprovalStep).where(ApprovalStep.status == "approved")).all() == []
        assert session.scalars(select(ApprovalStep).where(ApprovalStep.status == "waiting")).one().version == 2


def test_a_decided_card_says_by_whom_when_and_where_the_item_is_now(people, line, fake, runtime):
    submit_document(line)
    card = latest_card(fake, "prasert")
    line.tap("prasert", data(card, "อนุมัติ"))
    [answer] = line.tap("prasert", data(card, "ไม่อนุมัติ"))
    with runtime.factory() as session:
        decided = session.scalars(select(ApprovalStep).where(ApprovalStep.status == "approved")).one()
        when = thai_datetime(decided.decided_at, short=True, thai_digits=True)  # the office's digits
    assert answer["text"].startswith(f"เรื่อง #๑ “รายงานผลการดำเนินงาน” อนุมัติแล้วโดย นายประเสริฐ วงศ์ใหญ่ เมื่อ {when} ค่ะ\n"
                                     "ตอนนี้: รอ นายสมชาย ใจดี พิจารณา")
    assert "๒๕" in when  # a Buddhist-Era year
    assert state(runtime, "prasert") == "idle" and status(runtime) == "pending"


# --- 5. strangers ---------------------------------------------------------------------------------

def test_a_stranger_is_greeted_once_a_day_with_the_offices_contact(people, line, runtime):
    said = line.text("citizen", "สอบถามเรื่องการสอบบรรจุครูค่ะ")
    [greeting] = said
    text = greeting["text"]
    assert text.startswith("สวัสดีค่ะ ที่นี่คือบัญชี LINE ของสำนักงานเขตพื้นที่การศึกษาประถมศึกษาตาก เขต ๒\n")
    assert "โทร 0 5500 0000" in text and "https://www.example.org" in text
    assert enrol.GREETING_STAFF in text
    assert line.text("citizen", "ยังอยู่ไหมคะ") == [] and line.text("citizen", "สวัสดี") == []
    with runtime.factory() as session:  # the next day: greeted again
        session.execute(update(Conversation).where(Conversation.line_user_id == user_id("citizen"))
                        .values(data={enrol.GREETED_ON: "2000-01-01"}))
        session.commit()
    assert line.text("citizen", "สวัสดีค่ะ")[0]["text"] == text


def test_a_linked_user_pasting_their_code_again_is_told_they_are_linked(app, office, line):
    code = invite(app, "kanya")
    line.text("kanya-phone", code)
    [said] = line.text("kanya-phone", code)
    assert said["text"] == enrol.ALREADY_YOURS.format(name="คุณกัญญา")
    [said] = line.text("someone-else", code)  # from another account it is still a used code
    assert said["text"] == enrol.REFUSALS["used"]


# --- 8. small talk and refusals --------------------------------------------------------------------

def test_thanks_stickers_and_a_staff_member_asking_for_pending_items(people, line, runtime):
    assert [m["text"] for m in line.text("kanya", "ขอบคุณค่ะ")] == [commands.THANKS_BACK]
    assert line.send(sticker(line, "kanya")) == []  # nothing waits: silence
    [said] = line.text("kanya", "รออนุมัติ")
    assert said["text"] == decide.NOT_A_DIRECTOR and quick_labels(said) == ["รายการของฉัน"]
    [said] = line.text("kanya", "พรุ่งนี้ประชุมกี่โมง")
    assert said["text"] == help.NOT_UNDERSTOOD and "วิธีใช้" in quick_labels(said)
    said = start_document(line)
    said = line.text("kanya", "ขอบคุณค่ะ")  # at a step that takes no text: thanks, then the question
    assert said[0]["text"] == commands.THANKS_BACK and said[-1]["type"] == "flex"
    line.tap("kanya", data(said[-1], "1.3 กิจกรรม โครงการ"))
    said = line.send(sticker(line, "kanya"))  # a step waits: its question again
    assert said[-1]["text"] == submit.ASK_TITLE_OR_FILE_NAME and titles(runtime) == [""]


# --- 10. refused files -----------------------------------------------------------------------------

def test_a_refused_file_gets_one_answer_and_starts_nothing(people, line, runtime):
    said = start_document(line, name="คำสั่ง.pdf", content=samples.elf())
    [answer] = said
    assert answer["text"].startswith('ไม่สามารถรับไฟล์ "คำสั่ง.pdf" ได้ค่ะ\n')
    assert answer["text"].endswith("ยังไม่ได้เริ่มเรื่องจากไฟล์นี้ค่ะ ส่งไฟล์ที่ถูกต้องมาใหม่ได้เลย")
    assert "ได้รับไฟล์" not in answer["text"]
    assert status(runtime) == "cancelled" and state(runtime, "kanya") == "idle"
    said = start_document(line)  # and the next file starts afresh
    assert said[0]["text"].startswith('ได้รับไฟล์ "รายงาน_ผลการดำเนินงาน-ไตรมาส1.pdf" แล้วค่ะ')


def test_a_second_file_during_a_draft_can_start_the_new_item(people, line, runtime):
    to_title_step(line)
    said = start_document(line, name="คำสั่งแต่งตั้ง.pdf")
    [asked] = said
    assert asked["text"].startswith('ตอนนี้กำลังทำเรื่อง "รายงาน_ผลการดำเนินงาน-ไตรมาส1.pdf" อยู่ค่ะ '
                                    'จะทำอย่างไรกับไฟล์ "คำสั่งแต่งตั้ง.pdf" คะ')
    assert quick_labels(asked) == ["ทำเรื่องเดิมต่อ", "เริ่มเรื่องใหม่"]
    said = line.tap("kanya", data(asked, "เริ่มเรื่องใหม่"))
    assert said[0]["text"].startswith('ได้รับไฟล์ "คำสั่งแต่งตั้ง.pdf" แล้วค่ะ') and said[-1]["type"] == "flex"
    assert status(runtime, 1) == "cancelled" and status(runtime, 2) == "draft"
    with runtime.factory() as session:
        assert [a.filename for a in session.get(Submission, 2).version().attachments] == ["คำสั่งแต่งตั้ง.pdf"]
        assert session.scalars(select(Attachment).where(Attachment.filename == "คำสั่งแต่งตั้ง.pdf")).one().status \
            == "stored"


def test_keeping_the_old_item_says_the_new_file_was_not_used(people, line, runtime):
    to_title_step(line)
    [asked] = start_document(line, name="คำสั่งแต่งตั้ง.pdf")
    said = line.tap("kanya", data(asked, "ทำเรื่องเดิมต่อ"))
    assert [m["text"] for m in said] == [submit.FILE_SET_ASIDE.format(name="คำสั่งแต่งตั้ง.pdf"),
                                         submit.ASK_TITLE_OR_FILE_NAME]
    assert state(runtime, "kanya") == "draft_title"
    with runtime.factory() as session:
        assert session.scalar(select(Submission).where(Submission.id == 2)) is None


def test_the_offices_website_in_the_org_file_must_be_an_address():
    bad = OFFICE_YAML.replace("website: https://www.example.org", "website: www.example.org")
    assert bad != OFFICE_YAML
    with pytest.raises(OrgFileError, match="'website' must be an address"):
        parse(bad)
    assert parse(OFFICE_YAML).office["phone"] == "0 5500 0000"
