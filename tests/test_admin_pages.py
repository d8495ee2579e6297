"""The console's office pages, driven as an administrator does: sign in through the fake LINE
Login, then invite a new person and link them by the code, appoint an acting director and see
the next card go to them, resend a failed message, retract a publication, read and check the
audit log, preview and send the digest; another office's rows are never reached."""

from __future__ import annotations

import html
import io
import json
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.office.org import acting_for, person_by_key
from bot.spine.db import transaction
from bot.thai.dates import FiscalQuarter, now_bangkok
from models import (
    ActingAssignment,
    ApprovalStep,
    AuditEntry,
    Category,
    DigestRun,
    GroupChat,
    Invite,
    Office,
    OutboxMessage,
    Person,
    Publication,
    Submission,
    utcnow,
)
from tests.admin_login import login_settings, sign_in
from tests.browser import SHOTS, chromium, needs_chromium, serious_violations
from tests.conftest import OFFICE_YAML, link
from tests.factories import make_item
from tests.flex import data
from tests.line_driver import LineDriver, group_id, user_id
from tests.test_approvals import latest_card, submit_document
from webhook import create_app

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def config(config, fake):
    """The suite's settings with a LINE Login channel: conftest's app, runtime, client and line
    are the console's."""
    return replace(config, **login_settings(fake))


@pytest.fixture
def admin(runtime, client, line):
    """The example office with its personas linked, and its admin (pimchanok) signed in."""
    from bot.office.orgfile import load

    with transaction(runtime.factory) as session:
        load(session, OFFICE_YAML)
    for key in ("kanya", "prasert", "somchai", "pimchanok", "nittaya", "manee"):
        link(runtime, key)
    answer = sign_in(client, "pimchanok", runtime=runtime)
    assert answer.status_code == 302
    return client


def csrf(client) -> str:
    with client.session_transaction() as session:
        if "csrf" not in session:
            session["csrf"] = "t" * 43
        return session["csrf"]


def post(client, path: str, **form):
    return client.post(path, data={"csrf_token": csrf(client), **form})


def text_of(answer) -> str:
    return html.unescape(answer.get_data(as_text=True))


def followed(client, answer) -> str:
    """The page a POST redirected to, with its notice."""
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    return text_of(client.get(answer.headers["Location"]))


def be_typed(day) -> str:
    return f"{day.day}/{day.month}/{day.year + 543}"


def ids(runtime, *keys) -> list[int]:
    with runtime.factory() as session:
        return [person_by_key(session, key).id for key in keys]


def audit_actions(runtime) -> list[tuple[str, int | None, dict]]:
    with runtime.factory() as session:
        return [(e.action, e.actor_id, e.data) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("admin.%"),
                                     AuditEntry.action != "admin.signed_in").order_by(AuditEntry.id))]


# --- invites ---------------------------------------------------------------------------------

def test_a_new_person_is_linked_by_the_code_the_console_shows_as_a_qr(admin, runtime, line, fake):
    with transaction(runtime.factory) as session:
        office = session.scalars(select(Office)).one()
        unit = person_by_key(session, "kanya").unit_id
        session.add(Person(office_id=office.id, key="napat", name="นายณภัทร ใหม่มา",
                           position="นักวิเคราะห์นโยบายและแผน", unit_id=unit, roles=["staff"]))
    (napat,) = ids(runtime, "napat")
    listing = text_of(admin.get("/admin/invites"))
    assert "นายณภัทร ใหม่มา" in listing and "ยังไม่เชื่อม" in listing

    shown = post(admin, f"/admin/invites/{napat}")
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    page = text_of(shown)
    code = re.search(r'<p id="code"[^>]*>([A-Z0-9 ]+)</p>', page)[1].replace(" ", "")
    assert len(code) == 10
    # LINE's link opens the bot's chat (its basic id from the bot info) with the code typed in.
    assert f'href="https://line.me/R/oaMessage/%40000fake/?{code}"' in page
    assert '<svg role="img" aria-label="คิวอาร์โค้ดเชื่อมบัญชี LINE ของนายณภัทร ใหม่มา"' in page
    assert "ใช้ได้ครั้งเดียว" in page

    said = line.text("napat-phone", code)
    assert any("นายณภัทร" in m.get("text", "") for m in said), said
    with runtime.factory() as session:
        person = person_by_key(session, "napat")
        assert person.line_user_id == user_id("napat-phone") and person.linked_at is not None
    assert "เชื่อมแล้ว" in text_of(admin.get("/admin/invites")).split("นายณภัทร ใหม่มา")[1][:200]
    assert audit_actions(runtime) == [("admin.invite", ids(runtime, "pimchanok")[0],
                                       {"via": "console", "person": "napat"})]


