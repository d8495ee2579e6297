"""Staff submit documents, activity photos and announcements through the chat (signed webhooks in,
the fake LINE out)."""

from __future__ import annotations

import io
import random
import threading

import pytest
from PIL import Image
from sqlalchemy import select

from bot.files.links import store
from bot.spine.db import transaction
from bot.workflow.submissions import expire_idle_drafts
from models import ApprovalStep, Attachment, OutboxMessage, Submission, utcnow
from tests import samples
from tests.flex import actions, arabic, data, joined
from tests.line_driver import user_id


def start_document(line, key="kanya", name="รายงาน_ผลการดำเนินงาน-ไตรมาส1.pdf", content=None, **kw):
    """Send a file; by default a 3-page PDF whose bytes are new each time (no duplicate notices)."""
    line.documents = getattr(line, "documents", 0) + 1
    content = content if content is not None else samples.pdf(3, marker=f"{key}-{line.documents}")
    return line.send(line.file_event(key, name, content, **kw))


def document_to_confirmation(line, key="kanya", category="1.3", title=None, content=None):
    said = start_document(line, key, content=content)
    picker = next(m for m in said if m["type"] == "flex")
    said = line.tap(key, data(picker, next(label for label in actions(picker) if arabic(label).startswith(category + " "))))
    if title is None:
        said = line.text(key, actions(said[-1])["ใช้ชื่อไฟล์"]["text"])
    else:
        said = line.text(key, title)
    return line.text(key, "ข้าม")


def test_document_path_to_the_confirmation_card(people, line):
    said = start_document(line)
    assert "ได้รับไฟล์ \"รายงาน_ผลการดำเนินงาน-ไตรมาส1.pdf\" แล้ว" in said[0]["text"]
    picker = said[1]
    assert picker["contents"]["type"] == "carousel"
    labels = [label for label in actions(picker)]
    # all 18 categories, paged, their codes in the office's Thai digits (the data keeps "1.3")
    assert len([label for label in labels if label[0] == "๑"]) == 18 and "๑.๓ กิจกรรม โครงการ" in labels
    assert picker["altText"] == "เลือกหมวดข้อมูล (ข้อ ๑.๑–๑.๑๘)"
    said = line.tap("kanya", data(picker, "๑.๓ กิจกรรม โครงการ"))
    suggestion = actions(said[-1])["ใช้ชื่อไฟล์"]
    assert suggestion["text"] == "รายงาน ผลการดำเนินงาน ไตรมาส1"
    said = line.text("kanya", suggestion["text"])
    assert "รายละเอียด" in said[-1]["text"]
    card = line.text("kanya", "ข้าม")[-1]
    shown = joined(card)
    assert "รายงาน ผลการดำเนินงาน ไตรมาส1" in shown
    assert "๑.๓" in shown and "PDF" in shown and "๓ หน้า" in shown
    assert "นายประเสริฐ วงศ์ใหญ่ → นายสมชาย ใจดี" in shown
    assert set(actions(card)) >= {"ส่งขออนุญาตเผยแพร่", "แก้ไข", "ยกเลิก"}


def test_submit_sends_the_approval_card_to_the_unit_director(people, line, fake):
    card = document_to_confirmation(line)[-1]
    said = line.tap("kanya", data(card, "ส่งขออนุญาตเผยแพร่"))
    assert "ส่งขออนุญาตเผยแพร่แล้ว" in said[-1]["text"] and "นายประเสริฐ วงศ์ใหญ่" in said[-1]["text"]
    [approval] = fake.messages_to(user_id("prasert"))
    shown = joined(approval)
    assert "ขั้นที่ ๑ จาก ๒" in shown and "นางสาวกัญญา พึ่งบุญ" in shown
    assert set(actions(approval)) >= {"อนุมัติ", "ส่งกลับแก้ไข", "ไม่อนุมัติ", "เปิดดูไฟล์"}
    # the preview link works without a LINE token, and only with its signature
    from urllib.parse import urlparse

    link = urlparse(actions(approval)["เปิดดูไฟล์"]["uri"]).path
    assert line.client.get(link).data.startswith(b"%PDF")
    assert line.client.get(link[:-3] + "xyz").status_code == 403


