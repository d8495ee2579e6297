"""The ITA pages: /ita/<fiscal year> for the public and the assessors (every indicator with its
published items, in the assessors' order), its CSV and XLSX exports, and the private readiness
view behind a signed link (status, who should supply each indicator, the readers' comments)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, url_for

from bot.ita import export
from bot.ita.evidence import readiness
from bot.ita.links import readiness_office
from bot.ita.lists import office_lists
from bot.ita.push import reminder_window
from bot.ita.votes import comments
from bot.portal.signed import PRIVATE_HEADERS
from bot.portal.web import Portal, page
from bot.thai.dates import fiscal_year_bounds, fiscal_year_of
from models import utcnow

FIRST_YEAR, LAST_YEAR = 2560, 2700
PAGE_ITEMS = 5  # the newest of each category on the page; the export has them all


def add_routes(bp: Blueprint, portal: Portal) -> None:
    def evidence_or_404(session, office, fiscal_year: int, limit: int | None):
        if not FIRST_YEAR <= fiscal_year <= LAST_YEAR or fiscal_year > fiscal_year_of(utcnow()) + 1:
            abort(404)
        found = readiness(session, office, fiscal_year, utcnow(), limit=limit)
        if found is None:
            abort(portal.message_page(404, f"ยังไม่มีรายการตัวชี้วัด ITA ปีงบประมาณ {fiscal_year}",
                                      "สำนักงานยังไม่ได้กำหนดรายการตัวชี้วัดของปีนี้ค่ะ"))
        return found

    def years(office) -> list[int]:
        current = fiscal_year_of(utcnow())
        return sorted({y for y in office_lists(office.ita) if y <= current} | {current})

    @bp.get("/ita")
    def ita_current():
        return redirect(url_for("portal.ita", fiscal_year=fiscal_year_of(utcnow())))

    @bp.get("/ita/<int:fiscal_year>")
    def ita(fiscal_year: int):
        with portal.session() as session:
            office = portal.office(session)
            found = evidence_or_404(session, office, fiscal_year, limit=PAGE_ITEMS)
            urls = portal.links(session)
        return page("portal/ita.html", office=office, r=found, years=years(office),
                    links=urls, page_title=f"ITA ปีงบประมาณ {fiscal_year}")

    def exported(fiscal_year: int, kind: str) -> Response:
        with portal.session() as session:
            office = portal.office(session)
            found = evidence_or_404(session, office, fiscal_year, limit=None)
            item = portal.links(session).item
        name = f"ita-oit-{fiscal_year}.{kind}"
        if kind == "csv":
            body, mime = export.csv_bytes(found, item), "text/csv; charset=utf-8"
        else:
            body = export.xlsx_bytes(found, item)
            mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(body, mimetype=mime, headers={
            "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-cache"})

    @bp.get("/ita/<int:fiscal_year>.csv")
    def ita_csv(fiscal_year: int):
        return exported(fiscal_year, "csv")

    @bp.get("/ita/<int:fiscal_year>.xlsx")
    def ita_xlsx(fiscal_year: int):
        return exported(fiscal_year, "xlsx")

    @bp.get("/ita/<int:fiscal_year>/readiness/<token>")
    def ita_readiness(fiscal_year: int, token: str):
        office_id = readiness_office(portal.config, token, fiscal_year)
        with portal.session() as session:
            if office_id is not None and portal.place(session).why == "several":
                portal.owner(session, office_id)  # an old link: on to its office's address
            office = portal.office(session)
            if office_id != office.id:
                abort(portal.message_page(403, "ลิงก์ไม่ถูกต้องหรือหมดอายุแล้ว",
                                          "กรุณาขอลิงก์ใหม่จากผู้ดูแลระบบ หรือเปิดจากข้อความแจ้งเตือนล่าสุดค่ะ"))
            found = evidence_or_404(session, office, fiscal_year, limit=3)
            start, end = fiscal_year_bounds(fiscal_year)
            said = comments(session, office.id, start, end)
        first, starts = reminder_window(found)
        body, status = page("portal/readiness.html", office=office, r=found, comments=said,
                            token=token, remind_from=first, assessment_starts=starts,
                            page_title=f"ความพร้อม ITA ปีงบประมาณ {fiscal_year}")
        return Response(body, status, mimetype="text/html", headers=PRIVATE_HEADERS)
