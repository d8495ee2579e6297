"""/f/<token>: a submitted file (or its photo preview) behind a signed, expiring link.

The signature says which file and for whom (bot.files.links); the item's state, read at every
request, says whether that is still allowed. A rejected, withdrawn, retracted or cancelled
item's files answer 410 with a Thai page, however young the link; a published item's files
are public, so the link leads to the portal's own address for them.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, url_for

from bot.files.links import AUDIENCES, attachment_token, attachment_url, gallery_token
from bot.files.media import make_preview
from bot.files.names import content_disposition
from bot.portal.web import Portal
from bot.publishing.procedure import publication_of
from models import Attachment, Office, SubmissionVersion

CLOSED = "ไฟล์นี้ปิดการเข้าถึงแล้ว"
CLOSED_BECAUSE = {
    "rejected": "เรื่องนี้ไม่ได้รับอนุมัติ จึงไม่เปิดให้ดูไฟล์แล้วค่ะ",
    "withdrawn": "ผู้ส่งถอนเรื่องนี้แล้ว จึงไม่เปิดให้ดูไฟล์แล้วค่ะ",
    "retracted": "เรื่องนี้ถอนการเผยแพร่แล้ว จึงไม่เปิดให้ดูไฟล์แล้วค่ะ",
    "cancelled": "เรื่องนี้ถูกยกเลิกแล้ว จึงไม่เปิดให้ดูไฟล์แล้วค่ะ",
    "expired": "เรื่องนี้หมดอายุแล้ว จึงไม่เปิดให้ดูไฟล์แล้วค่ะ",
}
NOT_NOW = "ลิงก์นี้ใช้กับขั้นตอนปัจจุบันของเรื่องนี้ไม่ได้ค่ะ กรุณาเปิดจากการ์ดล่าสุดในแชต LINE"
OLD_VERSION = "ไฟล์นี้เป็นของฉบับที่ไม่ได้เผยแพร่ ดูฉบับที่เผยแพร่ได้บนเว็บไซต์ค่ะ"


def add_routes(bp: Blueprint, portal: Portal) -> None:
    def _file_office(session, office_id: int) -> Office | None:
        """A file opens under its own office's address, or, as LINE's cards carry it (an image
        LINE fetches itself must not be sent on), at the deployment's bare address: the token
        names the file, so it implies its office. Under another office's address: 404."""
        if portal.place(session).why == "several":
            return None
        return portal.owner(session, office_id)

    def closed(text: str):
        abort(portal.message_page(410, CLOSED, text))

    @bp.get("/g/<token>")
    def gallery(token: str):
        """Every stored photo of one version on one page, each behind its own signed link."""
        found = gallery_token(portal.config, token)
        if found is None:
            abort(portal.message_page(403, "ลิงก์ไม่ถูกต้องหรือหมดอายุแล้ว",
                                      "กรุณากดปุ่มบนการ์ดในแชต LINE อีกครั้งเพื่อขอลิงก์ใหม่ค่ะ"))
        version_id, audience = found
        with portal.session() as session:
            version = session.get(SubmissionVersion, version_id)
            if version is None:
                abort(404)
            submission = version.submission
            office = portal.owner(session, submission.office_id)
            if submission.status in CLOSED_BECAUSE:
                closed(CLOSED_BECAUSE[submission.status])
            if submission.status not in AUDIENCES[audience] and submission.status != "published":
                closed(NOT_NOW)
            photos = [a for a in version.attachments
                      if a.status == "stored" and (a.mime or "").startswith("image/")]
            here = portal.links_of(session, office).base  # the photos open under the same office
            urls = [(attachment_url(portal.config, a.id, audience=audience, preview=True, base=here),
                     attachment_url(portal.config, a.id, audience=audience, base=here))
                    for a in photos]
            body = render_template("portal/gallery.html", office=office, title=version.title,
                                   caption=version.description, photos=urls,
                                   page_title=version.title)
        response = Response(body, mimetype="text/html")
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @bp.get("/f/<token>")
    def file_link(token: str):
        link = attachment_token(portal.config, token)
        if link is None:
            abort(portal.message_page(403, "ลิงก์ไม่ถูกต้องหรือหมดอายุแล้ว",
                                      "กรุณากดปุ่มบนการ์ดในแชต LINE อีกครั้งเพื่อขอลิงก์ใหม่ค่ะ"))
        with portal.session() as session:
            att = session.get(Attachment, link.attachment_id)
            if att is None or att.status != "stored":
                abort(404)
            submission = att.version.submission
            office = _file_office(session, submission.office_id)
            if submission.status in CLOSED_BECAUSE:
                closed(CLOSED_BECAUSE[submission.status])
            if submission.status == "published":
                pub = publication_of(session, submission.id)
                if att.version.number != pub.version:
                    closed(OLD_VERSION)
                thumb = link.preview and (att.mime or "").startswith("image/")
                if office is None:  # a bare address: the file's public one, under its office
                    urls = portal.links_of(session, session.get(Office, submission.office_id))
                    return redirect(urls.thumb(pub.id, att.id) if thumb else urls.file(pub.id, att.id))
                endpoint = "portal.thumbnail" if thumb else "portal.attachment"
                return redirect(url_for(endpoint, pid=pub.id, aid=att.id))
            if submission.status not in AUDIENCES[link.audience]:
                closed(NOT_NOW)
            store = portal.store()
            if not store.exists(att.sha256):  # also a hash that is not one (never a path)
                abort(404)
            data = store.open(att.sha256)
            mime, name = att.mime, att.filename
        if link.preview and mime and mime.startswith("image/"):
            data, mime = make_preview(data), "image/jpeg"
        response = Response(data, mimetype=mime or "application/octet-stream")
        response.headers["Content-Disposition"] = content_disposition(name or "file", inline=True)
        # Checked at every request, so never kept: a browser must ask again after a rejection.
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
