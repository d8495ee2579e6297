"""The audit log: one office's entries filtered by item, person or dates (B.E.), the hash chain
verified (bot.spine.audit.verify, as `flask audit verify`), the selection exported as CSV or JSON
(the same rows as `flask audit export`)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import Response, g, request
from sqlalchemy import select

from bot.admin.auth import admin_required
from bot.admin.rows import page
from bot.spine.audit import export_rows, export_text, search, verify
from bot.spine.ids import parse_id
from bot.thai.dates import BANGKOK, parse_typed_date
from models import Person

SHOWN = 300
ACTION_NAMES = {
    "draft": "เริ่มร่าง", "submit": "ส่งขออนุญาตเผยแพร่", "resubmit": "ส่งขออนุญาตเผยแพร่อีกครั้ง", "approve": "อนุมัติ",
    "approve_final": "อนุมัติขั้นสุดท้าย", "return": "ส่งกลับแก้ไข", "reject": "ไม่อนุมัติ",
    "withdraw": "ถอนเรื่อง", "publish": "เผยแพร่", "retract": "ถอนการเผยแพร่",
    "skip_step": "ข้ามขั้น", "reassign": "เปลี่ยนผู้พิจารณา", "refused": "ถูกปฏิเสธ",
    "digest.sent": "ส่งรายงานรายไตรมาส", "admin.invite": "ออกรหัสเชิญ",
    "admin.invite_revoked": "ยกเลิกรหัสเชิญ", "admin.unlinked": "ยกเลิกการเชื่อมบัญชี LINE", "admin.group_code": "ออกรหัสลงทะเบียนกลุ่ม",
    "admin.acting_set": "บันทึกผู้รักษาราชการแทน", "admin.acting_ended": "สิ้นสุดการรักษาราชการแทน",
    "admin.reminder": "ส่งการเตือน", "admin.outbox_retry": "ส่งข้อความใหม่",
    "admin.digest_sent": "สั่งส่งรายงานรายไตรมาส",
}


class Filters:
    """The query string read once: what to show, and a Thai sentence for each part it could not read."""

    def __init__(self, args, office_id: int, session):
        self.raw = {k: args.get(k, "").strip() for k in ("item", "person", "since", "until")}
        self.problems: list[str] = []
        self.item = self._number("item", "เลขที่เรื่องต้องเป็นตัวเลขค่ะ")
        self.person = self._number("person", "กรุณาเลือกบุคลากรจากที่มีให้เลือกค่ะ")
        if self.person is not None:
            person = session.get(Person, self.person)
            if person is None or person.office_id != office_id:  # another office's: not shown
                self.person = None
                self.problems.append("กรุณาเลือกบุคลากรจากที่มีให้เลือกค่ะ")
        self.since = self._day("since", 0)
        self.until = self._day("until", 1)  # to the end of that day

    def _number(self, key: str, problem: str) -> int | None:
        text = self.raw[key]
        if not text:
            return None
        if (number := parse_id(text)) is not None:
            return number
        self.problems.append(problem)
        return None

    def _day(self, key: str, plus: int) -> datetime | None:
        if not self.raw[key]:
            return None
        day = parse_typed_date(self.raw[key])
        if day is None:
            self.problems.append("กรุณาพิมพ์วันที่แบบ วว/ดด/ปปปป (พ.ศ.) เช่น 5/12/2569 ค่ะ")
            return None
        start = datetime.combine(day + timedelta(days=plus), time(), BANGKOK)
        return start.astimezone(UTC)

    def query(self) -> dict:
        return {"submission_id": self.item, "person_id": self.person, "since": self.since,
                "until": self.until}


def register(bp, runtime) -> None:
    @bp.get("/audit")
    @admin_required
    def audit():
        filters = Filters(request.args, g.office.id, g.db)
        entries = search(g.db, g.office.id, limit=SHOWN + 1, **filters.query())
        people = g.db.scalars(select(Person).where(Person.office_id == g.office.id)
                              .order_by(Person.name)).all()
        names = {p.id: p.name for p in people}
        checked = verify(g.db) if request.args.get("verify") else None
        return page("admin/audit.html", entries=entries[-SHOWN:][::-1], more=len(entries) > SHOWN,
                    filters=filters, people=people, names=names, actions=ACTION_NAMES,
                    checked=checked, shown=SHOWN)

    @bp.get("/audit/export.<fmt>")
    @admin_required
    def audit_export(fmt: str):
        if fmt not in ("csv", "json"):
            return Response("csv หรือ json เท่านั้นค่ะ", 404, mimetype="text/plain")
        filters = Filters(request.args, g.office.id, g.db)
        if filters.problems:
            return Response(" ".join(filters.problems), 400, mimetype="text/plain")
        text = export_text(export_rows(g.db, search(g.db, g.office.id, **filters.query())), fmt)
        body = ("\ufeff" + text) if fmt == "csv" else text  # the BOM lets Excel read Thai
        return Response(body, mimetype="text/csv" if fmt == "csv" else "application/json",
                        headers={"Content-Disposition": f'attachment; filename="audit-{g.office.key}.{fmt}"',
                                 "Cache-Control": "private, no-store"})
