"""Units and people: add, edit, move to another unit, deactivate (and back); who is linked to
LINE and since when. Every change is a change of the office's org document, loaded back
through the org file's checks (bot.admin.orgedit), and audited."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.admin import changes, orgedit
from bot.admin.auth import admin_required
from bot.office.orgfile import FILE_ROLES
from models import Person, Unit

ROLE_NAMES = {"staff": "บุคลากร", "office_director": "ผู้อำนวยการสำนักงาน", "ict": "เจ้าหน้าที่ ICT",
              "pr": "ประชาสัมพันธ์", "admin": "ผู้ดูแลระบบ"}


def _units(db, office, *, active=True) -> list[Unit]:
    return list(db.scalars(select(Unit).where(Unit.office_id == office.id,
                                              Unit.active.is_(active)).order_by(Unit.id)))


def _people(db, office, *, active=True) -> list[Person]:
    return list(db.scalars(select(Person).where(Person.office_id == office.id,
                                                Person.active.is_(active)).order_by(Person.id)))


def _person(db, office, key: str) -> Person:
    """Only this office's people: another office's key is simply not found."""
    person = db.scalars(select(Person).where(Person.office_id == office.id, Person.key == key)).first()
    if person is None:
        abort(404)
    return person


def _unit(db, office, key: str) -> Unit:
    unit = db.scalars(select(Unit).where(Unit.office_id == office.id, Unit.key == key)).first()
    if unit is None:
        abort(404)
    return unit


def _entry(doc: dict, section: str, key: str) -> dict:
    return next(e for e in doc[section] if e["key"] == key)


def _save(doc: dict, action: str, done: str, **detail):
    """Load the changed document; on a broken rule nothing is kept and the reason is shown."""
    try:
        orgedit.save(g.db, g.office, doc)
    except orgedit.EditRefused as exc:
        g.db.rollback()
        flash(f"บันทึกไม่ได้ ยังไม่มีอะไรเปลี่ยนแปลงค่ะ: {exc}", "error")
        return False
    changes.record(g.db, g.admin, action, **detail)
    g.db.commit()
    flash(done)
    return True


def _roles(form) -> list[str]:
    return [r for r in FILE_ROLES if form.get(f"role-{r}")] or ["staff"]


def _unit_fields(form, entry: dict) -> dict:
    entry["name"] = form.get("name", "").strip()
    entry["director"] = form.get("director", "").strip()
    codes = [c.strip() for c in form.get("categories", "").replace(",", " ").split() if c.strip()]
    if codes:
        entry["categories"] = codes
    else:
        entry.pop("categories", None)
    return entry


def _person_fields(form, entry: dict) -> dict:
    entry["name"] = form.get("name", "").strip()
    position = form.get("position", "").strip()
    if position:
        entry["position"] = position
    else:
        entry.pop("position", None)
    entry["roles"] = _roles(form)
    return entry


def _set_unit(entry: dict, unit_key: str) -> None:
    if unit_key:
        entry["unit"] = unit_key
    else:
        entry.pop("unit", None)


def register(bp: Blueprint, runtime) -> None:
    @bp.route("/units", methods=["GET", "POST"])
    @admin_required
    def units():
        db, office = g.db, g.office
        if request.method == "POST":
            key = request.form.get("key", "").strip()
            doc = orgedit.current(db, office)
            if any(e["key"] == key for e in doc["units"]):
                flash(f"มีกลุ่มงานรหัส '{key}' อยู่แล้วค่ะ", "error")
            else:
                doc["units"].append(_unit_fields(request.form, {"key": key}))
                _save(doc, "admin.unit_added", "เพิ่มกลุ่มงานแล้วค่ะ", unit=key)
            return redirect(url_for("admin.units"))
        people = _people(db, office)
        count = {u.id: sum(1 for p in people if p.unit_id == u.id) for u in _units(db, office)}
        return render_template("admin/units.html", units=_units(db, office), people=people,
                               count=count, by_id={p.id: p for p in people})

    @bp.route("/units/<key>", methods=["GET", "POST"])
    @admin_required
    def unit_edit(key: str):
        db, office = g.db, g.office
        unit = _unit(db, office, key)
        if request.method == "POST" and unit.active:
            doc = orgedit.current(db, office)
            _unit_fields(request.form, _entry(doc, "units", key))
            if _save(doc, "admin.unit_edited", "บันทึกกลุ่มงานแล้วค่ะ", unit=key):
                return redirect(url_for("admin.units"))
            return redirect(url_for("admin.unit_edit", key=key))
        return render_template("admin/unit_edit.html", unit=unit, people=_people(db, office))

    @bp.post("/units/<key>/deactivate")
    @admin_required
    def unit_deactivate(key: str):
        db, office = g.db, g.office
        _unit(db, office, key)
        doc = orgedit.current(db, office)
        doc["units"] = [e for e in doc["units"] if e["key"] != key]
        _save(doc, "admin.unit_deactivated", "ปิดกลุ่มงานแล้วค่ะ", unit=key)
        return redirect(url_for("admin.units"))

    @bp.route("/people", methods=["GET", "POST"])
    @admin_required
    def people():
        db, office = g.db, g.office
        if request.method == "POST":
            key = request.form.get("key", "").strip()
            doc = orgedit.current(db, office)
            taken = db.scalars(select(Person.id).where(Person.office_id == office.id,
                                                       Person.key == key)).first()
            if taken is not None:
                flash(f"มีบุคลากรรหัส '{key}' อยู่แล้วค่ะ (ดูในรายชื่อที่ปิดการใช้งานด้วย)", "error")
            else:
                entry = _person_fields(request.form, {"key": key})
                _set_unit(entry, request.form.get("unit", "").strip())
                doc["people"].append(entry)
                _save(doc, "admin.person_added", f"เพิ่ม {entry['name']} แล้วค่ะ", person=key)
            return redirect(url_for("admin.people"))
        units = _units(db, office)
        return render_template("admin/people.html", people=_people(db, office),
                               inactive=_people(db, office, active=False), units=units,
                               unit_names={u.id: u.name for u in units}, roles=FILE_ROLES,
                               role_names=ROLE_NAMES)

    @bp.route("/people/<key>", methods=["GET", "POST"])
    @admin_required
    def person_edit(key: str):
        db, office = g.db, g.office
        person = _person(db, office, key)
        if request.method == "POST" and person.active:
            doc = orgedit.current(db, office)
            _person_fields(request.form, _entry(doc, "people", key))
            if _save(doc, "admin.person_edited", "บันทึกข้อมูลบุคลากรแล้วค่ะ", person=key):
                return redirect(url_for("admin.people"))
            return redirect(url_for("admin.person_edit", key=key))
        return render_template("admin/person_edit.html", person=person, units=_units(db, office),
                               roles=FILE_ROLES, role_names=ROLE_NAMES)

    @bp.post("/people/<key>/move")
    @admin_required
    def person_move(key: str):
        db, office = g.db, g.office
        person = _person(db, office, key)
        old = person.unit.key if person.unit else None
        doc = orgedit.current(db, office)
        new = request.form.get("unit", "").strip()
        _set_unit(_entry(doc, "people", key), new)
        _save(doc, "admin.person_moved", "ย้ายกลุ่มงานแล้วค่ะ", person=key, from_unit=old,
              to_unit=new or None)
        return redirect(url_for("admin.person_edit", key=key))

    @bp.post("/people/<key>/deactivate")
    @admin_required
    def person_deactivate(key: str):
        db, office = g.db, g.office
        person = _person(db, office, key)
        if person.id == g.admin.id:
            flash("ปิดการใช้งานบัญชีของตัวเองไม่ได้ค่ะ ให้ผู้ดูแลระบบอีกท่านทำแทน", "error")
            return redirect(url_for("admin.person_edit", key=key))
        doc = orgedit.current(db, office)
        doc["people"] = [e for e in doc["people"] if e["key"] != key]
        _save(doc, "admin.person_deactivated", f"ปิดการใช้งาน {person.name} แล้วค่ะ", person=key)
        return redirect(url_for("admin.people"))

    @bp.post("/people/<key>/reactivate")
    @admin_required
    def person_reactivate(key: str):
        db, office = g.db, g.office
        person = _person(db, office, key)
        doc = orgedit.current(db, office)
        if not person.active:
            entry = {"key": key, "name": person.name, "roles": list(person.roles or ["staff"])}
            if person.position:
                entry["position"] = person.position
            if person.unit and person.unit.active:
                entry["unit"] = person.unit.key
            doc["people"].append(entry)
            _save(doc, "admin.person_reactivated", f"เปิดใช้งาน {person.name} อีกครั้งแล้วค่ะ",
                  person=key)
        return redirect(url_for("admin.people"))
