"""What every portal route shares: sessions, the office, stored and cached files, response
headers and the Thai error pages. Routes reach the running app only through a Portal, which
the blueprint factory (bot.portal.blueprint) builds from the Runtime it is given.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from flask import Blueprint, Response, abort, render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.files import links as files
from bot.files.media import human_size
from bot.files.store import ContentStore
from bot.portal import listings
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


class Portal:
    """The running app as portal routes need it (a Runtime: config and session factories)."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime
        self.views = ViewCounter(brief_sessionmaker(runtime.engine, wait_ms=VIEW_WAIT_MS),
                                 runtime.config.secret_key)
        self._counts: tuple[float, int, dict[str, int]] | None = None

    def category_counts(self, session: Session, office_id: int) -> dict[str, int]:
        """Live items per category for the home page, recounted at most every COUNTS_SECONDS.

        Counting every live row is the one home-page query that grows with the archive (about
        50 ms at 100,000 items on PostgreSQL, which reads the table for it); a count a minute
        old is fine beside the newest items, which are always read afresh."""
        now = time.monotonic()
        if self._counts is None or self._counts[1] != office_id or now - self._counts[0] > COUNTS_SECONDS:
            self._counts = (now, office_id, listings.category_counts(session, office_id))
        return self._counts[2]

    @property
    def config(self) -> Config:
        return self.runtime.config

    @property
    def links(self) -> Links:
        return Links(self.config.public_base_url)

    @contextmanager
    def session(self):
        """Pages only read: no SQLite write lock, so a busy writer never holds a page up (view
        counts are written apart, by self.views)."""
        with self.runtime.read_factory() as session, session.begin():
            yield session

    def office(self, session: Session) -> Office:
        office = session.scalars(select(Office).order_by(Office.id).limit(1)).first()
        if office is None:  # a fresh install: say what to do rather than a bare 404
            abort(self.message_page(503, "ยังไม่ได้ตั้งค่าสำนักงาน",
                                    "ผู้ดูแลระบบกรุณาโหลดข้อมูลสำนักงานด้วยคำสั่ง "
                                    "flask --app webhook org load examples/office.yaml",
                                    lookup_office=False))
        return office

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
        if lookup_office:
            with self.session() as session:
                office = session.scalars(select(Office).order_by(Office.id).limit(1)).first()
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
    # Whatever a page prints passes printed(): a stored control character never reaches HTML.
    bp.record_once(lambda state: setattr(state.app.jinja_env, "finalize", printed))

    # App-wide: an address no route matches (an id out of range, a typo) is a portal 404 too.
    @bp.app_errorhandler(404)
    def _not_found(_error):
        return _security_headers(portal.message_page(
            404, "ไม่พบหน้านี้", "อาจยังไม่ได้เผยแพร่ หรือที่อยู่ไม่ถูกต้องค่ะ"))