def test_an_executable_renamed_pdf_is_refused_with_the_reason(people, line, runtime):
    said = start_document(line, name="คำสั่ง.pdf", content=samples.elf())
    texts = [m.get("text", "") for m in said]
    assert any("ไม่ใช่ PDF ตามที่ตั้งชื่อไว้" in t for t in texts)
    with runtime.factory() as session:
        attachment = session.scalars(select(Attachment)).one()
        assert attachment.status == "refused" and attachment.sha256 is None
        assert session.get(Submission, 1).status == "cancelled"  # the file started it; it ends with it
    assert "การ์ดนี้ใช้ไม่ได้แล้ว" in line.tap("kanya", "v1/cat?d=1&c=1.3")[-1]["text"]
    # a good file now starts a new item
    said = line.send(line.file_event("kanya", "คำสั่ง.pdf", samples.pdf()))
    assert said[0]["text"].startswith("ได้รับไฟล์ \"คำสั่ง.pdf\" แล้วค่ะ")


def test_an_oversized_file_is_refused_before_download(people, line, fake):
    said = start_document(line, content=b"%PDF-1.4 tiny", size=80 * 1024 * 1024)
    assert "ใหญ่เกินกำหนด (50 MB)" in said[0]["text"]
    assert not [r for r in fake.requests if "/content" in r.path]


def test_expired_content_asks_to_send_again_and_blocks_submit(people, line, fake, runtime):
    event = line.file_event("kanya", "แผน.pdf", samples.pdf())
    fake.mark_content_gone(event["message"]["id"])
    said = line.send(event)
    assert any("ไม่สำเร็จ" in m.get("text", "") and "ส่งไฟล์นั้นใหม่" in m.get("text", "") for m in said)
    with runtime.factory() as session:
        assert session.scalars(select(Attachment)).one().status == "failed"


def test_the_same_bytes_twice_names_the_item_that_has_them(people, line):
    content = samples.pdf(2, marker="the same bytes")
    card = document_to_confirmation(line, title="แผนปฏิบัติการ 2570", content=content)[-1]
    line.tap("kanya", data(card, "ส่งขออนุญาตเผยแพร่"))
    said = start_document(line, key="wanpen", name="ซ้ำ.pdf", content=content)
    assert any("ซ้ำกับไฟล์ในเรื่อง #1 \"แผนปฏิบัติการ 2570\"" in m.get("text", "") for m in said)


def test_five_photos_of_one_set_in_shuffled_concurrent_order_make_one_album(people, line, runtime):
    colors = [(250, 0, 0), (0, 250, 0), (0, 0, 250), (250, 250, 0), (0, 250, 250)]
    events = [line.image_event("kanya", samples.jpeg_with_gps(c), image_set="SET1", index=i + 1, total=5)
              for i, c in enumerate(colors)]
    random.Random(7).shuffle(events)
    threads = [threading.Thread(target=lambda e=e: line.post(e)) for e in events]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    said = line.drain()
    assert [m["text"] for m in said if "ได้รับภาพแล้ว" in m.get("text", "")] == [
        "ได้รับภาพแล้ว ๕ ภาพค่ะ ส่งเพิ่มได้อีก\nกรุณาพิมพ์ชื่อกิจกรรม"]
    with runtime.factory() as session:
        [submission] = session.scalars(select(Submission)).all()
        photos = sorted(submission.version().attachments, key=lambda a: a.position)
        assert [p.position for p in photos] == [1, 2, 3, 4, 5]
        by_message = {e["message"]["id"]: e["message"]["imageSet"]["index"] for e in events}
        assert all(by_message[p.line_message_id] == p.position for p in photos)
        files = store(runtime.config)
        for photo, color in zip(photos, colors, strict=True):
            image = Image.open(io.BytesIO(files.open(photo.sha256)))
            assert not image.getexif()  # no EXIF at all, so no GPS
            assert 0x8825 not in image.getexif()
            r, g, b = image.convert("RGB").getpixel((10, 10))
            assert abs(r - color[0]) < 40 and abs(g - color[1]) < 40 and abs(b - color[2]) < 40


