"""What every portal route shares: sessions, the office the request is addressed to
(bot.portal.place), stored and cached files, response headers and the Thai error pages. Routes
reach the running app only through a Portal, which the blueprint factory (bot.portal.blueprint)
builds from the Runtime it is given.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.files import links as files
from bot.files.media import human_size
from bot.files.store import ContentStore
from bot.office.address import office_base
from bot.portal import listings, place
from bot.portal.views import WAIT_MS as VIEW_WAIT_MS
from bot.portal.views import ViewCounter
from bot.publishing.addresses import Links
from bot.spine.config import Config
from bot.spine.db import brief_sessionmaker
from bot.thai.dates import thai_date
from bot.thai.text import clip, printed
from models import Office

HTML_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")
# Stored files are only documents and images (bot.files.kinds sniffs every upload). Browsers'
# PDF viewers do not run under a restrictive CSP, so PDFs get none; everything else gets one.
FILE_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
COUNTS_SECONDS = 60.0
OFFICES_LISTED = 100  # at the bare address: more than this, and the reader narrows by name


class Portal:
    """The running app as portal routes need it (a Runtime: config and session factories)."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime
        self.views = ViewCounter(brief_sessionmaker(runtime.engine, wait_ms=VIEW_WAIT_MS),
                                 runtime.config.secret_key)
        self._counts: dict[int, tuple[float, dict[str, int]]] = {}  # office id → (when, counts)

    def category_counts(self, session: Session, office_id: int) -> dict[str, int]:
        """Live items per category for the home page, recounted at most every COUNTS_SECONDS.

        Counting every live row is the one home-page query that grows with the archive (about
        50 ms at 100,000 items on PostgreSQL, which reads the table for it); a count a minute
        old is fine beside the newest items, which are always read afresh."""
        now = time.monotonic()
        kept = self._counts.get(office_id)
        if kept is None or now - kept[0] > COUNTS_SECONDS:
            kept = self._counts[office_id] = (now, listings.category_counts(session, office_id))
        return kept[1]

    @property
    def config(self) -> Config:
        return self.runtime.config

    def links(self, session: Session) -> Links:
        """Absolute addresses of the request's office (feeds, sitemap, canonical, exports)."""
        return self.links_of(session, self.office(session))

    def links_of(self, session: Session, office: Office) -> Links:
        alone = self.place(session).alone
        return Links(office_base(self.config.public_base_url, office, alone=alone))

    @contextmanager
    def session(self):
        """Pages only read: no SQLite write lock, so a busy writer never holds a page up (view
        counts are written apart, by self.views)."""
        with self.runtime.read_factory() as session, session.begin():
            yield session

    def place(self, session: Session) -> place.Place:
        return place.resolve(session, self.config.public_base_url)

    def office(self, session: Session) -> Office:
        """The office the request is addressed to, or the page that says there is none."""
        found = self.place(session)
        if found.office_id is None:
            abort(self._no_office(session, found))
        return session.get(Office, found.office_id)

    def owner(self, session: Session, office_id: int) -> Office:
        """The office of what a link names (an item, a file, a signed page), checked against the
        address: another office's → 404. At the deployment's bare address of several offices
        (a link sent before the second office came), the same page at its office's address."""
        found = self.place(session)
        office = session.get(Office, office_id)
        if office is None:
            abort(404)
        if found.why == "several":
            target = self.links_of(session, office).base + place.inner_path()
            abort(redirect(target, 302 if request.method in ("GET", "HEAD") else 307))
        if found.office_id != office_id:
            abort(404)
        return office

    def _no_office(self, session: Session, found: place.Place) -> Response:
        if found.why == "none":  # a fresh install: say what to do rather than a bare 404
            return self.message_page(503, "ยังไม่ได้ตั้งค่าสำนักงาน",
                                     "ผู้ดูแลระบบกรุณาโหลดข้อมูลสำนักงานด้วยคำสั่ง "
                                     "flask --app webhook org load examples/office.yaml",
                                     lookup_office=False)
        if found.why == "several":
            return self.office_list(session)
        return self.message_page(404, "ไม่พบสำนักงานนี้",
                                 "ที่อยู่นี้ไม่ตรงกับสำนักงานใดค่ะ กรุณาตรวจสอบที่อยู่อีกครั้ง",
                                 lookup_office=False)

    def office_list(self, session: Session) -> Response:
        """The deployment's bare address when it serves several offices and the host names none.

        A citizen who typed the address of the province's Prakat, or followed an old link, is
        looking for one office: a list of them, each linked to its own portal, gets them there,
        where a 404 would leave them nowhere. The home page answers 200 with it; any other
        page, which only an office has, answers 404 with the same list."""
        status = 200 if place.inner_path().split("?", 1)[0] == "/" else 404
        wanted = " ".join(request.args.get("office", "").split())[:100] if status == 200 else ""
        query = select(Office)
        if wanted:  # a province's deployment may hold hundreds of schools: find one by its name
            like = "%" + wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(or_(Office.name.ilike(like, escape="\\"),
                                    Office.short_name.ilike(like, escape="\\")))
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        offices = session.scalars(query.order_by(Office.name, Office.id).limit(OFFICES_LISTED)).all()
        entries = [(o.name, o.short_name, self._home_of(session, o)) for o in offices]
        body = render_template("portal/offices.html", office=None, offices=entries, wanted=wanted,
                               total=total, listed=OFFICES_LISTED,
                               page_title="สำนักงานที่เผยแพร่ข้อมูลผ่านระบบนี้", status=status)
        return Response(body, status, mimetype="text/html")

    def _home_of(self, session: Session, office: Office) -> str:
        if office.hosts:
            return self.links_of(session, office).home()
        return url_for("portal.home", **{place.KEY_ARG: office.key})

    def store(self) -> ContentStore:
        return files.store(self.config)

    def cached(self, kind: str, key: str, make: Callable[[], bytes]) -> Path:
        """A derived file (thumbnail, title image, notice PDF) made once and kept under DATA_DIR."""
        path = Path(self.config.data_dir) / "cache" / kind / key
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            data = make()
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                os.replace(temp, path)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        return path

    def message_page(self, status: int, heading: str, text: str, *,
                     lookup_office: bool = True) -> Response:
        office = None
        if lookup_office:  # the page's own office, never another's (none at a bare address)
            with self.session() as session:
                found = self.place(session)
                office = session.get(Office, found.office_id) if found.office_id else None
        body = render_template("portal/message.html", office=office, heading=heading, text=text,
                               page_title=heading)
        return Response(body, status, mimetype="text/html")


