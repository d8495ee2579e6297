"""The personal-data check before approval (PDPA): real Thai files made in tests/pii_samples.py,
read in the worker (text layer, Word, Excel, OCR of scans and photos), found with their page,
shown masked on the submitter's confirmation and on every approval card, never in the logs or on
the portal; a director may still approve, and the log says so."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from bot.privacy import check, detect
from bot.privacy.extract import Budget
from bot.privacy.scan import check_bytes
from bot.spine.audit import history
from bot.spine.db import transaction
from bot.thai.dates import thai_digits
from models import Attachment, FileScan, OutboxMessage, utcnow
from tests import pii_samples, samples
from tests.flex import actions, arabic, data, joined
from tests.line_driver import user_id
from tests.test_approvals import latest_card, submit_document
from tests.test_files import make_zip
from tests.test_submit import document_to_confirmation

VALID_DIGITS = pii_samples.VALID_ID.replace("-", "")
FOUND = thai_digits(f"พบเลขประจำตัวประชาชน 1 รายการ หน้า {pii_samples.PAGE}")  # the card's digits


# --- each kind of file: the valid ID with its page, never the invalid one -----------------------

@pytest.mark.parametrize("maker, kind, ocr_pages", [
    (pii_samples.text_pdf, "pdf", 0),
    (pii_samples.scanned_pdf, "pdf", 2),  # no text layer at all: both pages read by OCR
    (pii_samples.docx, "docx", 0),
    (pii_samples.xlsx, "xlsx", 0),
    (pii_samples.photo, "jpeg", 1),
])
def test_each_sample_shows_its_valid_id_with_its_page_and_not_the_invalid_one(maker, kind, ocr_pages):
    result = check_bytes(maker(), kind)
    assert result.status == "done" and result.ocr_pages == ocr_pages
    ids = [f for f in result.findings if f["kind"] == "national_id"]
    page = 1 if kind == "jpeg" else pii_samples.PAGE
    assert [f["page"] for f in ids] == [page]  # one: the invalid-checksum ID is not reported
    assert ids[0]["masked"].endswith("450") or ids[0]["masked"].endswith("45-0")
    assert VALID_DIGITS not in ids[0]["masked"].replace("-", "")


def test_a_scan_larger_than_its_budget_says_what_it_left_unread():
    result = check_bytes(pii_samples.scanned_pdf(), "pdf", Budget(ocr_pages=1))
    assert (result.status, result.pages, result.pages_read) == ("partial", 2, 1)
    assert result.findings == []  # page 2, the one with the ID, was not read: and it says so


def test_a_blank_scanned_page_is_read_without_tesseract_and_a_written_one_with_it(monkeypatch):
    import pytesseract

    asked = []
    real = pytesseract.image_to_string
    monkeypatch.setattr(pytesseract, "image_to_string",
                        lambda image, **kw: asked.append(image.size) or real(image, **kw))
    blank = check_bytes(samples.pdf(2), "pdf")  # two white pages: nothing on them to find
    assert (blank.status, blank.pages_read, blank.findings, asked) == ("done", 2, [], [])
    written = check_bytes(pii_samples.scanned_pdf(), "pdf")
    assert len(asked) == 2 and [f["page"] for f in written.findings if f["kind"] == "national_id"] == [2]
    from PIL import Image, ImageDraw

    from bot.privacy import ocr

    pale = Image.new("L", (400, 100), 255)
    ImageDraw.Draw(pale).text((10, 40), "081-234-5678", fill=185)  # faded print is still read
    ocr.read(pale, 10)
    assert len(asked) == 3


def test_a_file_that_runs_out_of_time_is_partial_not_clear():
    result = check_bytes(pii_samples.text_pdf(), "pdf", Budget(seconds=0))
    assert (result.status, result.pages, result.pages_read, result.findings) == ("partial", 2, 0, [])


def test_a_damaged_or_unknown_file_is_a_failed_check_not_a_crash():
    assert check_bytes(b"%PDF-1.7 not really", "pdf").status == "failed"
    assert check_bytes(b"PK\x03\x04junk", "docx").status == "failed"


# --- what counts as personal data -----------------------------------------------------------

@pytest.mark.parametrize("text, kind", [
    ("เลข 1101700203450", "national_id"),
    ("เลข ๑ ๑๐๑๗ ๐๐๒๐๓ ๔๕ ๐", "national_id"),
    ("3-4201-00567-89-5", "national_id"),  # the sample's invalid ID with its right check digit
    ("โทร 081-234-5678", "phone"),
    ("มือถือ ๐๙๑ ๒๓๔ ๕๖๗๘", "phone"),
    ("+66 81 234 5678", "phone"),
    ("โทร. 0 5551 1234", "phone"),
    ("02-123-4567", "phone"),
    ("โอนเข้า 123-4-56789-0", "bank_account"),
    ("เลขที่บัญชี 020012345678 ธนาคารออมสิน", "bank_account"),
    ("ติดต่อ kanya.s@gmail.com", "email"),
])
def test_what_is_found(text, kind):
    assert [f.kind for f in detect.find(text, 1)] == [kind]


@pytest.mark.parametrize("text", [
    "เลข 3-4201-00567-89-2",  # wrong check digit
    "คะแนน 10 12 15 18 19 20 3",  # a table of numbers
    "ลงวันที่ 01/02/2567 ที่ ศธ 04089/1234 เลขที่ 2567/0012",
    "งบประมาณ 1,234,567.00 บาท รหัส 12345678901",
    "ติดต่อ saraban@tak2.go.th",  # an office address, published on purpose
])
def test_what_is_not_found(text):
    assert detect.find(text, 1) == []


def test_an_offices_published_number_is_not_personal_in_any_way_it_is_written():
    public = detect.phone_numbers("0 5500 0000 ต่อ 12, โทรสาร ๐ ๕๕๐๐ ๐๐๐๑")
    assert public == {"055000000", "055000001"}
    text = "โทร. 055-000-000 โทรสาร +66 5500 0001 ผู้ประสานงาน 081-234-5678"
    assert [f.masked for f in detect.find(text, 1, public)] == ["xxx-xxx-5678"]
    assert len(detect.find(text, 1)) == 3  # without the office's numbers: all three


def test_the_letterhead_phone_of_the_office_is_not_flagged_but_a_persons_number_is(people, line, runtime):
    memo = pii_samples.memo_pdf("สำนักงานเขตพื้นที่การศึกษาประถมศึกษาตาก เขต ๒ โทร. ๐ ๕๕๐๐ ๐๐๐๐",
                                "เรื่อง ประชาสัมพันธ์การรับสมัคร")
    card = document_to_confirmation(line, "kanya", title="ประกาศรับสมัคร", content=memo)[-1]
    assert "ตรวจแล้ว ไม่พบ" in joined(card) and "เบอร์โทรศัพท์" not in joined(card)
    memo = pii_samples.memo_pdf("โทร. ๐ ๕๕๐๐ ๐๐๐๐", "ติดต่อคุณกัญญา 081-234-5678")
    card = document_to_confirmation(line, "manee", title="ประกาศรับสมัคร ๒", content=memo)[-1]
    assert thai_digits("พบเบอร์โทรศัพท์ 1 รายการ") in joined(card) and "5678" in joined(card).translate(
        str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789"))


def test_values_are_masked():
    found = detect.find("1-1017-00203-45-0 081-234-5678 kanya.s@gmail.com 123-4-56789-0", 1)
    assert [f.masked for f in found] == ["x-xxxx-xxxxx-45-0", "xxx-x-xx789-0", "xxx-xxx-5678",
                                        "k***@gmail.com"]


# --- through the chat: the confirmation, the cards, a prepared reason, the audit -------------------

def test_the_finding_is_on_the_confirmation_and_the_approval_card_with_a_prepared_reason(
        people, line, fake, runtime):
    card = document_to_confirmation(line, "kanya", title="คำสั่งแต่งตั้งคณะกรรมการ",
                                    content=pii_samples.text_pdf())[-1]
    assert FOUND in joined(card) and "x-xxxx-xxxxx-45-0" in joined(card)
    line.tap("kanya", data(card, "ส่งขออนุญาตเผยแพร่"))
    approval = latest_card(fake, "prasert")
    assert FOUND in joined(approval) and VALID_DIGITS not in str(approval)
    said = line.tap("prasert", data(approval, "ส่งกลับแก้ไข"))
    reason = actions(said[-1])["ลบข้อมูลส่วนบุคคล"]["text"]
    assert f"เลขประจำตัวประชาชน 1 รายการ หน้า {pii_samples.PAGE}" in reason
    line.text("prasert", reason)
    told = fake.messages_to(user_id("kanya"))[-1]["text"]
    assert "ลบหรือปิดทับข้อมูลส่วนบุคคล" in told and VALID_DIGITS not in told


def test_a_director_may_approve_anyway_and_the_log_says_so_without_the_values(
        people, line, fake, runtime, client, caplog):
    caplog.set_level(logging.DEBUG)
    card = document_to_confirmation(line, "kanya", title="คำสั่งแต่งตั้งคณะกรรมการ",
                                    content=pii_samples.docx())
    line.tap("kanya", data(card[-1], "ส่งขออนุญาตเผยแพร่"))
    line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    second = latest_card(fake, "somchai")  # every approval card carries it
    assert FOUND in joined(second)
    line.tap("somchai", data(second, "อนุมัติ"))
    with runtime.factory() as session:
        approvals = [e.data for e in history(session, 1) if e.action == "approve"]
    assert [a.get("personal_data") for a in approvals] == [{"national_id": 1}] * 2
    page = client.get("/p/1").get_data(as_text=True)
    assert "ข้อมูลส่วนบุคคล" not in page and "xxxxx" not in page
    for digits in (VALID_DIGITS, "01700203", "๑๐๑๗"):
        assert digits not in caplog.text


def test_nothing_found_says_checked_and_an_approval_has_nothing_to_log(people, line, fake, runtime):
    submit_document(line)
    approval = latest_card(fake, "prasert")
    assert "ตรวจแล้ว ไม่พบ" in joined(approval)
    line.tap("prasert", data(approval, "ส่งกลับแก้ไข"))
    assert "ลบข้อมูลส่วนบุคคล" not in actions(fake.messages_to(user_id("prasert"))[-1])


def _scan_not_run_yet(runtime, queued_at=None):
    """The state right after the file was stored, before the busy worker reached its scan:
    the check queued (as bot.privacy.check.queue leaves it), its effect not yet due."""
    with transaction(runtime.factory) as session:
        session.execute(delete(OutboxMessage).where(OutboxMessage.kind == "scan"))
        session.execute(delete(FileScan))
        for sha in session.scalars(select(Attachment.sha256).where(Attachment.sha256.is_not(None))):
            check.queue(session, sha, "pdf", office_id=None)
        session.execute(update(FileScan).values(queued_at=queued_at or utcnow()))
    _hold_scans(runtime, utcnow() + timedelta(hours=1))


def _hold_scans(runtime, until):
    with transaction(runtime.factory) as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.kind == "scan",
                                                   OutboxMessage.status == "pending")
                        .values(next_attempt_at=until))


def test_an_item_waits_for_its_check_and_is_shown_the_result_when_it_ends(people, line, fake, runtime):
    said = line.send(line.file_event("kanya", "คำสั่ง.pdf", pii_samples.text_pdf()))
    _scan_not_run_yet(runtime)
    picker = next(m for m in said if m["type"] == "flex")
    said = line.tap("kanya", data(picker, next(a for a in actions(picker) if arabic(a).startswith("1.3 "))))
    line.text("kanya", "คำสั่งแต่งตั้งคณะกรรมการ")
    card = line.text("kanya", "ข้าม")[-1]
    assert "กำลังตรวจไฟล์" in joined(card) and "ไม่พบ" not in joined(card)
    said = line.tap("kanya", data(card, "ส่งขออนุญาตเผยแพร่"))
    assert "รอตรวจข้อมูลส่วนบุคคลในไฟล์" in said[-1]["text"]
    assert [m for m in fake.messages_to(user_id("prasert")) if m["type"] == "flex"] == []
    _hold_scans(runtime, utcnow())
    said = line.drain()  # the check ends: the submitter gets a fresh confirmation
    assert said[0]["text"] == "ตรวจข้อมูลส่วนบุคคลในไฟล์เสร็จแล้วค่ะ" and FOUND in joined(said[1])
    line.tap("kanya", data(said[1], "ส่งขออนุญาตเผยแพร่"))
    assert FOUND in joined(latest_card(fake, "prasert"))


def test_a_check_that_takes_too_long_lets_the_item_go_and_its_card_follows(people, line, fake, runtime):
    said = line.send(line.file_event("kanya", "คำสั่ง.pdf", pii_samples.text_pdf()))
    _scan_not_run_yet(runtime, queued_at=utcnow() - timedelta(minutes=4))
    picker = next(m for m in said if m["type"] == "flex")
    line.tap("kanya", data(picker, next(a for a in actions(picker) if arabic(a).startswith("1.3 "))))
    line.text("kanya", "คำสั่งแต่งตั้งคณะกรรมการ")
    card = line.text("kanya", "ข้าม")[-1]
    line.tap("kanya", data(card, "ส่งขออนุญาตเผยแพร่"))
    first = latest_card(fake, "prasert")
    assert "ยังตรวจไม่เสร็จ กรุณาตรวจไฟล์ด้วยตนเอง" in joined(first)
    _hold_scans(runtime, utcnow())
    line.drain()
    cards = [m for m in fake.messages_to(user_id("prasert")) if "อนุมัติ" in actions(m)]
    again = cards[-1]
    assert len(cards) == 2 and FOUND in joined(again)
    assert data(again, "อนุมัติ") == data(first, "อนุมัติ")  # the same step: either card works


def test_scans_queued_together_run_one_at_a_time_and_all_finish(people, line, fake, runtime, monkeypatch):
    """Three sender threads, three scanned files, one slot (SCAN_SLOTS on two cores): OCR is taken
    a slot at a time, the others wait as short retries, and every file is checked in the end."""
    import bot.privacy.ocr as ocr
    from bot.workflow import personal_data

    running, most, lock, real = [0], [0], threading.Lock(), ocr.read

    def counted(image, timeout):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(0.2)  # long enough for the other threads to try
            return real(image, timeout)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(ocr, "read", counted)
    monkeypatch.setattr(personal_data, "SLOT_WAIT_SECONDS", 0.1)
    monkeypatch.setattr(personal_data, "_slots", threading.BoundedSemaphore(1))  # as on two cores
    for n, key in enumerate(("kanya", "wanpen", "manee")):
        line.post(line.file_event(key, f"สแกน{n}.pdf", pii_samples.scanned_pdf() + b" " * n))
    line.handle()  # the replies and the downloads (each queues its scan) wait in the outbox

    def sender_thread(n: int) -> None:  # each takes one row at a time, as a busy pool's threads do
        sender, deadline = runtime.sender(worker=f"t{n}"), time.monotonic() + 60
        while time.monotonic() < deadline:
            with runtime.factory() as session:  # downloaded, then checked
                if session.scalar(select(func.count()).select_from(FileScan)
                                  .where(FileScan.status == "done")) == 3:
                    return
            sender.run_once(limit=1) or time.sleep(0.05)

    threads = [threading.Thread(target=sender_thread, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with runtime.factory() as session:
        assert [s.status for s in session.scalars(select(FileScan))] == ["done"] * 3
        waited = session.scalar(select(func.max(OutboxMessage.attempts)).where(OutboxMessage.kind == "scan"))
    assert most[0] == 1
    assert waited > 1  # at least one scan found the slot taken and came back for it


def test_the_same_file_is_read_once(people, line, fake, runtime):
    content = pii_samples.text_pdf()
    submit_document(line)  # an unrelated item, so the next two share nothing but these bytes
    for key in ("kanya", "wanpen"):
        line.send(line.file_event(key, "คำสั่ง.pdf", content))
    with runtime.factory() as session:
        scans = session.scalar(select(func.count()).select_from(OutboxMessage)
                               .where(OutboxMessage.kind == "scan"))
        assert scans == 2  # the first item's file, and this one once


def test_a_photo_of_a_document_in_an_album_is_read_and_placed_by_its_number(people, line, fake, runtime):
    line.send(line.image_event("kanya", pii_samples.photo()))
    line.text("kanya", "ประชุมคณะกรรมการ")
    line.text("kanya", "วันนี้")
    said = line.text("kanya", "ข้าม")
    card = line.tap("kanya", data(said[-1], "1.3 กิจกรรม โครงการ"))[-1]
    assert "พบเลขประจำตัวประชาชน ๑ รายการ ภาพที่ ๑" in joined(card)
    line.tap("kanya", data(card, "ส่งขออนุญาตเผยแพร่"))
    assert "พบเลขประจำตัวประชาชน ๑ รายการ ภาพที่ ๑" in joined(latest_card(fake, "prasert"))


def test_a_kind_the_check_cannot_read_says_so_on_the_card(people, line, fake, runtime):
    archive = make_zip({"รายชื่อ.txt": pii_samples.VALID_ID})
    card = document_to_confirmation(line, "kanya", title="เอกสารแนบ", content=archive)[-1]
    assert "ไฟล์ ZIP ตรวจอัตโนมัติไม่ได้ กรุณาตรวจด้วยตนเอง" in joined(card)
    assert "ไม่พบ" not in joined(card)
    with runtime.factory() as session:
        assert session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "scan")).all() == []
