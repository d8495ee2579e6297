"""The portal's private pages, opened only through signed, expiring links from LINE cards:
the publication record PDF and the preview of an approved item before it is published."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, url_for

from bot.files import links as files
from bot.files.names import content_disposition
from bot.portal.web import Portal
from bot.publishing.addresses import PREVIEW_LINK_SECONDS, RECORD_LINK_SECONDS, signed_id
from bot.publishing.item import describe, trail_text
from bot.publishing.procedure import publication_of
from bot.publishing.record import item_number, record_pdf
from models import Publication, Submission

PRIVATE_HEADERS = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}


class _PreviewFiles:
    """Before publication, files are reachable only through signed links (bot.portal.files)."""

    def __init__(self, config, base: str) -> None:
        self.config, self.base = config, base

    def file(self, f) -> str:
        return files.attachment_url(self.config, f.id, audience="publisher", base=self.base)

    def thumb(self, f) -> str:
        return files.attachment_url(self.config, f.id, audience="publisher", preview=True,
                                    base=self.base)


def add_routes(bp: Blueprint, portal: Portal) -> None:
    def signed_or_abort(purpose: str, token: str, key: str, max_age: int) -> int:
        ident = signed_id(portal.config, purpose, token, key, max_age)
        if ident is None:
            abort(portal.message_page(403, "ลิงก์ไม่ถูกต้องหรือหมดอายุแล้ว",
                                      "กรุณากดปุ่มบนการ์ดในแชต LINE อีกครั้งเพื่อขอลิงก์ใหม่ค่ะ"))
        return ident

    @bp.get("/record/<token>")
    def record(token: str):
        pid = signed_or_abort("record", token, "p", RECORD_LINK_SECONDS)
        with portal.session() as session:
            pub = session.get(Publication, pid)
            if pub is None:
                abort(404)
            portal.owner(session, pub.office_id)
            data = record_pdf(session, pub, portal.config)
            name = f"บันทึกขออนุญาตเผยแพร่ {item_number(pub)}.pdf"
        response = Response(data, mimetype="application/pdf", headers=PRIVATE_HEADERS)
        response.headers["Content-Disposition"] = content_disposition(name, inline=True)
        return response

    @bp.get("/preview/<token>")
    def preview(token: str):
        sid = signed_or_abort("preview", token, "s", PREVIEW_LINK_SECONDS)
        with portal.session() as session:
            submission = session.get(Submission, sid)
            if submission is None or submission.status not in ("approved", "published"):
                abort(404)
            office = portal.owner(session, submission.office_id)
            if submission.status == "published":
                pub = publication_of(session, submission.id)
                return redirect(url_for("portal.item", pid=pub.id))
            view = describe(session, submission)
            base = portal.links_of(session, office).base
        body = render_template("portal/item.html", office=office, view=view,
                               files=_PreviewFiles(portal.config, base), trail=trail_text(view),
                               canonical=None, og_image=None,
                               page_title=f"ตัวอย่าง: {view.title}", preview=True)
        return Response(body, mimetype="text/html", headers=PRIVATE_HEADERS)
