"""The quarterly digest (ข้อ ๔): preview any quarter of the Thai fiscal year, and send one now to
the management group and the office director (once per quarter, as the scheduler does)."""

from __future__ import annotations

from flask import Response, abort, g, request

from bot.admin import changes
from bot.admin.auth import admin_required
from bot.admin.rows import done, page, refused
from bot.digest import render
from bot.digest.compute import compute_digest
from bot.digest.delivery import digest_sent, send_digest
from bot.digest.links import report_links
from bot.thai.dates import FiscalQuarter, Numerals, to_bangkok
from models import utcnow

CHOICES = 8  # quarters offered in the list: two fiscal years back


def quarter_of(code: str | None) -> FiscalQuarter | None:
    try:
        return FiscalQuarter.parse(code) if code else FiscalQuarter.of(utcnow()).previous()
    except ValueError:
        return None


def register(bp, runtime) -> None:
    @bp.get("/digest")
    @admin_required
    def digest():
        quarter = quarter_of(request.args.get("quarter"))
        if quarter is None:
            return refused("admin.digest", "ไม่พบไตรมาสนี้ กรุณาเลือกไตรมาสที่มีให้เลือกค่ะ")
        now = utcnow()
        current = FiscalQuarter.of(now)
        choices = [current]
        while len(choices) < CHOICES:
            choices.append(choices[-1].previous())
        summary = render.text_summary(compute_digest(g.db, g.office.id, quarter, now))
        return page("admin/digest.html", quarter=quarter, choices=choices, summary=summary,
                    links=report_links(runtime.config, g.office.id, quarter, now, g.db),
                    sent=digest_sent(g.db, g.office.id, quarter), ended=quarter.end <= to_bangkok(now))

    @bp.get("/digest/<quarter>/preview")
    @admin_required
    def digest_preview(quarter: str):
        fq = quarter_of(quarter)
        if fq is None:
            abort(404)
        now = utcnow()
        body = render.report_html(compute_digest(g.db, g.office.id, fq, now),
                                  report_links(runtime.config, g.office.id, fq, now, g.db))
        return Response(body, mimetype="text/html", headers={"Cache-Control": "private, no-store"})

    @bp.post("/digest/send")
    @admin_required
    def digest_send():
        quarter = quarter_of(request.form.get("quarter", "") or "-")
        if quarter is None:
            return refused("admin.digest", "ไม่พบไตรมาสนี้ กรุณาเลือกไตรมาสที่มีให้เลือกค่ะ")
        back, label = {"quarter": quarter.code}, quarter.label(g.office.digits == "thai")
        result = send_digest(g.db, runtime.config, g.office.id, quarter, now=utcnow(),
                             sent_by=f"console:{g.admin.key}")
        if result.reason == "not_ended":
            return refused("admin.digest", f"{label}ยังไม่จบ จึงยังส่งไม่ได้ ระบบจะส่งให้เองหลังจบไตรมาสค่ะ", **back)
        if result.reason == "already_sent":
            return refused("admin.digest", f"รายงาน{label}ส่งไปแล้ว จึงไม่ส่งซ้ำค่ะ", **back)
        if result.reason == "no_recipients":
            return refused("admin.digest", "ยังไม่มีผู้รับ: กรุณาลงทะเบียนกลุ่มผู้บริหาร "
                           "หรือเชื่อมบัญชี LINE ของผู้อำนวยการสำนักงานก่อนค่ะ", **back)
        changes.record(g.db, g.admin, "admin.digest_sent", quarter=quarter.code,
                       recipients=result.recipients)
        return done("admin.digest", f"ส่งรายงาน{label}ถึง {Numerals.of(g.office.digits).n(result.recipients)} แชตแล้วค่ะ", **back)