def test_photos_flow_name_date_caption_and_confirmation(people, line):
    line.send(line.image_event("kanya", samples.jpeg_with_gps()))
    said = line.text("kanya", "ประชุมปฏิบัติการจัดทำแผน")
    picker = actions(said[-1])["เลือกวันที่"]
    assert picker["type"] == "datetimepicker" and picker["mode"] == "date"
    said = line.tap("kanya", picker["data"], params={"date": "2026-11-20"})
    said = line.text("kanya", "บรรยากาศการประชุม")
    assert "เลือกหมวดข้อมูล" in said[0]["text"]
    card = line.tap("kanya", data(said[-1], "1.3 กิจกรรม โครงการ"))[-1]
    shown = joined(card)
    assert "๑ ภาพ" in shown and "๒๐ พฤศจิกายน ๒๕๖๙" in shown
    assert card["contents"]["hero"]["url"].startswith("https://prakat.example.go.th/f/")
    # more photos can still be added; the card is shown again with the new count
    said = line.send(line.image_event("kanya", samples.jpeg_with_gps((1, 2, 3))))
    assert said[0]["text"] == "เพิ่มภาพแล้วค่ะ รวม ๒ ภาพ" and "๒ ภาพ" in joined(said[1])
    assert "๑.๓" in joined(said[1])


def test_album_without_total_closes_after_a_quiet_period(people, line, runtime):
    from datetime import timedelta

    for _ in range(2):
        line.post(line.image_event("kanya", samples.jpeg_with_gps(), image_set="OLDANDROID"))
    assert [m for m in line.drain() if "ได้รับภาพ" in m.get("text", "")] == []
    later = utcnow() + timedelta(seconds=10)
    sender = runtime.sender(worker="t", now=lambda: later)
    while sender.run_once():
        pass
    assert "ได้รับภาพแล้ว ๒ ภาพ" in line.texts_to("kanya")[-1]
    asked = line.fake.messages_to(user_id("kanya"))[-1]
    assert [q["action"]["label"] for q in asked["quickReply"]["items"]] == ["ยกเลิกเรื่อง"]


def test_announcement_needs_a_body(people, line):
    said = line.text("kanya", "ส่งประกาศ")
    line.tap("kanya", data(said[-1], "1.18 ข้อมูลอื่น ๆ"))
    line.text("kanya", "ประกาศวันหยุดราชการ")
    said = line.text("kanya", "ข้าม")
    assert "ต้องมีเนื้อหา" in said[-2]["text"] and said[-1]["text"] == "กรุณาพิมพ์เนื้อหาประกาศค่ะ"
    card = line.text("kanya", "สำนักงานปิดทำการวันที่ 5 ธันวาคม")[-1]
    assert "สำนักงานปิดทำการวันที่ 5 ธันวาคม" in joined(card)


def test_unexpected_input_never_corrupts_the_draft(people, line, runtime):
    start_document(line)
    sticker = line.event("message", user="kanya", message={
        "type": "sticker", "id": line.next_message_id(), "packageId": "446", "stickerId": "1988",
        "stickerResourceType": "STATIC", "quoteToken": "q1"})
    said = line.send(sticker)  # the question again, with the picker
    assert "เลือกหมวด" in said[-2]["text"] and said[-1]["type"] == "flex"
    said = line.text("kanya", "สวัสดีค่ะ")
    assert "เลือกหมวด" in said[-2]["text"] and said[-1]["type"] == "flex"
    said = line.send(line.file_event("kanya", "อีกไฟล์.pdf", samples.pdf()))
    assert "กำลังทำเรื่อง" in said[-1]["text"]
    assert set(actions(said[-1])) == {"ทำเรื่องเดิมต่อ", "เริ่มเรื่องใหม่"}
    said = line.send(line.image_event("kanya", samples.jpeg_with_gps()))
    assert "กำลังทำเรื่อง" in said[-1]["text"]
    assert set(actions(said[-1])) == {"ทำเรื่องเดิมต่อ", "ยกเลิกเรื่องเดิม"}
    assert "การ์ดนี้ใช้ไม่ได้แล้ว" in line.tap("kanya", "v1/draft?d=999&a=submit")[-1]["text"]
    with runtime.factory() as session:
        [submission] = session.scalars(select(Submission)).all()
        assert submission.status == "draft" and len(submission.version().attachments) == 1
        assert submission.version().attachments[0].filename == "รายงาน_ผลการดำเนินงาน-ไตรมาส1.pdf"