def test_a_revoked_code_no_longer_links(admin, runtime, line):
    (somsak,) = ids(runtime, "somsak")
    page = text_of(post(admin, f"/admin/invites/{somsak}"))
    code = re.search(r'<p id="code"[^>]*>([A-Z0-9 ]+)</p>', page)[1].replace(" ", "")
    assert "ยกเลิกรหัสเชิญของนายสมศักดิ์ รุ่งเรืองแล้วค่ะ" in followed(
        admin, post(admin, f"/admin/invites/{somsak}/revoke"))
    assert "ไม่มีรหัสเชิญที่ยังใช้ได้" in followed(admin, post(admin, f"/admin/invites/{somsak}/revoke"))
    said = line.text("somsak-phone", code)
    assert said and not any("นายสมศักดิ์" in m.get("text", "") for m in said)
    with runtime.factory() as session:
        assert person_by_key(session, "somsak").line_user_id is None


def test_unlinking_frees_the_account_but_never_the_admins_own(admin, runtime):
    kanya, pimchanok, somsak = ids(runtime, "kanya", "pimchanok", "somsak")
    notice = followed(admin, post(admin, f"/admin/invites/{kanya}/unlink"))
    assert "ยกเลิกการเชื่อมบัญชี LINE ของนางสาวกัญญา พึ่งบุญแล้วค่ะ" in notice
    assert "ยกเลิกการเชื่อมบัญชีของตนเองไม่ได้" in followed(admin, post(admin, f"/admin/invites/{pimchanok}/unlink"))
    assert "ยังไม่ได้เชื่อมบัญชี LINE" in followed(admin, post(admin, f"/admin/invites/{somsak}/unlink"))
    with runtime.factory() as session:
        assert person_by_key(session, "kanya").line_user_id is None
        assert person_by_key(session, "pimchanok").line_user_id == user_id("pimchanok")
        unlink_rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "richmenu_unlink")).all()
        assert [r.payload["user_id"] for r in unlink_rows] == [user_id("kanya")]
    assert [a for a, _, _ in audit_actions(runtime)] == ["admin.unlinked"]


# --- group chats -----------------------------------------------------------------------------

def test_a_group_code_registers_the_pr_group(admin, runtime, line):
    assert "ยังไม่ได้ลงทะเบียน" in text_of(admin.get("/admin/groups"))
    page = text_of(post(admin, "/admin/groups/code", purpose="pr"))
    code = re.search(r'<p id="code"[^>]*>([A-Z0-9 ]+)</p>', page)[1].replace(" ", "")
    assert "รหัสลงทะเบียนกลุ่มงานประชาสัมพันธ์" in page
    line.send(line.event("join", group="pr-room", reply=True))
    line.send(line.text_event("nittaya", code, group="pr-room"))
    with runtime.factory() as session:
        group = session.scalars(select(GroupChat).where(GroupChat.group_id == group_id("pr-room"))).one()
        assert group.purpose == "pr"
    listing = text_of(admin.get("/admin/groups"))
    assert "ลงทะเบียนแล้ว เมื่อ" in listing
    assert "กรุณาเลือก" in followed(admin, post(admin, "/admin/groups/code", purpose="everyone"))


# --- acting directors ------------------------------------------------------------------------

def test_the_acting_director_gets_the_next_card_until_ended_early(admin, runtime, line, fake):
    today = now_bangkok().date()
    somchai, manee = ids(runtime, "somchai", "manee")
    form = {"absent": somchai, "acting": manee, "starts": be_typed(today),
            "ends": be_typed(today + timedelta(days=5)), "order": "คำสั่ง สพป.ตาก เขต ๒ ที่ 45/2569"}
    notice = followed(admin, post(admin, "/admin/acting", **form))
    assert "บันทึกแล้วค่ะ นางมณี ศรีสุข รักษาราชการแทนนายสมชาย ใจดี" in notice
    assert "กำลังรักษาราชการแทน" in notice and "45/2569" in notice

    submit_document(line, title="แผนปฏิบัติการประจำปี")
    line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    card = latest_card(fake, "manee")
    assert "แผนปฏิบัติการประจำปี" in json.dumps(card, ensure_ascii=False)
    assert not [m for m in fake.messages_to(user_id("somchai")) if m["type"] == "flex"]

    # The same dates again: the core's overlap rule answers in Thai, and nothing is added.
    clash = followed(admin, post(admin, "/admin/acting", **form))
    assert "ช่วงนี้มีนางมณี ศรีสุขรักษาราชการแทนนายสมชาย ใจดีอยู่แล้ว" in clash
    bad_date = followed(admin, post(admin, "/admin/acting", **{**form, "starts": "5/12/2026"}))
    assert "วว/ดด/ปปปป" in bad_date
    no_order = followed(admin, post(admin, "/admin/acting", **{**form, "order": "  "}))
    assert "เลขที่คำสั่ง" in no_order
    with runtime.factory() as session:
        (assignment,) = session.scalars(select(ActingAssignment)).all()

    ended = followed(admin, post(admin, f"/admin/acting/{assignment.id}/end"))
    assert "งานกลับไปที่นายสมชาย ใจดีตั้งแต่วันนี้" in ended
    # It held this morning (manee had a card): the record says it ended early, not that it never began.
    row = ended.split('id="acting-')[1]
    assert "สิ้นสุดก่อนกำหนด" in row and "ยกเลิกก่อนเริ่ม" not in row
    submit_document(line, title="คู่มือการปฏิบัติงาน")
    line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    assert "คู่มือการปฏิบัติงาน" in json.dumps(latest_card(fake, "somchai"), ensure_ascii=False)
    assert [a for a, _, _ in audit_actions(runtime)] == ["admin.acting_set", "admin.acting_ended"]
    # One for next week, called off before it began: it says so, and it never holds.
    later = {**form, "starts": be_typed(today + timedelta(days=7)), "ends": be_typed(today + timedelta(days=9))}
    followed(admin, post(admin, "/admin/acting", **later))
    with runtime.factory() as session:
        future = session.scalars(select(ActingAssignment).order_by(ActingAssignment.id.desc())).first()
    page = followed(admin, post(admin, f"/admin/acting/{future.id}/end"))
    assert "ยกเลิกก่อนเริ่ม" in page.split(f'id="acting-{future.id}"')[1].split("</tr>")[0]
    with runtime.factory() as session:
        assert acting_for(session, somchai, today + timedelta(days=8)) is None


