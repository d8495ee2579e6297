"""Acting directors (รักษาราชการแทน): record one with its dates and order (คำสั่ง), see them all,
end one early. While one holds, the absent director's new cards go to the acting person."""

from __future__ import annotations

from datetime import date

from flask import g, request
from sqlalchemy import select

from bot.admin import changes
from bot.admin.auth import admin_required
from bot.admin.rows import done, owned, page, refused
from bot.office.org import OrgError, end_acting, set_acting
from bot.spine.ids import parse_id
from bot.thai.dates import Numerals, now_bangkok, parse_typed_date, to_bangkok
from models import ActingAssignment, Office, Person, Unit


def standing(assignment: ActingAssignment, today: date) -> str:
    """How an assignment stands today, in the words an office uses."""
    if assignment.ended_at is not None:  # ended by hand: before its first day, or while it held
        began = to_bangkok(assignment.ended_at).date() >= assignment.starts_on
        return "สิ้นสุดก่อนกำหนด" if began else "ยกเลิกก่อนเริ่ม"
    if assignment.ends_on < assignment.starts_on:  # ended before ended_at was kept
        return "ยกเลิกก่อนเริ่ม"
    if assignment.ends_on < today:
        return "สิ้นสุดแล้ว"
    if assignment.starts_on > today:
        return "ยังไม่เริ่ม"
    return "กำลังรักษาราชการแทน"


def directors(session, office: Office) -> list[Person]:
    """Who may be away with someone acting for them: the office's and its units' directors."""
    ids = set(session.scalars(select(Unit.director_id).where(
        Unit.office_id == office.id, Unit.active.is_(True), Unit.director_id.is_not(None))))
    if office.director_id:
        ids.add(office.director_id)
    return list(session.scalars(select(Person).where(Person.id.in_(ids), Person.active.is_(True))
                                .order_by(Person.name)))


def register(bp, runtime) -> None:
    @bp.get("/acting")
    @admin_required
    def acting():
        rows = g.db.scalars(select(ActingAssignment).where(ActingAssignment.office_id == g.office.id)
                            .order_by(ActingAssignment.starts_on.desc(), ActingAssignment.id.desc())).all()
        people = g.db.scalars(select(Person).where(Person.office_id == g.office.id,
                                                   Person.active.is_(True)).order_by(Person.name)).all()
        return page("admin/acting.html", assignments=rows, today=now_bangkok().date(),
                    standing=standing, absent_choices=directors(g.db, g.office), people=people,
                    form=request.args)

    @bp.post("/acting")
    @admin_required
    def acting_create():
        form = request.form
        starts, ends = parse_typed_date(form.get("starts", "")), parse_typed_date(form.get("ends", ""))
        order_text = " ".join(form.get("order", "").split())
        kept = {k: form.get(k, "") for k in ("absent", "acting", "starts", "ends", "order")}
        if starts is None or ends is None:
            return refused("admin.acting", "กรุณาพิมพ์วันที่แบบ วว/ดด/ปปปป (พ.ศ.) เช่น 5/12/2569 ค่ะ", **kept)
        if not order_text:
            return refused("admin.acting", "กรุณาระบุเลขที่คำสั่งที่แต่งตั้งผู้รักษาราชการแทนค่ะ", **kept)
        if len(order_text) > 300:
            return refused("admin.acting", "ข้อความคำสั่งยาวเกิน ๓๐๐ ตัวอักษรค่ะ", **kept)
        absent_id, acting_id = parse_id(form.get("absent", "")), parse_id(form.get("acting", ""))
        if absent_id is None or acting_id is None:
            return refused("admin.acting", "กรุณาเลือกผู้ที่ไม่อยู่และผู้รักษาราชการแทนค่ะ", **kept)
        absent, acting_person = owned(Person, absent_id), owned(Person, acting_id)
        try:
            assignment = set_acting(g.db, absent, acting_person, starts, ends, order_text)
        except OrgError as exc:
            return refused("admin.acting", exc.thai, **kept)
        g.db.flush()
        changes.record(g.db, g.admin, "admin.acting_set", assignment=assignment.id, absent=absent.key,
                       acting=acting_person.key, starts_on=starts.isoformat(), ends_on=ends.isoformat(),
                       order=order_text)
        nm = Numerals.of(g.office.digits)
        return done("admin.acting", f"บันทึกแล้วค่ะ {acting_person.name} รักษาราชการแทน{absent.name} "
                    f"{nm.date(starts, short=True)} – {nm.date(ends, short=True)}")

    @bp.post("/acting/<id:assignment_id>/end")
    @admin_required
    def acting_end(assignment_id: int):
        assignment = owned(ActingAssignment, assignment_id)
        try:
            end_acting(g.db, assignment, now_bangkok().date())
        except OrgError as exc:
            return refused("admin.acting", exc.thai)
        changes.record(g.db, g.admin, "admin.acting_ended", assignment=assignment.id,
                       ends_on=assignment.ends_on.isoformat())
        return done("admin.acting", f"สิ้นสุดการรักษาราชการแทนของ{assignment.acting.name}แล้วค่ะ "
                    f"งานกลับไปที่{assignment.absent.name}ตั้งแต่วันนี้")