def test_a_tap_on_an_old_confirmation_card(people, line):
    card = document_to_confirmation(line)[-1]
    line.tap("kanya", data(card, "ส่งขออนุญาตเผยแพร่"))
    said = line.tap("kanya", data(card, "ส่งขออนุญาตเผยแพร่"))
    assert "การ์ดนี้ใช้ไม่ได้แล้ว" in said[-1]["text"]


def test_cancel_and_idle_draft_expiry(people, line, runtime, fake):
    from datetime import timedelta

    card = document_to_confirmation(line)[-1]
    assert "ยกเลิกเรื่อง \"รายงาน ผลการดำเนินงาน ไตรมาส1\" แล้วค่ะ" in line.tap("kanya", data(card, "ยกเลิก"))[-1]["text"]
    start_document(line, key="wanpen")
    with transaction(runtime.factory) as session:
        expired = expire_idle_drafts(session, utcnow() + timedelta(hours=25))
        assert len(expired) == 1
    line.drain()
    assert "หมดอายุ" in line.texts_to("wanpen")[-1]
    said = line.text("wanpen", "สวัสดี")[-1]  # back to idle: the fallback and its choices
    assert "ไม่เข้าใจ" in said["text"] and "ส่งเอกสาร" in actions(said)


def test_my_items_shows_states_and_withdraw_tells_the_approver(people, line, fake):
    card = document_to_confirmation(line, title="ประกาศผลการประเมิน")[-1]
    line.tap("kanya", data(card, "ส่งขออนุญาตเผยแพร่"))
    said = line.tap("kanya", "v1/menu?m=mine")
    shown = joined(said[-1])
    assert "ประกาศผลการประเมิน" in shown and "รอ นายประเสริฐ วงศ์ใหญ่ พิจารณา" in shown
    said = line.tap("kanya", data(said[-1], "ถอนเรื่อง"))
    assert "ถอนเรื่องเรียบร้อยแล้ว" in said[-1]["text"]
    assert "ถอนเรื่อง #๑" in line.texts_to("prasert")[-1]
    # the director's old card now says so
    approval = fake.messages_to(user_id("prasert"))[0]
    said = line.tap("prasert", data(approval, "อนุมัติ"))
    assert "ผู้ส่งถอนเรื่องนี้แล้ว" in said[-1]["text"]


def test_a_stranger_cannot_see_or_withdraw_someone_elses_item(people, line, runtime):
    card = document_to_confirmation(line)[-1]
    line.tap("kanya", data(card, "ส่งขออนุญาตเผยแพร่"))
    said = line.tap("wanpen", "v1/mine?s=1&a=withdraw")
    assert "ไม่พบเรื่องนี้" in said[-1]["text"]
    with runtime.factory() as session:
        assert session.get(Submission, 1).status == "pending"
        assert session.scalars(select(ApprovalStep).where(ApprovalStep.status == "waiting")).one()


def test_a_file_bigger_than_it_claimed_is_refused_after_download(people, line, runtime):
    from dataclasses import replace

    runtime.config = replace(runtime.config, max_file_mb=1)  # as MAX_FILE_MB=1 would
    said = start_document(line, content=samples.pdf(1) + b"%" + b"x" * (1024 * 1024 + 10), size=1000)
    assert any("ใหญ่เกินกำหนด (1 MB)" in m.get("text", "") for m in said)
    with runtime.factory() as session:
        assert session.scalars(select(Attachment)).one().status == "refused"


def test_photo_cards_have_no_hero_image_without_https(people, line, runtime):
    from dataclasses import replace

    runtime.config = replace(runtime.config, public_base_url="http://localhost:8000")  # sandbox default
    line.send(line.image_event("kanya", samples.jpeg_with_gps()))
    line.text("kanya", "กิจกรรมวันครู")
    line.text("kanya", "วันนี้")
    said = line.text("kanya", "ข้าม")
    card = line.tap("kanya", data(said[-1], "1.3 กิจกรรม โครงการ"))[-1]
    assert "hero" not in card["contents"] and "๑ ภาพ" in joined(card)  # and LINE accepted it


