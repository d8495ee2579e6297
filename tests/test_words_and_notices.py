"""What people read, through signed webhooks: how they are addressed (issue 14, problem 4), one
word for each thing (6), notices that end with the next step and titles cut after a whole word
(7), one digit style per message (9), every photo before approving and a post for the public (11),
and fewer pushes: one digest per person, one reminder a day (12)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.digest.delivery import send_digest
from bot.office.org import create_invite, person_by_key
from bot.spine.db import transaction
from bot.thai.dates import FiscalQuarter, thai_digits
from bot.thai.glossary import banned_in
from bot.thai.wrap import words
from bot.workflow.reminders import send_reminders
from models import ApprovalStep, Office, Submission, utcnow
from tests import samples
from tests.flex import actions, data, joined, texts
from tests.line_driver import group_id, user_id
from tests.test_approvals import latest_card, submit_document, submit_photos
from tests.test_publishing import PR_GROUP, office_ready  # noqa: F401
from tests.test_submit import document_to_confirmation

ARABIC = re.compile("[0-9]")
THAI = re.compile("[๐-๙]")


def set_digits(runtime, style: str) -> None:
    with transaction(runtime.factory) as session:
        session.scalars(select(Office)).one().digits = style


def every_text(messages: list[dict]) -> list[str]:
    """The texts of messages, their buttons and their quick replies: all a person reads."""
    out = []
    for m in messages:
        out += texts(m) if m["type"] == "flex" else [m.get("text", "")]
        out += list(actions(m))
    return out


# --- 4. people addressed properly --------------------------------------------------------

def _link_by_code(runtime, line, key: str) -> str:
    with transaction(runtime.factory) as session:
        code = create_invite(session, person_by_key(session, key), utcnow())
    return line.text(key, code)[-1]["text"]


def test_the_welcome_uses_the_given_name_and_says_role_and_unit_once(office, line):
    welcome = _link_by_code(office, line, "kanya")
    assert welcome.split("\n\n")[0] == (
        "สวัสดีค่ะ คุณกัญญา\n"
        "เชื่อมบัญชีเรียบร้อยแล้วค่ะ: นางสาวกัญญา พึ่งบุญ · นักวิเคราะห์นโยบายและแผนชำนาญการ กลุ่มนโยบายและแผน")
    director = _link_by_code(office, line, "prasert")
    assert director.split("\n\n")[0] == (
        "สวัสดีค่ะ ท่านผู้อำนวยการกลุ่มนโยบายและแผน\n"
        "เชื่อมบัญชีเรียบร้อยแล้วค่ะ: นายประเสริฐ วงศ์ใหญ่ · ผู้อำนวยการกลุ่มนโยบายและแผน")
    assert director.count("กลุ่มนโยบายและแผน") == 2  # the address and the position: the unit once
    pr = _link_by_code(office, line, "nittaya").split("\n\n")[0]
    assert pr.startswith("สวัสดีค่ะ คุณนิตยา\n") and pr.endswith("\nได้รับหน้าที่งานประชาสัมพันธ์ด้วยค่ะ")
    for said in (welcome, director, pr):
        assert "คุณนาย" not in said and "คุณนาง" not in said and "เจ้าหน้าที่, " not in said


# --- 6 and 7. the return path: one word each side, next steps, time limit ------------------

def test_the_return_path_says_one_word_on_each_side_and_what_comes_next(people, line, fake, runtime):
    submit_document(line)
    prompt = line.tap("prasert", data(latest_card(fake, "prasert"), "ส่งกลับแก้ไข"))[-1]
    assert prompt["text"] == ("กรุณาระบุเหตุผล เลือกจากปุ่มด้านล่างหรือพิมพ์เอง ภายใน ๑๕ นาทีค่ะ "
                              "(พิมพ์ \"ยกเลิก\" เพื่อกลับไปที่การ์ด)")
    said = line.text("prasert", "ข้อมูลไม่ครบถ้วน")
    assert said[-1]["text"] == (
        "บันทึกแล้วค่ะ: ส่งกลับแก้ไข เรื่อง #๑ \"รายงานผลการดำเนินงาน\"\n"
        "ตอนนี้เรื่องกลับไปที่ นางสาวกัญญา พึ่งบุญ เพื่อแก้ไขและส่งใหม่ ท่านจะได้รับการ์ดฉบับใหม่เมื่อส่งกลับมาค่ะ")
    notice = fake.messages_to(user_id("kanya"))[-1]
    assert notice["text"] == (
        "คุณกัญญาคะ เรื่อง #๑ \"รายงานผลการดำเนินงาน\" ส่งกลับแก้ไขโดย นายประเสริฐ วงศ์ใหญ่\n"
        "เหตุผล: ข้อมูลไม่ครบถ้วน\n"
        "แตะ \"แก้ไขและส่งใหม่\" เพื่อแก้ตามเหตุผลแล้วส่งฉบับที่ ๒ หรือทำภายหลังได้จากเมนู \"รายการของฉัน\" ค่ะ")
    assert list(actions(notice)) == ["แก้ไขและส่งใหม่"]  # the step it names, as its button
    said = line.tap("kanya", data(notice, "แก้ไขและส่งใหม่"))
    card = said[-1]
    assert "ส่งขออนุญาตเผยแพร่" in actions(card) and "ตรวจสอบฉบับที่ ๒ ก่อนส่ง" in joined(card)
    said = line.tap("kanya", data(card, "ส่งขออนุญาตเผยแพร่"))
    assert said[-1]["text"].startswith("ส่งฉบับที่ ๒ ขออนุญาตเผยแพร่แล้วค่ะ\nเรื่อง #๑ ")
    everything = every_text(fake.messages_to(user_id("kanya")) + fake.messages_to(user_id("prasert")))
    assert [t for t in everything if banned_in(t)] == []
    with runtime.factory() as session:
        assert session.get(Submission, 1).status == "pending"


def test_the_reject_notice_ends_politely_with_what_to_do_and_labels_are_cut_after_a_word(
        people, line, fake, runtime):
    submit_document(line)
    prompt = line.tap("prasert", data(latest_card(fake, "prasert"), "ไม่อนุมัติ"))[-1]
    labels = {item["action"]["label"]: item["action"]["text"] for item in prompt["quickReply"]["items"]}
    assert labels["ไม่เหมาะสมที่จะ…"] == "ไม่เหมาะสมที่จะเผยแพร่"  # the label shortened, the answer whole
    assert all(len(label) <= 20 for label in labels)
    line.text("prasert", "ไม่เหมาะสมที่จะเผยแพร่")
    notice = fake.messages_to(user_id("kanya"))[-1]
    assert notice["text"] == (
        "คุณกัญญาคะ เรื่อง #๑ \"รายงานผลการดำเนินงาน\" ไม่อนุมัติโดย นายประเสริฐ วงศ์ใหญ่\n"
        "เหตุผล: ไม่เหมาะสมที่จะเผยแพร่\n"
        "เรื่องนี้ปิดแล้วค่ะ หากปรับแล้วต้องการเผยแพร่ ส่งเป็นเรื่องใหม่ได้ "
        "หรือสอบถาม นายประเสริฐ วงศ์ใหญ่ ได้โดยตรงค่ะ")
    assert list(actions(notice)) == ["รายการของฉัน"]
    with runtime.factory() as session:
        assert session.get(Submission, 1).status == "rejected"


def test_a_director_is_told_who_has_the_item_now(people, line, fake):
    submit_document(line)
    said = line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    assert said[-1]["text"] == (
        "บันทึกแล้วค่ะ: อนุมัติ เรื่อง #๑ \"รายงานผลการดำเนินงาน\"\n"
        "ตอนนี้เรื่องอยู่ที่ นายสมชาย ใจดี (ขั้นที่ ๒ จาก ๒) ได้แจ้ง นางสาวกัญญา พึ่งบุญ แล้วค่ะ")
    assert line.texts_to("kanya")[-1] == (
        "เรื่อง #๑ \"รายงานผลการดำเนินงาน\" ผ่านการพิจารณาของ นายประเสริฐ วงศ์ใหญ่ แล้วค่ะ\n"
        "ตอนนี้รอ นายสมชาย ใจดี พิจารณา (ขั้นที่ ๒ จาก ๒) จะแจ้งผลให้ทราบทันทีค่ะ")
    said = line.tap("somchai", data(latest_card(fake, "somchai"), "อนุมัติ"))
    assert ("บันทึกแล้วค่ะ: อนุมัติ เรื่อง #๑ \"รายงานผลการดำเนินงาน\"\n"
            "อนุมัติครบทุกขั้นแล้ว เรื่องเผยแพร่บนเว็บไซต์ และได้แจ้ง นางสาวกัญญา พึ่งบุญ แล้วค่ะ") in \
        [m.get("text") for m in said]


def test_a_skipped_step_sends_no_progress_note_and_the_answer_says_who_has_it(people, line, fake):
    """The unit director sends his own document: his step is skipped, so the answer to the tap
    is the only message, and it names the office director."""
    card = document_to_confirmation(line, "prasert", title="แผนปฏิบัติการ")[-1]
    said = line.tap("prasert", data(card, "ส่งขออนุญาตเผยแพร่"))
    assert [m["text"] for m in said if m["type"] == "text"] == [
        "ส่งขออนุญาตเผยแพร่แล้วค่ะ\nเรื่อง #๑ \"แผนปฏิบัติการ\"\n"
        "ตอนนี้รอ นายสมชาย ใจดี พิจารณา (ขั้นที่ ๒ จาก ๒) จะแจ้งผลให้ทราบทันทีค่ะ\n"
        "ติดตามได้ที่เมนู \"รายการของฉัน\" ค่ะ"]
    assert "ข้ามขั้นที่ ๑ (ผู้ส่งเป็นผู้พิจารณาเอง)" in joined(latest_card(fake, "somchai"))


def test_long_titles_are_shortened_after_a_whole_word(people, line, fake):
    title = ("รายงานผลการดำเนินงานตามแผนปฏิบัติราชการประจำปีงบประมาณ จำนวนสิบสองโครงการ"
             "ของสำนักงานเขตพื้นที่การศึกษาประถมศึกษา")
    submit_document(line, title=title)
    said = line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    quoted = re.search(r"\"(.+?)\"", said[-1]["text"])[1]
    assert quoted.endswith("…") and len(quoted) <= 60
    head = quoted[:-1]
    boundaries = {len("".join(words(title)[:i])) for i in range(len(words(title)) + 1)}
    assert title.startswith(head) and len(head.rstrip()) in boundaries | {len(head)}
    assert len(head) in boundaries or title[len(head)] == " "  # never inside a word


# --- 9. one digit style per message -----------------------------------------------------

def test_one_digit_style_per_message_chosen_by_the_office(people, line, fake, runtime):
    submit_document(line, title="รายงานผลการดำเนินงาน")
    card = latest_card(fake, "prasert")
    typed = ("รายงานผลการดำเนินงาน", "รายงาน_ผลการดำเนินงาน-ไตรมาส1.pdf")  # what people typed or named stays
    shown = [t for t in texts(card) if t not in typed]
    assert not [t for t in shown if ARABIC.search(t)], shown  # Thai digits everywhere: the default
    assert "ขั้นที่ ๑ จาก ๒ · ฉบับที่ ๑" in joined(card)
    set_digits(runtime, "arabic")
    said = line.tap("prasert", data(card, "อนุมัติ"))
    assert said[-1]["text"].startswith("บันทึกแล้วค่ะ: อนุมัติ เรื่อง #1 ")
    assert "(ขั้นที่ 2 จาก 2)" in said[-1]["text"] and not THAI.search(said[-1]["text"])
    card = latest_card(fake, "somchai")
    assert not [t for t in texts(card) if THAI.search(t)], texts(card)


def test_the_digest_uses_the_office_digits_for_quarter_counts_and_durations(people, line, fake, runtime):
    with transaction(runtime.factory) as session:
        office = session.scalars(select(Office)).one()
        send_digest(session, runtime.config, office.id, FiscalQuarter(2570, 1),
                    now=datetime(2027, 1, 5, 2, tzinfo=UTC), sent_by="test")
    line.drain()
    [digest] = [m for m in fake.messages_to(user_id("somchai")) if m["type"] == "flex"]
    assert "ไตรมาสที่ ๑ ปีงบประมาณ ๒๕๗๐ (ต.ค.–ธ.ค. ๒๕๖๙)" in texts(digest)
    assert [t for t in texts(digest) if ARABIC.search(t)] == []
    assert "๐ เรื่อง" in texts(digest)


# --- 11. photos -------------------------------------------------------------------------

def test_the_director_can_open_every_photo_before_approving(people, line, fake, client):
    events = [line.image_event("kanya", samples.jpeg_with_gps((60 * i, 80, 30)), image_set="A3",
                               index=i, total=3) for i in (1, 2, 3)]
    for event in events:
        line.post(event)
    line.drain()
    line.text("kanya", "อบรมครูวิทยาศาสตร์")
    line.text("kanya", "วันนี้")
    said = line.text("kanya", "ข้าม")
    card = line.tap("kanya", data(said[-1], "1.3 กิจกรรม โครงการ"))[-1]
    line.tap("kanya", data(card, "ส่งขออนุญาตเผยแพร่"))
    approval = latest_card(fake, "prasert")
    gallery = actions(approval)["ดูภาพทั้งหมด (๓ ภาพ)"]
    assert gallery["type"] == "uri" and gallery["uri"].startswith("https://prakat.example.go.th/g/")
    page = client.get(gallery["uri"].removeprefix("https://prakat.example.go.th"))
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    html = page.get_data(as_text=True)
    assert html.count("<img ") == 3 and "ภาพทั้งหมด 3 ภาพ" in html
    for src in re.findall(r'<img src="https://prakat\.example\.go\.th(/f/[^"]+)"', html):
        assert client.get(src).status_code == 200
    assert client.get("/g/forged-token").status_code == 403
    line.tap("prasert", data(approval, "ไม่อนุมัติ"))
    line.text("prasert", "มีข้อมูลส่วนบุคคล")
    assert client.get(gallery["uri"].removeprefix("https://prakat.example.go.th")).status_code == 410


def test_the_pr_share_text_is_a_post_for_the_public(office_ready, line, fake):  # noqa: F811
    submit_photos(line, "อบรมครูวิทยาศาสตร์")
    line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    line.drain()
    share = [m["text"] for m in fake.messages_to(group_id(PR_GROUP)) if m["type"] == "text"][-1]
    today = datetime.now(UTC) + timedelta(hours=7)
    months = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม",
              "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")
    day = thai_digits(f"{today.day} {months[today.month - 1]} {today.year + 543}")
    assert share == (
        "📢 อบรมครูวิทยาศาสตร์\n\n"
        f"กลุ่มนโยบายและแผน สพป.ตาก เขต ๒ จัดกิจกรรม “อบรมครูวิทยาศาสตร์” เมื่อวันที่ {day} "
        "ขอขอบคุณทุกท่านที่ร่วมกิจกรรมค่ะ\n"
        "📸 ภาพกิจกรรม ๑ ภาพ\n\n"
        "👉 ชมภาพทั้งหมด: https://prakat.example.go.th/p/1\n\n"
        "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาตาก เขต ๒\n"
        "#สพปตากเขต๒ #กิจกรรมโครงการ #ภาพกิจกรรม")
    assert "1.3" not in share and "เผยแพร่ข้อมูล" not in share  # no codes, no memo wording


# --- 12. fewer pushes -------------------------------------------------------------------

def test_a_director_in_the_management_group_gets_the_digest_once(people, line, fake, runtime):
    from bot.office.org import create_group_code

    with transaction(runtime.factory) as session:
        office = session.scalars(select(Office)).one()
        code = create_group_code(session, office, "management", utcnow())
    fake.add_group(group_id("mgmt"), "ผู้บริหาร", [user_id("somchai"), user_id("manee")])
    line.send(line.text_event("somchai", code, group="mgmt"))  # the director registers it himself

    with transaction(runtime.factory) as session:
        office = session.scalars(select(Office)).one()
        result = send_digest(session, runtime.config, office.id, FiscalQuarter(2570, 1),
                             now=datetime(2027, 1, 5, 2, tzinfo=UTC), sent_by="test")
    line.drain()
    assert result.recipients == 1
    assert [m["type"] for m in fake.messages_to(group_id("mgmt"))][-1] == "flex"
    assert [m for m in fake.messages_to(user_id("somchai")) if m["type"] == "flex"] == []


def test_a_director_not_seen_in_the_group_still_gets_it_one_to_one(people, line, fake, runtime):
    from bot.office.org import create_group_code, register_group

    with transaction(runtime.factory) as session:
        office = session.scalars(select(Office)).one()
        register_group(session, group_id("mgmt"), create_group_code(session, office, "management", utcnow()),
                       utcnow())
        result = send_digest(session, runtime.config, office.id, FiscalQuarter(2570, 1),
                             now=datetime(2027, 1, 5, 2, tzinfo=UTC), sent_by="test")
    assert result.recipients == 2


def test_reminders_come_as_one_message_per_director_per_day(people, line, fake, runtime):
    submit_document(line, title="รายงานผลการดำเนินงาน")
    submit_document(line, title="แผนปฏิบัติการประจำปี")
    with transaction(runtime.factory) as session:
        for step in session.scalars(select(ApprovalStep).where(ApprovalStep.status == "waiting")):
            step.waiting_since = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # Thursday 10:00
    line.drain()
    fake.reset(keep_profiles=True)
    monday = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    with transaction(runtime.factory) as session:
        assert send_reminders(session, runtime.config, monday) == 2
    line.drain()
    said = fake.messages_to(user_id("prasert"))
    assert len(said) == 1
    assert said[0]["text"] == (
        "เรียนเตือนค่ะ ท่านผู้อำนวยการกลุ่มนโยบายและแผน มี ๒ เรื่องรอท่านพิจารณา\n"
        "• เรื่อง #๑ \"รายงานผลการดำเนินงาน\" รอตั้งแต่ ๒๖ พ.ย. ๒๕๖๙ ๑๐:๐๐ น.\n"
        "• เรื่อง #๒ \"แผนปฏิบัติการประจำปี\" รอตั้งแต่ ๒๖ พ.ย. ๒๕๖๙ ๑๐:๐๐ น.\n"
        "แตะ \"รออนุมัติ\" เพื่อเปิดการ์ดพิจารณาทีละเรื่องค่ะ")
    opened = line.tap("prasert", data(said[0], "รออนุมัติ"))
    assert opened[-1]["type"] == "flex" and opened[-1]["altText"] == "รออนุมัติ ๒ เรื่อง"
    with transaction(runtime.factory) as session:
        assert send_reminders(session, runtime.config, monday) == 0  # the same day again: nothing
