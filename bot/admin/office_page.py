"""The office page: names, contact, publish mode, chains, digits, categories; edit them with the
org file's checks; import and export the whole office as an org file."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from bot.admin import changes, logos, orgedit
from bot.admin.auth import admin_required
from bot.office import categories as office_categories
from bot.office import orgexport
from bot.office.orgfile import CHAIN_KINDS, CHAIN_ROLES
from models import Person, Unit

CHAIN_NAMES = {"document": "เอกสาร", "announcement": "ประกาศ", "photos": "ภาพกิจกรรม",
               "regulated": "เอกสารตามข้อ ๓.๓"}
ROLE_NAMES = {"unit_director": "ผู้อำนวยการกลุ่ม", "office_director": "ผู้อำนวยการสำนักงาน"}
PUBLISH_MODES = {"portal": "เผยแพร่ทันทีเมื่ออนุมัติครบ", "ict": "รอเจ้าหน้าที่ ICT กดเผยแพร่"}
DIGIT_STYLES = {"thai": "เลขไทย (๐-๙)", "arabic": "เลขอารบิก (0-9)"}
MAX_IMPORT = 512 * 1024


def register(bp: Blueprint, runtime) -> None:
    @bp.get("/")
    @admin_required
    def office():
        db, office = g.db, g.office
        units = list(db.scalars(select(Unit).where(Unit.office_id == office.id,
                                                   Unit.active.is_(True)).order_by(Unit.id)))
        categories = office_categories.all_categories(db, office.id)  # this office's, retired too
        supplied = {c.code: [u.name for u in units if c.code in (u.categories or [])] for c in categories}
        return render_template("admin/office.html", office=office, categories=categories,
                               supplied=supplied, director=db.get(Person, office.director_id)
                               if office.director_id else None, **_names())

    @bp.route("/office/edit", methods=["GET", "POST"])
    @admin_required
    def office_edit():
        db, office = g.db, g.office
        people = list(db.scalars(select(Person).where(Person.office_id == office.id,
                                                      Person.active.is_(True)).order_by(Person.name)))
        doc = orgedit.current(db, office)
        error = None
        if request.method == "POST":
            form = request.form
            head = doc["office"]
            for field in ("name", "short_name", "phone", "website", "address", "director"):
                value = form.get(field, "").strip()
                if field == "address":  # one line on the letterhead, however the box wrapped it
                    value = " ".join(value.split())
                if value:
                    head[field] = value
                else:
                    head.pop(field, None)
            hosts = [h.strip() for h in form.get("hosts", "").split() if h.strip()]
            doc["portal"] = {"hosts": hosts}
            doc["publish_mode"] = form.get("publish_mode", "")
            doc["digits"] = form.get("digits", "")
            doc["chains"] = {kind: [r for r in CHAIN_ROLES if form.get(f"chain-{kind}-{r}")]
                             for kind in CHAIN_KINDS}
            before = orgedit.current(db, office)
            try:
                orgedit.save(db, office, doc)
            except orgedit.EditRefused as exc:
                db.rollback()
                error = str(exc)
            else:
                after = orgedit.current(db, office)
                changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)
                                 and k not in ("units", "people"))
                changes.record(db, g.admin, "admin.office_edited", changed=changed)
                db.commit()
                flash("บันทึกข้อมูลสำนักงานแล้วค่ะ")
                return redirect(url_for("admin.office"))
        return render_template("admin/office_edit.html", office=office, doc=doc, people=people,
                               error=error, chain_kinds=CHAIN_KINDS, chain_roles=CHAIN_ROLES,
                               **_names()), 400 if error else 200

    @bp.get("/office/logo.png")
    @admin_required
    def office_logo_image():
        """The logo as the notice draws it, for the office page (not public: the notice is)."""
        if not g.office.logo or not Path(g.office.logo).is_file():
            abort(404)
        png = g.office.logo.lower().endswith(".png")
        return Response(Path(g.office.logo).read_bytes(), mimetype="image/png" if png else "image/jpeg",
                        headers={"Cache-Control": "private, no-store"})

    @bp.post("/office/logo")
    @admin_required
    def office_logo():
        """The notice's letterhead logo: a PNG or JPEG, checked and stored as a clean PNG, then
        set the way an org file's `logo:` is; or taken off."""
        db, office = g.db, g.office
        doc = orgedit.current(db, office)
        if request.form.get("remove"):
            doc["office"].pop("logo", None)
            done_text, detail = "นำตราสำนักงานออกแล้วค่ะ", {"removed": True}
        else:
            upload = request.files.get("logo")
            try:
                path = logos.store(runtime.config, office, upload.read(logos.MAX_BYTES + 1) if upload else b"")
            except logos.LogoRefused as exc:
                flash(str(exc), "error")
                return redirect(url_for("admin.office"))
            doc["office"]["logo"] = str(path)
            done_text, detail = "บันทึกตราสำนักงานแล้วค่ะ จะแสดงบนหัวประกาศฉบับต่อไป", {"file": path.name}
        try:
            orgedit.save(db, office, doc)
        except orgedit.EditRefused as exc:
            db.rollback()
            flash(str(exc), "error")
            return redirect(url_for("admin.office"))
        changes.record(db, g.admin, "admin.logo_set", **detail)
        db.commit()
        flash(done_text)
        return redirect(url_for("admin.office"))

    @bp.post("/office/import")
    @admin_required
    def office_import():
        upload = request.files.get("orgfile")
        data = upload.read(MAX_IMPORT + 1) if upload else b""
        error = None
        if not data:
            error = "กรุณาเลือกไฟล์ YAML ของสำนักงานก่อนกดนำเข้าค่ะ"
        elif len(data) > MAX_IMPORT:
            error = "ไฟล์ใหญ่เกินไปค่ะ (ไม่เกิน 512 KB)"
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                error = "ไฟล์นี้ไม่ใช่ข้อความ UTF-8 ค่ะ กรุณาบันทึกไฟล์เป็น UTF-8 แล้วลองใหม่"
            else:
                try:
                    result = orgedit.import_file(g.db, g.office, text)
                except orgedit.EditRefused as exc:
                    g.db.rollback()
                    error = f"นำเข้าไม่ได้ ยังไม่มีอะไรเปลี่ยนแปลงค่ะ\n{exc}"
                else:
                    changes.record(g.db, g.admin, "admin.org_imported",
                                   file=upload.filename or "", units=result["units"],
                                   people=result["people"], deactivated=result["deactivated"])
                    g.db.commit()
                    flash(f"นำเข้าไฟล์แล้วค่ะ: กลุ่มงาน {result['units']} กลุ่ม "
                          f"บุคลากร {result['people']} คน")
                    return redirect(url_for("admin.office"))
        flash(error, "error")
        return redirect(url_for("admin.office"))

    @bp.get("/office/export.yaml")
    @admin_required
    def office_export():
        text = orgexport.to_yaml(orgexport.document(g.db, g.office))
        return Response(text, mimetype="application/x-yaml", headers={
            "Content-Disposition": f'attachment; filename="{g.office.key}.yaml"'})


def _names() -> dict:
    return {"chain_names": CHAIN_NAMES, "role_names": ROLE_NAMES,
            "publish_modes": PUBLISH_MODES, "digit_styles": DIGIT_STYLES}
