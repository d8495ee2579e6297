"""One fiscal quarter of demo history for the sandbox: documents and albums published in several
categories, one returned and corrected, one rejected, and the quarter's digest sent to management.

Made with the core's own calls (drafts, files downloaded from the fake LINE, submit, decide,
dispatch → publishing), dated back into the last quarter; every title says it is demo data.
"""

from __future__ import annotations

import io
import logging
import time
from datetime import UTC, datetime, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import func, select

from bot.digest.delivery import send_digest
from bot.office.org import person_by_key
from bot.render.pdf import ReportDoc, Section, report_pdf
from bot.sandbox.chat.events import message_id
from bot.spine.db import transaction
from bot.thai.dates import FiscalQuarter
from bot.workflow import machine, submissions
from bot.workflow.notify import dispatch
from models import ApprovalStep, Attachment, Office, Person, Submission, utcnow

log = logging.getLogger("prakat")
DEMO = " (ข้อมูลตัวอย่าง)"
# submitter, kind, category, title, day of the quarter, what the directors do (in order)
ITEMS = [
    ("kanya", "document", "1.6", "แผนปฏิบัติการประจำปีงบประมาณ", 3, ["approve", "approve"]),
    ("wanpen", "document", "1.9", "ประกาศผู้ชนะการเสนอราคาจัดซื้อวัสดุสำนักงาน", 10, ["approve", "approve"]),
    ("orapin", "document", "1.10", "คู่มือการปฏิบัติงานด้านการบริหารงานบุคคล", 17, ["approve", "approve"]),
    ("duangjai", "photos", "1.3", "อบรมครูวิทยาศาสตร์ระดับประถมศึกษา", 24, ["approve"]),
    ("somsak", "document", "1.8", "ข้อมูลสารสนเทศทางการศึกษา ปีการศึกษา 2569", 31, ["return", "approve", "approve"]),
    ("surachai", "photos", "1.12", "นิเทศติดตามการจัดการเรียนการสอนโรงเรียนในสังกัด", 45, ["approve"]),
    ("chatchai", "document", "1.11", "ขั้นตอนการขอมีบัตรประจำตัวเจ้าหน้าที่ของรัฐ", 52, ["reject"]),
    ("malee", "photos", "1.13", "ชุมชนแห่งการเรียนรู้ทางวิชาชีพ (PLC)", 66, ["approve"]),
    ("boonmee", "document", "1.9", "รายงานผลการจัดซื้อจัดจ้างประจำเดือน", 73, ["approve", "approve"]),
]
REASONS = {"return": "กรุณาแนบตารางสรุปข้อมูลรายโรงเรียน", "reject": "ซ้ำกับที่เผยแพร่แล้วในไตรมาสนี้"}


def _pdf(title: str, marker: str = "") -> bytes:
    return report_pdf(ReportDoc(title=title + DEMO, subtitle="เอกสารตัวอย่างของระบบทดลอง " + marker,
                                sections=[Section("ข้อมูลตัวอย่าง", ["ไม่ใช่เอกสารราชการจริง"])],
                                footer="ข้อมูลตัวอย่าง"))