# --- the queue and the outbox ----------------------------------------------------------------

def test_a_reminder_that_line_refuses_is_shown_and_resent(admin, runtime, line, fake):
    submit_document(line, title="รายงานผลการดำเนินงานไตรมาสที่ ๑")
    queue = text_of(admin.get("/admin/queue"))
    assert "รายงานผลการดำเนินงานไตรมาสที่ ๑" in queue and "นายประเสริฐ วงศ์ใหญ่" in queue
    with runtime.factory() as session:
        step = session.scalars(select(ApprovalStep).where(ApprovalStep.status == "waiting")).one()

    fake.fail_next(status=400, body={"message": "The request body has 1 error(s)",
                                     "details": [{"message": "May not be empty",
                                                  "property": "messages[0].text"}]})
    assert "ส่งการเตือนถึงนายประเสริฐ วงศ์ใหญ่แล้วค่ะ" in followed(admin, post(admin, f"/admin/queue/{step.id}/remind"))
    line.drain()
    assert not any("เรียนเตือน" in t for t in line.texts_to("prasert"))
    with runtime.factory() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "reminder")).one()
        assert row.status == "failed"
    page = text_of(admin.get("/admin/outbox"))
    assert f'id="outbox-{row.id}"' in page and "นายประเสริฐ วงศ์ใหญ่" in page
    assert "The request body has 1 error(s) (messages[0].text: May not be empty)" in page

    assert "ส่งข้อความที่" in followed(admin, post(admin, f"/admin/outbox/{row.id}/retry"))
    line.drain()
    assert any("เรียนเตือน" in t for t in line.texts_to("prasert"))
    with runtime.factory() as session:
        assert session.get(OutboxMessage, row.id).status == "sent"
        assert session.get(ApprovalStep, step.id).reminders_sent == 0  # the daily ones are unchanged
    assert "ไม่มีข้อความที่มีปัญหา" in text_of(admin.get("/admin/outbox"))
    assert "ส่งสำเร็จหรือกำลังส่งอยู่" in followed(admin, post(admin, f"/admin/outbox/{row.id}/retry"))
    assert [a for a, _, _ in audit_actions(runtime)] == ["admin.reminder", "admin.outbox_retry"]


def test_retry_all_resends_every_failed_row_of_the_office(admin, runtime, line, fake):
    submit_document(line)
    with runtime.factory() as session:
        step = session.scalars(select(ApprovalStep).where(ApprovalStep.status == "waiting")).one()
    fake.fail_next(2, status=400)
    for _ in range(2):
        followed(admin, post(admin, f"/admin/queue/{step.id}/remind"))
    line.drain()
    notice = followed(admin, post(admin, "/admin/outbox/retry-failed"))
    assert "ส่งใหม่ทั้งหมด ๒ ข้อความแล้วค่ะ" in notice
    line.drain()
    assert sum("เรียนเตือน" in t for t in line.texts_to("prasert")) == 2
    assert "ไม่มีข้อความที่ส่งไม่สำเร็จ" in followed(admin, post(admin, "/admin/outbox/retry-failed"))


# --- publications ----------------------------------------------------------------------------

