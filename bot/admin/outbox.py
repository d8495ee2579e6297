"""The outbox as an operator needs it: sends that failed (with LINE's own error) or are stuck,
sent again one by one or all at once. A row keeps its retry key, so LINE never delivers twice."""

from __future__ import annotations

import contextlib
import json

from flask import g
from sqlalchemy import select

from bot.admin import changes
from bot.admin.auth import admin_required
from bot.admin.rows import done, owned, page, refused
from bot.spine import outbox
from bot.thai.dates import Numerals
from models import GroupChat, OutboxMessage, Person, utcnow

KINDS = {"reply": "ตอบกลับ", "push": "ส่งข้อความ", "download": "ดาวน์โหลดไฟล์จาก LINE",
         "richmenu_link": "ตั้งเมนู", "richmenu_unlink": "ถอดเมนู"}
GROUPS = {"pr": "กลุ่มงานประชาสัมพันธ์", "management": "กลุ่มผู้บริหาร"}


def line_error(row: OutboxMessage) -> str:
    """What LINE said, as it said it (its `message`, and the details when there are some)."""
    text = row.last_error or ""
    with contextlib.suppress(ValueError, AttributeError, TypeError):
        body = json.loads(text)
        details = "; ".join(f"{d.get('property', '')}: {d.get('message', '')}".strip(": ")
                            for d in body.get("details") or [])
        text = body.get("message", text) + (f" ({details})" if details else "")
    return text[:500]


def recipients(session, office_id: int, rows: list[OutboxMessage]) -> dict[str, str]:
    """Target id → the person's name or the group's purpose, never the raw LINE id alone."""
    targets = {r.target for r in rows if r.target}
    names = dict(session.execute(select(Person.line_user_id, Person.name).where(
        Person.office_id == office_id, Person.line_user_id.in_(targets))).all())
    for group_id, purpose in session.execute(select(GroupChat.group_id, GroupChat.purpose).where(
            GroupChat.group_id.in_(targets))).all():
        names[group_id] = GROUPS.get(purpose or "", "กลุ่มไลน์")
    return names


def register(bp, runtime) -> None:
    @bp.get("/outbox")
    @admin_required
    def outbox_page():
        rows = outbox.troubled(g.db, g.office.id, utcnow())
        return page("admin/outbox.html", rows=rows, names=recipients(g.db, g.office.id, rows),
                    kinds=KINDS, line_error=line_error,
                    failed=sum(r.status == "failed" for r in rows))

    @bp.post("/outbox/<id:row_id>/retry")
    @admin_required
    def outbox_retry(row_id: int):
        row = owned(OutboxMessage, row_id)
        try:
            outbox.requeue(row, utcnow())
        except outbox.RequeueRefused:
            return refused("admin.outbox_page", "ข้อความนี้ส่งสำเร็จหรือกำลังส่งอยู่ จึงไม่ต้องส่งใหม่ค่ะ")
        changes.record(g.db, g.admin, "admin.outbox_retry", rows=[row.id])
        return done("admin.outbox_page", f"ส่งข้อความที่ {Numerals.of(g.office.digits).n(row.id)} ใหม่แล้วค่ะ")

    @bp.post("/outbox/retry-failed")
    @admin_required
    def outbox_retry_all():
        now = utcnow()
        rows = [r for r in outbox.troubled(g.db, g.office.id, now, limit=1000) if r.status == "failed"]
        if not rows:
            return refused("admin.outbox_page", "ไม่มีข้อความที่ส่งไม่สำเร็จค่ะ")
        for row in rows:
            outbox.requeue(row, now)
        changes.record(g.db, g.admin, "admin.outbox_retry", rows=[r.id for r in rows])
        return done("admin.outbox_page", f"ส่งใหม่ทั้งหมด {Numerals.of(g.office.digits).n(len(rows))} ข้อความแล้วค่ะ")