def _photo(n: int) -> bytes:
    image = Image.new("RGB", (800, 600), ((40 + 50 * n) % 256, 120, (200 - 30 * n) % 256))
    ImageDraw.Draw(image).text((30, 30), f"DEMO {n}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _wait_for_files(runtime, ids: list[int], timeout: float = 60.0) -> None:
    """The sender downloads from the fake LINE; decisions wait until every file is stored."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with runtime.factory() as session:
            waiting = session.scalar(select(func.count()).select_from(Attachment).where(
                Attachment.id.in_(ids), Attachment.status == "waiting"))
        if not waiting:
            return
        time.sleep(0.1)
    raise RuntimeError("the demo's files were not downloaded in time")


def _draft(runtime, key, kind, category, title, at, files: list[tuple[str, bytes, str]]) -> tuple[int, list[int]]:
    fake = runtime.fake_line
    with transaction(runtime.factory) as session:
        person = person_by_key(session, key)
        item = submissions.start_draft(session, person, kind, at)
        item.category_code = item.category_code or category
        version = item.version()
        version.title = title + DEMO
        if kind == "photos":
            version.activity_date = at.date()
        attached = []
        for index, (name, data, mime) in enumerate(files, start=1):
            mid = message_id()
            fake.add_content(mid, data, mime)
            if kind == "photos":
                attached.append(submissions.add_photo(session, item, person, message_id=mid,
                                                      index=index, event_id=None))
            else:
                attached.append(submissions.add_document(session, runtime.config, item, person,
                                                         message_id=mid, filename=name, size=len(data),
                                                         event_id=None))
        submissions.set_description(item, "ข้อมูลตัวอย่างสำหรับทดลองใช้ระบบ")
        return item.id, [a.id for a in attached]


def _waiting_step(session, item_id: int) -> ApprovalStep:
    return session.scalars(select(ApprovalStep).where(
        ApprovalStep.submission_id == item_id, ApprovalStep.status == "waiting")).one()


def _one(runtime, key, kind, category, title, day, actions, quarter_start: datetime) -> None:
    at = quarter_start + timedelta(days=day, hours=2)
    files = ([(f"{title}.pdf", _pdf(title), "application/pdf")] if kind == "document"
             else [(f"{n}.jpg", _photo(n), "image/jpeg") for n in range(1, 4)])
    item_id, attached = _draft(runtime, key, kind, category, title, at, files)
    _wait_for_files(runtime, attached)
    config = runtime.config
    with transaction(runtime.factory) as session:
        item, person = session.get(Submission, item_id), person_by_key(session, key)
        dispatch(session, machine.submit(session, item, person, at, None), config=config, event_id=None)
    for n, action in enumerate(actions, start=1):
        at += timedelta(hours=20 * n)
        if action == "approve" and n > 1 and actions[n - 2] == "return":  # the correction first
            with transaction(runtime.factory) as session:
                item = session.get(Submission, item_id)
                submissions.new_version(session, item, at)
                mid, data = message_id(), _pdf(title, "ฉบับแก้ไข")
                runtime.fake_line.add_content(mid, data, "application/pdf")
                added = submissions.add_document(session, config, item, session.get(Person, item.submitter_id),
                                                 message_id=mid, filename=f"{title} ฉบับแก้ไข.pdf",
                                                 size=len(data), event_id=None)
                added_id = added.id
            _wait_for_files(runtime, [added_id])
            with transaction(runtime.factory) as session:
                item = session.get(Submission, item_id)
                dispatch(session, machine.resubmit(session, item, session.get(Person, item.submitter_id),
                                                   at, None),
                         config=config, event_id=None)
            at += timedelta(hours=4)
        with transaction(runtime.factory) as session:
            step = _waiting_step(session, item_id)
            dispatch(session, machine.decide(
                session, step_id=step.id, version=step.version, action=action, actor=step.approver,
                actor_line_user_id=step.approver.line_user_id, comment=REASONS.get(action),
                event_id=None, now=at), config=config, event_id=None)


def seed_history(runtime) -> bool:
    """Seed the last fiscal quarter once (only while no item exists); True when it did."""
    with runtime.factory() as session:
        if session.scalar(select(Submission.id).limit(1)) is not None:
            return False
    quarter = FiscalQuarter.of(utcnow()).previous()
    start = datetime.combine(quarter.first_day, datetime.min.time(), tzinfo=UTC)
    for row in ITEMS:
        _one(runtime, *row, quarter_start=start)
    with transaction(runtime.factory) as session:
        office = session.scalars(select(Office).order_by(Office.id)).first()
        send_digest(session, runtime.config, office.id, quarter, now=utcnow(), sent_by="demo")
    log.info("sandbox demo: %d items of %s seeded, its digest sent to management", len(ITEMS), quarter.code)
    return True