def test_a_retracted_publication_leaves_the_portal_with_its_reason(admin, runtime, client):
    with transaction(runtime.factory) as session:
        item = make_item(session, title="ประกาศรับสมัครครูอัตราจ้าง")
        pid = session.scalars(select(Publication.id).where(Publication.submission_id == item.id)).one()
    assert client.get(f"/p/{pid}").status_code == 200
    listing = text_of(admin.get("/admin/publications"))
    assert "ประกาศรับสมัครครูอัตราจ้าง" in listing and "เผยแพร่อยู่" in listing

    record = admin.get(f"/admin/publications/{pid}/record.pdf")
    assert record.status_code == 200 and record.data.startswith(b"%PDF")

    assert "กรุณาระบุเหตุผล" in followed(admin, post(admin, f"/admin/publications/{pid}/retract", reason="x"))
    assert client.get(f"/p/{pid}").status_code == 200
    notice = followed(admin, post(admin, f"/admin/publications/{pid}/retract", reason="ประกาศผิดรอบ"))
    assert "ถอนการเผยแพร่เรื่อง \"ประกาศรับสมัครครูอัตราจ้าง\" แล้วค่ะ" in notice
    gone = client.get(f"/p/{pid}")
    assert gone.status_code == 410 and "ประกาศผิดรอบ" in text_of(gone)
    (pimchanok,) = ids(runtime, "pimchanok")
    with runtime.factory() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "retract")).one()
        assert entry.actor_id == pimchanok
    assert "ถูกถอนการเผยแพร่ไปแล้ว" in followed(admin, post(admin, f"/admin/publications/{pid}/retract", reason="อีกครั้ง"))


def test_an_approved_item_is_published_by_hand_once(admin, runtime, client):
    with transaction(runtime.factory) as session:
        item = make_item(session, state="approved", title="คู่มือการให้บริการ")
    listing = text_of(admin.get("/admin/publications"))
    assert "อนุมัติแล้ว รอเผยแพร่" in listing and "คู่มือการให้บริการ" in listing
    assert "เผยแพร่เรื่อง \"คู่มือการให้บริการ\" แล้วค่ะ" in followed(
        admin, post(admin, f"/admin/publications/publish/{item.id}"))
    with runtime.factory() as session:
        pub = session.scalars(select(Publication).where(Publication.submission_id == item.id)).one()
        publisher = pub.published_by_id
    assert publisher == ids(runtime, "pimchanok")[0]
    assert client.get(f"/p/{pub.id}").status_code == 200
    assert "เผยแพร่แล้ว" in followed(admin, post(admin, f"/admin/publications/publish/{item.id}"))
    with runtime.factory() as session:
        assert session.scalar(select(func.count()).select_from(Publication)) == 1


# --- the audit log ---------------------------------------------------------------------------

