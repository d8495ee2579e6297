"""/reports/<office>/<quarter>.<fmt>: the full quarterly report behind a signed, expiring link
(the links in the digest message), as an HTML page, a PDF, a workbook or the chart."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from sqlalchemy import select

from bot.digest import render
from bot.digest.compute import compute_digest
from bot.digest.links import links_for, token_problem
from bot.thai.dates import FiscalQuarter
from models import Office, utcnow

FORMATS = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
}
REFUSED_PAGE = {
    "invalid": "ลิงก์รายงานนี้ไม่ถูกต้อง กรุณาเปิดจากข้อความรายงานใน LINE อีกครั้งค่ะ",
    "expired": "ลิงก์รายงานนี้หมดอายุแล้ว ขอรายงานฉบับใหม่ได้จากผู้ดูแลระบบค่ะ",
}


def _another_offices_host(session, office_id: int) -> bool:
    """The request came to a host name of another office: its report is not served there (the
    deployment's own address, or the office's own host, serves it)."""
    host = (request.host or "").rsplit(":", 1)[0].lower().rstrip(".")
    return any(host in (hosts or []) for other, hosts in session.execute(select(Office.id, Office.hosts))
               if other != office_id)


def reports_blueprint(runtime) -> Blueprint:
    """The report route, reading `runtime`'s database and secret."""
    bp = Blueprint("reports", __name__)

    @bp.get("/reports/<id:office_id>/<quarter>.<fmt>")
    def report_file(office_id: int, quarter: str, fmt: str):
        if fmt not in FORMATS:
            abort(404)
        try:
            fq = FiscalQuarter.parse(quarter)
        except ValueError:
            abort(404)
        token = request.args.get("t", "")
        problem = token_problem(runtime.config.secret_key, token, office_id, fq, utcnow())
        if problem:
            return Response(REFUSED_PAGE[problem], 403, mimetype="text/plain")
        with runtime.read_factory() as session:  # a report only reads: never behind a writer
            if session.get(Office, office_id) is None or _another_offices_host(session, office_id):
                abort(404)
            digest = compute_digest(session, office_id, fq)
            links = links_for(runtime.config, office_id, fq, token, session) if fmt == "html" else None
        if fmt == "png":
            body = render.chart_png(digest)
        elif fmt == "html":
            body = render.report_html(digest, links)
        elif fmt == "pdf":
            body = render.report_pdf(digest)
        else:
            body = render.report_xlsx(digest)
        headers = {"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex",
                   "Referrer-Policy": "no-referrer"}
        if fmt in ("pdf", "xlsx"):
            disposition = "inline" if fmt == "pdf" else "attachment"
            headers["Content-Disposition"] = f'{disposition}; filename="prakat-{fq.code}.{fmt}"'
        return Response(body, 200, headers=headers, content_type=FORMATS[fmt])

    return bp
