"""The check's state for an item: asking the worker to read a file, waiting for it (bounded),
and what was found, as counts per kind and place, in Thai lines for the cards.

Why the submitter waits: a card that reaches a director before the check has run must not
look like "nothing found". The worker reads a file while its sender is still choosing a category
and typing a title, so the wait is almost always over by the confirmation; when it is not, the
item cannot be sent until the check ends or SCAN_WAIT has passed since the file arrived. After
that wait the item may go, and its cards say the check is unfinished (and are sent again when it
ends), so a broken OCR never stops the office's work.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.privacy import detect
from bot.privacy.extract import SUPPORTED
from bot.privacy.scan import public_numbers
from bot.spine import outbox
from bot.spine.db import insert_ignoring_conflicts
from models import FileScan, SubmissionVersion, utcnow

SCAN_WAIT = timedelta(minutes=3)
NAMES = {"national_id": "เลขประจำตัวประชาชน", "phone": "เบอร์โทรศัพท์",
         "bank_account": "เลขบัญชีธนาคาร", "email": "อีเมล"}
SHOWN_PLACES = 5
TEXT_PLACE = 0  # the item's own title and description


def queue(session: Session, sha: str, kind: str | None, *, office_id: int | None) -> None:
    """Have the worker check these bytes, unless they were checked already (or are being)."""
    now = utcnow()
    supported = kind in SUPPORTED
    added = session.execute(insert_ignoring_conflicts(
        session, FileScan.__table__, sha256=sha, status="queued" if supported else "unsupported",
        findings=[], queued_at=now, finished_at=None if supported else now)
        .returning(FileScan.sha256)).first()
    if added is None:
        scan = session.get(FileScan, sha)
        if scan.status != "failed":
            return
        scan.status, scan.queued_at, scan.problem = "queued", now, None  # the same file, sent again
    if supported:
        outbox.effect(session, "scan", {"sha256": sha, "kind": kind}, office_id=office_id)


@dataclass
class Check:
    """What the cards say about one version of an item."""

    waiting: bool = False  # a file is still being read, within SCAN_WAIT
    late: bool = False  # still being read after SCAN_WAIT
    counts: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)  # findings, then what was not checked

    @property
    def found(self) -> bool:
        return bool(self.counts)

    def summary(self) -> str:
        """The card's one value for the row "ข้อมูลส่วนบุคคล"."""
        if self.waiting:
            return "กำลังตรวจไฟล์ อีกสักครู่ค่ะ"
        if self.late:
            return "ยังตรวจไม่เสร็จ กรุณาตรวจไฟล์ด้วยตนเอง"
        return "\n".join(self.lines) if self.lines else "ตรวจแล้ว ไม่พบ"


def _places(unit: str, numbers: set[int]) -> str:
    text_place = TEXT_PLACE in numbers
    shown = sorted(numbers - {TEXT_PLACE})
    parts = []
    if shown:
        listed = ", ".join(str(n) for n in shown[:SHOWN_PLACES])
        more = f" และอีก {len(shown) - SHOWN_PLACES} {unit}" if len(shown) > SHOWN_PLACES else ""
        parts.append(f"{unit} {listed}{more}")
    if text_place:
        parts.append("ในรายละเอียด")
    return " ".join(parts)


def check_of(session: Session, version: SubmissionVersion, kind: str,
             now: datetime | None = None) -> Check:
    """The findings of every stored file of `version` and of its own text. Photos are placed
    by their number in the album, a workbook's by sheet, other files by page."""
    now = now or utcnow()
    check = Check()
    found: dict[str, list] = defaultdict(list)  # kind -> [(place, masked)]
    unit = "ภาพที่" if kind == "photos" else "หน้า"
    notes = []
    files = [a for a in version.attachments if a.status == "stored" and a.sha256]
    if any(a.status == "waiting" for a in version.attachments):
        check.waiting = True  # a file still coming from LINE is not checked yet: never "ไม่พบ"
    for attachment in files:
        scan = session.get(FileScan, attachment.sha256)
        if scan is None:
            notes.append("ไฟล์นี้ส่งมาก่อนมีการตรวจ กรุณาตรวจด้วยตนเอง")
            continue
        if scan.status == "queued":
            if now - scan.queued_at < SCAN_WAIT:
                check.waiting = True
            else:
                check.late = True
            continue
        if attachment.kind == "xlsx" and unit == "หน้า":
            unit = "แผ่นงาน"
        for item in scan.findings:
            place = attachment.position if kind == "photos" else item["page"]
            found[item["kind"]].append((place, item["masked"]))
        if scan.status == "partial":
            notes.append(f"ตรวจได้ {scan.pages_read or 0} จาก {scan.pages or 0} {unit} ที่เหลือกรุณาตรวจเอง"
                         if kind != "photos" else f"ภาพที่ {attachment.position} อ่านไม่ได้ กรุณาตรวจเอง")
        elif scan.status == "unsupported":
            notes.append(f"ไฟล์ {(attachment.kind or '').upper()} ตรวจอัตโนมัติไม่ได้ กรุณาตรวจด้วยตนเอง")
        elif scan.status == "failed":
            notes.append("ตรวจไฟล์ไม่สำเร็จ กรุณาตรวจด้วยตนเอง")
    for item in detect.find(f"{version.title}\n{version.description or ''}", TEXT_PLACE,
                            public_numbers(session)):
        found[item.kind].append((TEXT_PLACE, item.masked))
    for name in detect.KINDS:
        if name in found:
            places = {p for p, _ in found[name]}
            check.counts[name] = len(found[name])
            check.lines.append(f"พบ{NAMES[name]} {len(found[name])} รายการ {_places(unit, places)} "
                               f"(เช่น {found[name][0][1]})")
    check.lines += list(dict.fromkeys(notes))
    return check


def return_reason(check: Check) -> str:
    """The prepared reason a director can send back with one tap (at most 300 characters, what
    LINE allows a quick reply's text)."""
    where = "; ".join(line.split(" (เช่น")[0].removeprefix("พบ") for line in check.lines
                      if line.startswith("พบ"))
    reason = f"กรุณาลบหรือปิดทับข้อมูลส่วนบุคคลในไฟล์ก่อนเผยแพร่ ({where}) แล้วส่งใหม่ค่ะ"
    return reason if len(reason) <= 300 else reason[:299] + "…"
