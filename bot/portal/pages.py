"""The portal's pages: the home page, categories, the minimum set, one item with its files,
thumbnails, title image and A4 notice. Server-rendered Thai, no JavaScript.

Pages read the publications table directly (the built-in publisher target), so an item is on
the portal exactly while its row is published and not retracted. Stored files are served only
through here, never from a static folder. Routes are listed in docs/PUBLISHING.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from flask import Blueprint, Response, abort, redirect, render_template, request, send_file, url_for
from sqlalchemy.orm import Session

from bot.files.media import make_preview
from bot.files.names import content_disposition
from bot.office import categories as office_categories
from bot.portal import listings, verdict
from bot.portal.web import Portal, page
from bot.publishing.addresses import Links
from bot.publishing.cards import card_image
from bot.publishing.item import ItemView, describe, file_view, trail_text
from bot.publishing.minimum_set import minimum_listing
from bot.publishing.record import notice_data
from bot.publishing.website import site_url
from models import Attachment, Office, Publication, Submission, utcnow

LATEST = 10
STYLE_PATH = Path(__file__).resolve().parents[2] / "templates" / "portal" / "style.css"


def publication_or_abort(portal: Portal, session: Session, pid: int) -> Publication:
    """The publication, or 404 (unknown, another office's) / 410 with the reason (retracted);
    at the bare address of several offices, a redirect to it under its office's address."""
    pub = session.get(Publication, pid)
    if pub is None:
        portal.office(session)  # no office here at all: say so rather than a bare 404
        abort(404)
    office = portal.owner(session, pub.office_id)
    if pub.retracted_at is not None:
        abort(_gone(office, pub))
    return pub


def _gone(office: Office, pub: Publication) -> Response:
    title = pub.submission.version(pub.version).title
    body = render_template("portal/gone.html", office=office, pub=pub, title=title,
                           page_title="ถอนการเผยแพร่แล้ว")
    return Response(body, 410, mimetype="text/html")


class _PublicFiles:
    """Where the item page's files and thumbnails live for the public."""

    def __init__(self, pid: int):
        self.pid = pid

    def file(self, f) -> str:
        return url_for("portal.attachment", pid=self.pid, aid=f.id)

    def thumb(self, f) -> str:
        return url_for("portal.thumbnail", pid=self.pid, aid=f.id)


def _og_image(view: ItemView, urls: Links) -> str:
    if view.photos:
        return urls.thumb(view.publication_id, view.photos[0].id)
    return urls.card_image(view.publication_id)


def _attachment_of(session: Session, submission: Submission, version: int, aid: int) -> Attachment:
    att = session.get(Attachment, aid)
    if (att is None or att.status != "stored" or not att.sha256
            or att.version_id != submission.version(version).id):
        abort(404)
    return att


def item_page(portal: Portal, pid: int, *, count_view: bool = False, note: str | None = None,
              error: str | None = None, comment: str = "", status: int = 200):
    """An item's page; with `note` or `error` (and the reader's `comment` kept) after a vote."""
    with portal.session() as session:
        pub = publication_or_abort(portal, session, pid)
        view = describe(session, pub.submission, pub)
        office = portal.office(session)
        on_site = site_url(session, pub)
        urls = portal.links(session)
    written = portal.views.count(pid, utcnow()) if count_view else 0
    if written:  # the count was read before them
        view = replace(view, views=view.views + written)
    return page("portal/item.html", status, office=office, view=view, files=_PublicFiles(pid),
                trail=trail_text(view), canonical=urls.item(pid),
                og_image=_og_image(view, urls), page_title=view.title, preview=False,
                vote_token=verdict.form_token(portal.config, pid), vote_note=note,
                vote_error=error, comment=comment, site_url=on_site)


def add_routes(bp: Blueprint, portal: Portal) -> None:
    @bp.get("/")
    def home():
        with portal.session() as session:
            office = portal.office(session)
            latest = listings.entries(session, listings.newest(listings.live(office.id)).limit(LATEST))
            counts = portal.category_counts(session, office.id)
            categories = office_categories.office_categories(session, office.id)
            fiscal_year, minimum = minimum_listing(session, office.id, utcnow())
        missing = sum(1 for m in minimum if m.status != "current")
        return page("portal/home.html", office=office, latest=latest, counts=counts,
                    categories=categories, minimum_missing=missing, fiscal_year=fiscal_year)

    @bp.get("/c/<code>")
    def category(code: str):
        with portal.session() as session:
            office = portal.office(session)
            cat = office_categories.category(session, office.id, code)
            if cat is None:
                abort(404)
            paged = listings.paginate(session, office.id, Publication.category_code == code)
        return page("portal/category.html", office=office, category=cat, paged=paged,
                    page_title=f"หมวด {cat.code} {cat.short_name}")

    @bp.get("/minimum")
    def minimum():
        with portal.session() as session:
            office = portal.office(session)
            fiscal_year, entries = minimum_listing(session, office.id, utcnow())
        return page("portal/minimum.html", office=office, entries=entries, fiscal_year=fiscal_year,
                    page_title="ข้อมูลที่ต้องเผยแพร่อย่างน้อย")

    @bp.get("/p/<id:pid>")
    def item(pid: int):
        note = verdict.NOTES.get(request.args.get("vote", ""))
        return item_page(portal, pid, count_view=True, note=note)

    @bp.post("/p/<id:pid>/vote")
    def vote(pid: int):
        with portal.session() as session:
            publication_or_abort(portal, session, pid)  # 404 / 410 before anything is written
        outcome = verdict.receive(portal.runtime, pid)
        if outcome in verdict.NOTES:
            return redirect(url_for("portal.item", pid=pid, vote=outcome, _anchor="vote"), 303)
        return item_page(portal, pid, error=verdict.ERRORS[outcome], comment=verdict.comment_sent(),
                         status=verdict.STATUS.get(outcome, 400))

    @bp.get("/p/<id:pid>/files/<id:aid>")
    def attachment(pid: int, aid: int):
        with portal.session() as session:
            pub = publication_or_abort(portal, session, pid)
            att = _attachment_of(session, pub.submission, pub.version, aid)
            title = pub.submission.version(pub.version).title
        store = portal.store()
        if not store.exists(att.sha256):  # also a hash that is not one (never a path)
            abort(404)
        path = store.path(att.sha256)
        mime = att.mime or "application/octet-stream"
        inline = mime.startswith("image/") or mime == "application/pdf"
        response = send_file(path, mimetype=mime, conditional=True, etag=att.sha256, max_age=3600)
        response.headers["Content-Disposition"] = content_disposition(
            file_view(att, title).download_name, inline=inline)
        return response

    @bp.get("/p/<id:pid>/thumb/<id:aid>.jpg")
    def thumbnail(pid: int, aid: int):
        with portal.session() as session:
            pub = publication_or_abort(portal, session, pid)
            att = _attachment_of(session, pub.submission, pub.version, aid)
        if not (att.mime or "").startswith("image/"):
            abort(404)
        store = portal.store()
        if not store.exists(att.sha256):
            abort(404)
        path = portal.cached("thumbs", f"{att.sha256}.jpg",
                             lambda: make_preview(store.open(att.sha256)))
        return send_file(path, mimetype="image/jpeg", max_age=86400)

    @bp.get("/p/<id:pid>/card.png")
    def card(pid: int):
        with portal.session() as session:
            pub = publication_or_abort(portal, session, pid)
            view = describe(session, pub.submission, pub)
        parts = (view.title, view.category_label, view.office_short)
        key = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
        return send_file(portal.cached("cards", f"{key}.png", lambda: card_image(*parts)),
                         mimetype="image/png", max_age=86400)

    @bp.get("/p/<id:pid>/notice.pdf")
    def notice(pid: int):
        # bot.render.pdf loads fpdf2 and the Thai fonts: imported on the first notice only.
        from bot.render.pdf import notice_pdf

        with portal.session() as session:
            pub = publication_or_abort(portal, session, pid)
            view = describe(session, pub.submission, pub)
            urls = portal.links(session)
        data = notice_data(view, urls)
        key = hashlib.sha256(repr(data).encode()).hexdigest()
        response = send_file(portal.cached("notices", f"{key}.pdf", lambda: notice_pdf(data)),
                             mimetype="application/pdf", max_age=3600)
        response.headers["Content-Disposition"] = content_disposition(
            f"ประกาศ {view.title}.pdf", inline=True)
        return response

    @bp.get("/portal.css")
    def style():
        return send_file(STYLE_PATH, mimetype="text/css", max_age=3600)