def test_an_unsent_photo_leaves_the_draft_but_a_sent_item_keeps_its_record(people, line, runtime):
    first = line.image_event("kanya", samples.jpeg_with_gps(), image_set="S", index=1, total=2)
    second = line.image_event("kanya", samples.jpeg_with_gps((9, 9, 9)), image_set="S", index=2, total=2)
    line.send(first, second)
    line.send(line.event("unsend", user="kanya", reply=False, unsend={"messageId": first["message"]["id"]}))
    with runtime.factory() as session:
        [photo] = session.scalars(select(Attachment)).all()
        assert photo.line_message_id == second["message"]["id"]
    line.text("kanya", "กิจกรรม")
    line.text("kanya", "วันนี้")
    card = line.tap("kanya", data(line.text("kanya", "ข้าม")[-1], "1.3 กิจกรรม โครงการ"))[-1]
    assert "๑ ภาพ" in joined(card)
    line.tap("kanya", data(card, "ส่งขออนุญาตเผยแพร่"))
    line.send(line.event("unsend", user="kanya", reply=False, unsend={"messageId": second["message"]["id"]}))
    with runtime.factory() as session:
        assert session.scalars(select(Attachment)).one().status == "stored"
        from models import AuditEntry

        assert [e.action for e in session.scalars(select(AuditEntry).where(AuditEntry.action.like("unsend%")))] == [
            "unsend_removed", "unsend_kept"]


def test_an_unsent_photo_is_never_downloaded(people, line, runtime, fake):
    photo = line.image_event("kanya", samples.jpeg_with_gps())
    line.post(photo)  # its download is queued, not performed yet
    unsent = line.event("unsend", user="kanya", reply=False, unsend={"messageId": photo["message"]["id"]})
    assert line.post(unsent).status_code == 200
    line.drain()
    with runtime.factory() as session:
        [download] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "download")).all()
        assert (download.status, download.last_error, download.attempts) == ("failed", "unsent by the user", 0)
        assert session.scalars(select(Attachment)).all() == []
    fetched = [r for r in fake.requests if r.path == f"/v2/bot/message/{photo['message']['id']}/content"]
    assert fetched == []
    assert not any("ไม่สำเร็จ" in t for t in line.texts_to("kanya"))  # cancelled, not a failure to report


def test_an_announcement_cannot_lose_its_body_in_the_core(people, runtime):
    from bot.office.org import person_by_key
    from bot.workflow import submissions
    from bot.workflow.submissions import DraftError

    with transaction(runtime.factory) as session:
        kanya = person_by_key(session, "kanya")
        item = submissions.start_draft(session, kanya, "announcement", utcnow())
        item.category_code = "1.18"
        item.version().title = "ประกาศวันหยุดราชการ"
        assert submissions.missing_for_submit(session, item) == ["เนื้อหาประกาศ"]
        with pytest.raises(DraftError, match="ประกาศต้องมีเนื้อหา"):
            submissions.set_description(item, "   ")
        submissions.set_description(item, " สำนักงานปิดทำการวันที่ 5 ธันวาคม ")
        assert item.version().description == "สำนักงานปิดทำการวันที่ 5 ธันวาคม"
        assert submissions.missing_for_submit(session, item) == []
        # other kinds may go without a description
        document = submissions.start_draft(session, kanya, "document", utcnow())
        submissions.set_description(document, "")
        assert "เนื้อหาประกาศ" not in submissions.missing_for_submit(session, document)


def test_a_broken_file_is_replaced_even_outside_the_confirmation_step(people, line, runtime, fake):
    said = start_document(line)
    with transaction(runtime.factory) as session:  # the file broke after it was received
        session.scalars(select(Attachment)).one().status = "failed"
    # still at the category step, yet the broken file may be replaced by a good one
    said = start_document(line, name="รายงานฉบับถูกต้อง.pdf")
    assert "กำลังรับไฟล์ใหม่ \"รายงานฉบับถูกต้อง.pdf\" แทนไฟล์เดิมค่ะ" in said[0]["text"]
    with runtime.factory() as session:
        [attachment] = session.scalars(select(Attachment)).all()
        assert (attachment.filename, attachment.status) == ("รายงานฉบับถูกต้อง.pdf", "stored")
    # a good file is not replaced before the confirmation step: the user is asked what to do
    said = start_document(line, name="อีกไฟล์.pdf")
    assert "กำลังทำเรื่อง" in said[0]["text"]