def test_the_audit_log_filters_exports_and_verifies(admin, runtime, line, fake):
    submit_document(line, title="เรื่องแรก")
    submit_document(line, title="เรื่องที่สอง")
    page = text_of(admin.get("/admin/audit?item=2"))
    assert "ส่งขออนุญาตเผยแพร่" in page and 'href="/admin/audit?item=2"' in page
    assert 'href="/admin/audit?item=1"' not in page
    (kanya,) = ids(runtime, "kanya")
    assert "ส่งขออนุญาตเผยแพร่" in text_of(admin.get(f"/admin/audit?person={kanya}"))
    today = now_bangkok().date()
    assert "ไม่พบบันทึก" in text_of(admin.get(f"/admin/audit?until={be_typed(today - timedelta(days=3))}"))
    assert "วว/ดด/ปปปป" in text_of(admin.get("/admin/audit?since=yesterday"))

    exported = admin.get("/admin/audit/export.csv?item=1")
    body = exported.get_data(as_text=True)
    assert body.startswith("\ufeffid,at_utc,action,actor") and "นางสาวกัญญา พึ่งบุญ" in body
    assert all(",submit," in row or ",draft," in row for row in body.strip().splitlines()[1:])
    rows = json.loads(admin.get(f"/admin/audit/export.json?person={kanya}").data)
    assert {r["actor"] for r in rows} == {"นางสาวกัญญา พึ่งบุญ"}
    assert admin.get("/admin/audit/export.json?since=nonsense").status_code == 400

    assert "บันทึกครบถ้วน ไม่มีการแก้ไข" in text_of(admin.get("/admin/audit?verify=1"))
    with transaction(runtime.factory) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "submit")).first()
        entry.data = {"edited": True}
        broken = entry.id
    assert f"ที่บันทึกเลขที่ {broken}" in text_of(admin.get("/admin/audit?verify=1")).translate(
        str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789"))


# --- the digest ------------------------------------------------------------------------------

def test_the_digest_is_previewed_for_any_quarter_and_sent_once(admin, runtime, line, fake):
    last = FiscalQuarter.of(utcnow()).previous()
    with transaction(runtime.factory) as session:
        make_item(session, title="ผลการดำเนินงานไตรมาส", at=last.start + timedelta(days=20))
    page = text_of(admin.get(f"/admin/digest?quarter={last.code}"))
    assert last.label(True) in page and f"/admin/digest/{last.code}/preview" in page
    assert admin.get(f"/admin/digest/{last.code}/preview").status_code == 200
    assert "ไม่พบไตรมาส" in followed(admin, admin.get("/admin/digest?quarter=2570Q9"))

    notice = followed(admin, post(admin, "/admin/digest/send", quarter=last.code))
    assert "ถึง ๑ แชตแล้วค่ะ" in notice and "ส่งรายงานไตรมาสนี้แล้ว" in notice
    line.drain()
    assert [m for m in fake.messages_to(user_id("somchai")) if m["type"] == "flex"]
    assert "ส่งไปแล้ว จึงไม่ส่งซ้ำ" in followed(admin, post(admin, "/admin/digest/send", quarter=last.code))
    # The quarter under way is not sent by hand: its digest would then never go out at its end.
    current = FiscalQuarter.of(utcnow())
    assert "ยังไม่จบ จึงยังส่งไม่ได้" in followed(admin, post(admin, "/admin/digest/send", quarter=current.code))
    with runtime.factory() as session:
        assert session.scalar(select(func.count()).select_from(DigestRun)) == 1


# --- refusals --------------------------------------------------------------------------------

def test_another_offices_rows_are_404_and_unchanged(admin, runtime):
    with transaction(runtime.factory) as session:
        other = Office(key="other", name="สำนักงานเขตพื้นที่การศึกษาอื่น", short_name="สพป.อื่น")
        session.add(other)
        session.flush()
        stranger = Person(office_id=other.id, key="stranger", name="นายคนอื่น", roles=["staff"])
        helper = Person(office_id=other.id, key="helper", name="นางผู้ช่วย", roles=["staff"])
        session.add_all([stranger, helper])
        session.flush()
        today = now_bangkok().date()
        assignment = ActingAssignment(office_id=other.id, absent_id=stranger.id, acting_id=helper.id,
                                      starts_on=today, ends_on=today + timedelta(days=3), order_text="")
        row = OutboxMessage(kind="push", target=user_id("stranger"), status="failed", office_id=other.id,
                            payload={"messages": [{"type": "text", "text": "x"}]}, finished_at=utcnow())
        session.add_all([assignment, row])
        session.flush()
        ids_ = {"person": stranger.id, "assignment": assignment.id, "row": row.id, "other": other.id}
    assert post(admin, f"/admin/invites/{ids_['person']}").status_code == 404
    assert post(admin, f"/admin/invites/{ids_['person']}/revoke").status_code == 404
    assert post(admin, f"/admin/acting/{ids_['assignment']}/end").status_code == 404
    assert post(admin, f"/admin/outbox/{ids_['row']}/retry").status_code == 404
    (somchai,) = ids(runtime, "somchai")
    today = now_bangkok().date()
    assert post(admin, "/admin/acting", absent=somchai, acting=ids_["person"], starts=be_typed(today),
                ends=be_typed(today), order="คำสั่งที่ 1/2569").status_code == 404
    assert "ส่งใหม่ทั้งหมด" not in text_of(admin.get("/admin/outbox"))
    assert "นายคนอื่น" not in text_of(admin.get("/admin/invites"))
    with runtime.factory() as session:
        assert session.scalar(select(func.count()).select_from(Invite)) == 6  # the fixture's links
        assert session.get(ActingAssignment, ids_["assignment"]).ends_on == today + timedelta(days=3)
        assert session.get(OutboxMessage, ids_["row"]).status == "failed"
        assert session.scalar(select(func.count()).select_from(ActingAssignment)) == 1
    assert audit_actions(runtime) == []


def test_a_post_without_the_csrf_token_changes_nothing(admin, runtime):
    somchai, manee = ids(runtime, "somchai", "manee")
    today = now_bangkok().date()
    answer = admin.post("/admin/acting", data={"absent": somchai, "acting": manee, "starts": be_typed(today),
                                               "ends": be_typed(today), "order": "คำสั่งที่ 1/2569"})
    assert answer.status_code == 400
    with runtime.factory() as session:
        assert session.scalar(select(func.count()).select_from(ActingAssignment)) == 0
        assert session.scalar(select(func.count()).select_from(Submission)) == 0


@pytest.mark.parametrize("path", ["/admin/invites", "/admin/groups", "/admin/acting", "/admin/queue",
                                  "/admin/publications", "/admin/outbox", "/admin/audit", "/admin/digest"])
def test_a_linked_non_admin_is_refused_every_page(runtime, client, line, path):
    from bot.office.orgfile import load

    with transaction(runtime.factory) as session:
        load(session, OFFICE_YAML)
    link(runtime, "kanya")
    sign_in(client, "kanya", runtime=runtime)
    answer = client.get(path)
    assert answer.status_code == 403 and "ไม่มีสิทธิ์" in text_of(answer)


# --- in a real browser -----------------------------------------------------------------------

class HttpClient:
    """What LineDriver needs of a Flask test client, over HTTP to a running app."""

    def __init__(self, base: str):
        self.base = base

    def post(self, path: str, data: bytes, headers: dict):
        import requests

        answer = requests.post(self.base + path, data=data, headers=headers, timeout=10)
        answer.data = answer.content
        return answer


@pytest.fixture
def served(database_url, tmp_path):
    """The app in sandbox mode on a real port, its fake LINE playing LINE and LINE Login; the
    handler stage and the sender run when the test says (LineDriver), so every step is settled."""
    import threading

    from werkzeug.serving import make_server

    from bot.office.orgfile import load
    from bot.spine.config import SANDBOX_SECRET, Config
    from tests.sandbox_server import _Quiet, free_port

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = Config(database_url=database_url, public_base_url=base, port=port,
                    data_dir=str(tmp_path / "data"), secret_key="admin-pages-test-key",
                    instance_path=str(tmp_path / "instance"), sandbox_demo=False).validated()
    app = create_app(config)
    runtime = app.extensions["prakat"]
    runtime.clients  # noqa: B018 - starts the fake LINE
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with transaction(runtime.factory) as session:
        load(session, OFFICE_YAML)
    for key in ("kanya", "prasert", "somchai", "pimchanok", "nittaya", "manee"):
        link(runtime, key)
    line = LineDriver(HttpClient(base), runtime.fake_line, runtime, SANDBOX_SECRET)
    try:
        yield base, runtime, line
    finally:
        server.shutdown()
        runtime.stop()


@needs_chromium
def test_an_admin_runs_the_office_from_a_phone(served):
    """Sign in through the sandbox LINE Login; invite and link a new person; appoint an acting
    director who then gets the card; resend a refused message; retract; every page passes axe."""
    base, runtime, line = served
    fake = runtime.fake_line
    with transaction(runtime.factory) as session:
        kanya = person_by_key(session, "kanya")
        session.add(Person(office_id=kanya.office_id, key="napat", name="นายณภัทร ใหม่มา",
                           position="นักวิเคราะห์นโยบายและแผน", unit_id=kanya.unit_id, roles=["staff"]))
    problems: dict[str, list[str]] = {}

    def check(page, name: str) -> None:
        page.screenshot(path=str(SHOTS / f"admin-{name}.png"), full_page=True)
        problems[name] = serious_violations(page)

    with chromium() as browser:
        page = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH").new_page()
        page.set_default_timeout(15_000)
        sign_in(page, "pimchanok", runtime=runtime, base=base)

        # A new person gets a code as a QR and as text; sending it to the bot links them.
        page.goto(f"{base}/admin/invites")
        check(page, "invites")
        page.get_by_role("button", name="ออกรหัสเชื่อมบัญชีให้นายณภัทร ใหม่มา").click()
        page.get_by_role("img", name="คิวอาร์โค้ดเชื่อมบัญชี LINE ของนายณภัทร ใหม่มา").wait_for()
        check(page, "invite-code")
        code = page.locator("#code").inner_text().replace(" ", "")
        said = line.text("napat-phone", code)
        assert any("นายณภัทร" in m.get("text", "") for m in said), said
        page.goto(f"{base}/admin/invites")
        assert "เชื่อมแล้ว" in page.locator("tr", has_text="นายณภัทร ใหม่มา").inner_text()

        # An acting director, appointed in the form, gets the next card meant for the director.
        page.goto(f"{base}/admin/acting")
        today = now_bangkok().date()
        page.get_by_label("ผู้ที่ไม่อยู่").select_option(label="นายสมชาย ใจดี (ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาตาก เขต ๒)")
        page.get_by_label("ผู้รักษาราชการแทน", exact=True).select_option(label="นางมณี ศรีสุข (รองผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาตาก เขต ๒)")
        page.get_by_label("ตั้งแต่วันที่").fill(be_typed(today))
        page.get_by_label("ถึงวันที่").fill(be_typed(today + timedelta(days=4)))
        page.get_by_label("คำสั่งที่แต่งตั้ง").fill("คำสั่ง สพป.ตาก เขต ๒ ที่ 45/2569")
        page.get_by_role("button", name="บันทึก").click()
        page.get_by_text("บันทึกแล้วค่ะ นางมณี ศรีสุข รักษาราชการแทนนายสมชาย ใจดี").wait_for()
        check(page, "acting")
        submit_document(line, title="แผนปฏิบัติการประจำปี")
        line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
        assert "แผนปฏิบัติการประจำปี" in json.dumps(latest_card(fake, "manee"), ensure_ascii=False)

        # A reminder LINE refuses shows on the outbox page with LINE's words, and is resent.
        submit_document(line, title="รายงานการประชุม")
        page.goto(f"{base}/admin/queue")
        check(page, "queue")
        fake.fail_next(status=400, body={"message": "The request body has 1 error(s)"})
        page.get_by_role("button", name=re.compile("เตือนนายประเสริฐ วงศ์ใหญ่ตอนนี้")).click()
        page.get_by_text("ส่งการเตือนถึงนายประเสริฐ วงศ์ใหญ่แล้วค่ะ").wait_for()
        line.drain()
        page.goto(f"{base}/admin/outbox")
        page.get_by_text("The request body has 1 error(s)").wait_for()
        check(page, "outbox")
        page.get_by_role("button", name=re.compile("ส่งข้อความที่ .* ใหม่")).click()
        page.get_by_text("ไม่มีข้อความที่มีปัญหา").wait_for()
        line.drain()
        assert any("เรียนเตือน" in t for t in line.texts_to("prasert"))

        # A publication retracted with a reason leaves the portal.
        with transaction(runtime.factory) as session:
            item = make_item(session, title="ประกาศรับสมัครครูอัตราจ้าง")
            pid = session.scalars(select(Publication.id).where(Publication.submission_id == item.id)).one()
        page.goto(f"{base}/admin/publications")
        check(page, "publications")
        row = page.locator(f"#publication-{pid}")
        row.get_by_text("ถอนการเผยแพร่", exact=True).click()
        row.get_by_label("เหตุผลที่ถอน").fill("ประกาศผิดรอบ")
        row.get_by_role("button", name="ยืนยันถอนการเผยแพร่").click()
        page.get_by_text("ถอนการเผยแพร่เรื่อง \"ประกาศรับสมัครครูอัตราจ้าง\" แล้วค่ะ").wait_for()
        gone = page.goto(f"{base}/p/{pid}")
        assert gone.status == 410 and "ประกาศผิดรอบ" in page.content()

        for name in ("groups", "audit", "digest"):
            page.goto(f"{base}/admin/{name}")
            check(page, name)
        page.get_by_role("button", name="ส่งถึงกลุ่มผู้บริหารและผู้อำนวยการตอนนี้").wait_for()
        page.goto(f"{base}/admin/audit")
        page.get_by_role("button", name="ตรวจความครบถ้วนของบันทึก").click()
        page.get_by_text("บันทึกครบถ้วน ไม่มีการแก้ไข").wait_for()
    assert {name: found for name, found in problems.items() if found} == {}


# --- editing keeps what the form does not show ----------------------------------------------------

def _what_a_form_does_not_show(runtime, key: str) -> tuple:
    with runtime.factory() as session:
        office = session.scalars(select(Office).where(Office.key == key)).one()
        rows = session.scalars(select(Category).where(Category.office_id == office.id)
                               .order_by(Category.sort_order)).all()
        return (office.address, office.logo, office.phone,
                [(c.code, c.name, c.short_name, c.regulated, c.minimum, c.active) for c in rows])


def test_adding_a_person_keeps_the_offices_own_categories_address_and_logo(runtime, client, tmp_path):
    """The console edits by exporting the office and loading it back: everything the export left
    out would be reset (its own categories to the announcement's 18, or refused once an item is
    in one)."""
    from PIL import Image

    from bot.office.orgfile import load

    logo = tmp_path / "logo.png"
    Image.new("RGB", (40, 40), (20, 60, 120)).save(logo)
    school = (ROOT / "examples" / "school.yaml").read_text(encoding="utf-8")
    b5 = '  - {code: "B5", name: ข้อมูลอื่นที่เป็นประโยชน์ต่อสาธารณะ, short: ข้อมูลอื่น ๆ}\n'
    assert b5 in school
    school = school.replace("  # logo: logo.png", f"  logo: {logo}").replace(
        b5, b5 + '  - {code: "B6", name: ข้อมูลที่เลิกใช้, short: เลิกใช้, active: false}\n')
    with transaction(runtime.factory) as session:
        load(session, school)
    before = _what_a_form_does_not_show(runtime, "cm-secondary")
    assert before[0] and before[1] == str(logo) and before[3][0][0] == "A1"
    assert ("B6", "ข้อมูลที่เลิกใช้", "เลิกใช้", False, False, False) in before[3]
    link(runtime, "pakorn")
    assert sign_in(client, "pakorn", runtime=runtime).status_code == 302
    added = post(client, "/admin/people", key="somsri", name="นางสมศรี ใจงาม", unit="sec-adm",
                 **{"role-staff": "on"})
    assert "เพิ่ม นางสมศรี ใจงาม แล้วค่ะ" in followed(client, added)
    assert _what_a_form_does_not_show(runtime, "cm-secondary") == before


def _png(color=(20, 60, 120), size=(900, 900)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def test_a_logo_is_uploaded_checked_shown_and_taken_off(admin, runtime, config):
    def logo() -> str | None:
        with runtime.factory() as session:
            return session.scalars(select(Office)).one().logo

    forged = admin.post("/admin/office/logo", data={"csrf_token": csrf(admin),
                                                    "logo": (io.BytesIO(b"<?php echo 1; ?>"), "logo.png")})
    assert "เปิดไฟล์นี้เป็นภาพไม่ได้ค่ะ" in followed(admin, forged) and logo() is None
    gif = io.BytesIO()
    __import__("PIL.Image", fromlist=["Image"]).new("RGB", (8, 8)).save(gif, "GIF")
    refused = admin.post("/admin/office/logo", data={"csrf_token": csrf(admin),
                                                     "logo": (io.BytesIO(gif.getvalue()), "logo.gif")})
    assert "ต้องเป็นไฟล์ PNG หรือ JPEG" in followed(admin, refused) and logo() is None

    saved = admin.post("/admin/office/logo", data={"csrf_token": csrf(admin),
                                                   "logo": (io.BytesIO(_png()), "ตรา.png")})
    page = followed(admin, saved)
    assert "บันทึกตราสำนักงานแล้วค่ะ" in page and 'alt="ตราของสพป.ตาก เขต ๒"' in page
    kept = Path(logo())
    assert kept.parent == (Path(config.data_dir) / "logos").resolve() and kept.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image
    with Image.open(kept) as image:
        assert max(image.size) == 600  # scaled for a letterhead
    shown = admin.get("/admin/office/logo.png")
    assert shown.status_code == 200 and shown.mimetype == "image/png" and shown.data == kept.read_bytes()
    assert ("admin.logo_set", ids(runtime, "pimchanok")[0], {"file": kept.name, "via": "console"}) \
        in audit_actions(runtime)

    removed = post(admin, "/admin/office/logo", remove="1")
    assert "นำตราสำนักงานออกแล้วค่ะ" in followed(admin, removed) and logo() is None
    assert admin.get("/admin/office/logo.png").status_code == 404


def test_the_office_page_lists_its_own_categories_and_saves_its_address(admin, runtime):
    from bot.office.orgfile import load

    with transaction(runtime.factory) as session:
        load(session, (ROOT / "examples" / "school.yaml").read_text(encoding="utf-8"))
    page = text_of(admin.get("/admin/"))
    assert page.count("<tr><td>1.") == 18 and "<tr><td>A1" not in page and "กฎหมาย ระเบียบ" not in page
    saved = post(admin, "/admin/office/edit", name="สำนักงานเขตพื้นที่การศึกษาประถมศึกษาตาก เขต ๒",
                 short_name="สพป.ตาก เขต ๒", director="somchai", address="๑๒๓ ถนนพหลโยธิน\r\n  อำเภอเมือง ตาก",
                 phone="0 5500 0000", publish_mode="portal", digits="thai",
                 **{"chain-document-unit_director": "1", "chain-document-office_director": "1",
                    "chain-announcement-unit_director": "1", "chain-announcement-office_director": "1",
                    "chain-photos-unit_director": "1",
                    "chain-regulated-unit_director": "1", "chain-regulated-office_director": "1"})
    assert "บันทึกข้อมูลสำนักงานแล้วค่ะ" in followed(admin, saved)
    with runtime.factory() as session:
        office = session.scalars(select(Office).where(Office.key == "office")).one()
        assert office.address == "๑๒๓ ถนนพหลโยธิน อำเภอเมือง ตาก"


def test_an_imported_file_cannot_make_the_server_read_or_show_its_own_files(admin, runtime, tmp_path):
    """The org file's paths (a holidays file, a logo) are for `org load` on the server: from the
    console they would read the server's files back into the page or onto the public notice."""
    secret = tmp_path / "settings.txt"
    secret.write_text("SECRET_KEY=do-not-show\n", encoding="utf-8")
    picture = tmp_path / "somewhere.png"
    picture.write_bytes(_png())
    for extra, said in ((f"holidays: {secret}\n", "ใส่ชื่อไฟล์วันหยุดไม่ได้"),
                        ("holidays: /proc/self/environ\n", "ใส่ชื่อไฟล์วันหยุดไม่ได้")):
        answer = admin.post("/admin/office/import", data={
            "csrf_token": csrf(admin), "orgfile": (io.BytesIO((OFFICE_YAML + extra).encode()), "office.yaml")})
        page = followed(admin, answer)
        assert said in page and "do-not-show" not in page and "SECRET" not in page
    with_logo = OFFICE_YAML.replace("  short_name:", f"  logo: {picture}\n  short_name:", 1)
    assert with_logo != OFFICE_YAML
    answer = admin.post("/admin/office/import", data={
        "csrf_token": csrf(admin), "orgfile": (io.BytesIO(with_logo.encode()), "office.yaml")})
    assert "ตราสำนักงานเปลี่ยนได้ด้วยการอัปโหลดภาพ" in followed(admin, answer)
    with runtime.factory() as session:
        office = session.scalars(select(Office)).one()
        assert office.logo is None and office.holidays == []