def page(template: str, status: int = 200, **context) -> tuple[str, int]:
    return render_template(template, **context), status


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    mime = response.mimetype or ""
    if mime == "text/html":
        headers.setdefault("Content-Security-Policy", HTML_CSP)
        headers.setdefault("Cache-Control", "no-cache")
    elif mime != "application/pdf":
        headers.setdefault("Content-Security-Policy", FILE_CSP)
    return response


def _template_helpers() -> dict:
    return {"thai_date": thai_date, "human_size": human_size, "clip": clip}


def install(bp: Blueprint, portal: Portal) -> None:
    """Headers on every portal response, the templates' helpers, and the Thai 404 page."""
    bp.after_request(_security_headers)
    bp.context_processor(_template_helpers)
    bp.url_value_preprocessor(place.take_key)
    bp.url_defaults(place.keep_key)
    # Whatever a page prints passes printed(): a stored control character never reaches HTML.
    bp.record_once(lambda state: setattr(state.app.jinja_env, "finalize", printed))

    # App-wide: an address no route matches (an id out of range, a typo) is a portal 404 too.
    @bp.app_errorhandler(404)
    def _not_found(_error):
        return _security_headers(portal.message_page(
            404, "ไม่พบหน้านี้", "อาจยังไม่ได้เผยแพร่ หรือที่อยู่ไม่ถูกต้องค่ะ"))
