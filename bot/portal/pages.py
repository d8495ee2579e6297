"""The public portal: what the office published, in Thai, server-rendered, no JavaScript.

Pages read the publications table directly (the built-in publisher target), so an item is on
the portal exactly while its row is published and not retracted. Stored files are served only
through here, never from a static folder. Routes are listed in docs/PUBLISHING.md.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.orm import Session

from bot.files import links
from bot.files.core import ContentStore, content_disposition, human_size, make_preview
from bot.office.categories import SHORT_NAMES
from bot.publishing import procedure
from bot.publishing.procedure import Links, like_pattern
from bot.spine.config import Config
from bot.spine.db import insert_ignoring_conflicts
from bot.thai.dates import arabic_digits, thai_date, thai_digits, to_bangkok
from models import (
    Attachment,
    Category,
    Office,
    PageView,
    Publication,
    Submission,
    SubmissionVersion,
    Unit,
    utcnow,
)

bp = Blueprint("portal", __name__)

PAGE_SIZE = 20
LATEST = 10
FEED_SIZE = 50
MAX_QUERY = 100
MAX_TERMS = 8
STYLE_PATH = Path(__file__).resolve().parents[2] / "templates" / "portal" / "style.css"

HTML_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")
# Stored files are only documents and images (bot/files.py sniffs every upload). Browsers' PDF
# viewers do not run under a restrictive CSP, so PDFs get none; everything else gets one.
FILE_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"

# Crawlers, link previewers, feed readers and scripts: none of them is a reader.
BOT_AGENTS = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|embedly|whatsapp|telegram|curl|wget|"
    r"python|httpx|aiohttp|go-http|java/|okhttp|node-fetch|axios|headless|lighthouse|pingdom|"
    r"uptime|monitor|scan|feed|rss|libwww|http_request|archive",
    re.IGNORECASE,
)


def register_portal(app: Flask) -> None:
    """Mount the portal on the app (called once in create_app)."""
    app.register_blueprint(bp)


# --- plumbing -------------------------------------------------------------------------------

def _config() -> Config:
    return current_app.extensions["prakat"].config


@contextmanager
def _session(*, writes: bool = False):
    """Pages only read (no SQLite write lock), except the item page, which counts the view."""
    runtime = current_app.extensions["prakat"]
    factory = runtime.factory if writes else runtime.read_factory
    with factory() as session, session.begin():
        yield session


def _office(session: Session) -> Office:
    office = session.scalars(select(Office).order_by(Office.id).limit(1)).first()
    if office is None:  # a fresh install: say what to do rather than a bare 404
        abort(_message_page(503, "ยังไม่ได้ตั้งค่าสำนักงาน",
                            "ผู้ดูแลระบบกรุณาโหลดข้อมูลสำนักงานด้วยคำสั่ง "
                            "flask --app webhook org load examples/office.yaml", lookup_office=False))
    return office


def _store() -> ContentStore:
    return links.store(_config())


def _cached(kind: str, key: str, make: Callable[[], bytes]) -> Path:
    """A derived file (thumbnail, title image, notice PDF) made once and kept under DATA_DIR."""
    path = Path(_config().data_dir) / "cache" / kind / key
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


@bp.after_request
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


@bp.context_processor
def _helpers() -> dict:
    return {"thai_date": thai_date, "human_size": human_size, "short_name": SHORT_NAMES.get,
            "clip": procedure.clip}


def _page(template: str, status: int = 200, **context) -> tuple[str, int]:
    return render_template(template, **context), status


@bp.errorhandler(404)
def _not_found(_error):
    return _message_page(404, "ไม่พบหน้านี้", "อาจยังไม่ได้เผยแพร่ หรือที่อยู่ไม่ถูกต้องค่ะ")


def _message_page(status: int, heading: str, text: str, *, lookup_office: bool = True) -> Response:
    office = None
    if lookup_office:
        with _session() as session:
            office = session.scalars(select(Office).order_by(Office.id).limit(1)).first()
    body = render_template("portal/message.html", office=office, heading=heading, text=text,
                           page_title=heading)
    return Response(body, status, mimetype="text/html")


# --- listings -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    id: int
    title: str
    description: str
    category_code: str
    unit_name: str
    published_at: datetime


def _live(office_id: int):
    """Published, not retracted items of the office, newest first, with their published version."""
    return (
        select(Publication.id, SubmissionVersion.title, SubmissionVersion.description,
               Publication.category_code, Unit.name.label("unit_name"), Publication.published_at)
        .join(SubmissionVersion, and_(SubmissionVersion.submission_id == Publication.submission_id,
                                      SubmissionVersion.number == Publication.version))
        .outerjoin(Unit, Unit.id == Publication.unit_id)
        .where(Publication.office_id == office_id, Publication.retracted_at.is_(None))
    )


def _entries(session: Session, query) -> list[Entry]:
    return [Entry(r.id, r.title or "(ไม่มีชื่อเรื่อง)", r.description or "", r.category_code,
                  r.unit_name or "", r.published_at) for r in session.execute(query)]


def _newest(query):
    return query.order_by(Publication.published_at.desc(), Publication.id.desc())


@dataclass(frozen=True)
class Paged:
    entries: list[Entry]
    page: int
    pages: int
    total: int


def _paginate(session: Session, query, ordered) -> Paged:
    page = request.args.get("page", 1, type=int)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if page < 1 or page > pages:
        abort(404)
    rows = _entries(session, ordered.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return Paged(rows, page, pages, total)


def _category_counts(session: Session, office_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Publication.category_code, func.count())
        .where(Publication.office_id == office_id, Publication.retracted_at.is_(None))
        .group_by(Publication.category_code))
    return {code: count for code, count in rows}


@bp.get("/")
def home():
    with _session() as session:
        office = _office(session)
        latest = _entries(session, _newest(_live(office.id)).limit(LATEST))
        counts = _category_counts(session, office.id)
        categories = session.scalars(select(Category).order_by(Category.sort_order)).all()
        fiscal_year, minimum = procedure.minimum_set(session, office.id, utcnow())
    missing = sum(1 for m in minimum if m.status != "current")
    return _page("portal/home.html", office=office, latest=latest, counts=counts,
                 categories=categories, minimum_missing=missing, fiscal_year=fiscal_year)


@bp.get("/c/<code>")
def category(code: str):
    with _session() as session:
        office = _office(session)
        cat = session.get(Category, code)
        if cat is None:
            abort(404)
        query = _live(office.id).where(Publication.category_code == code)
        paged = _paginate(session, query, _newest(query))
    return _page("portal/category.html", office=office, category=cat, paged=paged,
                 page_title=f"หมวด {cat.code} {SHORT_NAMES.get(cat.code, '')}")


# --- search ---------------------------------------------------------------------------------

def normalise_query(text: str) -> list[str]:
    """Search terms: NFC, lower case, invisible characters dropped, split on whitespace.

    Thai has no spaces between words, so each term is matched as a substring (LIKE '%term%'),
    which finds a word inside a sentence on SQLite and PostgreSQL alike.
    """
    text = unicodedata.normalize("NFC", text or "")[:MAX_QUERY].lower()
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("C") or ch.isspace())
    return text.split()[:MAX_TERMS]


def _term_matches(term: str):
    conditions = []
    for variant in {term, thai_digits(term), arabic_digits(term)}:
        pattern = like_pattern(variant)
        in_files = exists().where(
            Attachment.version_id == SubmissionVersion.id, Attachment.status == "stored",
            or_(func.lower(Attachment.caption).like(pattern, escape="\\"),
                func.lower(Attachment.filename).like(pattern, escape="\\")))
        conditions += [func.lower(SubmissionVersion.title).like(pattern, escape="\\"),
                       func.lower(SubmissionVersion.description).like(pattern, escape="\\"),
                       in_files]
    return or_(*conditions)


@bp.get("/search")
def search():
    raw = request.args.get("q", "")
    terms = normalise_query(raw)
    with _session() as session:
        office = _office(session)
        paged = None
        if terms:
            query = _live(office.id).where(*(_term_matches(t) for t in terms))
            in_title = and_(*(func.lower(SubmissionVersion.title).like(like_pattern(t), escape="\\")
                              for t in terms))
            ordered = query.order_by(case((in_title, 0), else_=1), Publication.published_at.desc(),
                                     Publication.id.desc())
            paged = _paginate(session, query, ordered)
    return _page("portal/search.html", office=office, q=raw[:MAX_QUERY], paged=paged,
                 page_title=f"ค้นหา {raw[:40]}" if raw else "ค้นหา")


# --- the minimum set (ข้อ ๒.๑) ---------------------------------------------------------------

@bp.get("/minimum")
def minimum():
    with _session() as session:
        office = _office(session)
        fiscal_year, entries = procedure.minimum_set(session, office.id, utcnow())
    return _page("portal/minimum.html", office=office, entries=entries, fiscal_year=fiscal_year,
                 page_title="ข้อมูลที่ต้องเผยแพร่อย่างน้อย")


# --- one item -------------------------------------------------------------------------------

def _publication(session: Session, pid: int) -> Publication:
    """The publication, or 404 (unknown, another office's) / 410 with the reason (retracted)."""
    office = _office(session)
    pub = session.get(Publication, pid)
    if pub is None or pub.office_id != office.id:
        abort(404)
    if pub.retracted_at is not None:
        abort(_gone(office, pub))
    return pub


def _gone(office: Office, pub: Publication) -> Response:
    title = pub.submission.version(pub.version).title
    body = render_template("portal/gone.html", office=office, pub=pub, title=title,
                           page_title="ถอนการเผยแพร่แล้ว")
    return Response(body, 410, mimetype="text/html")


def visitor_id(secret: str, ip: str, agent: str, day: str) -> str:
    """Who visited, unrecoverable and new every day: a keyed hash of IP, browser and date."""
    return hmac.new(secret.encode(), f"{ip}|{agent}|{day}".encode(), hashlib.sha256).hexdigest()


def is_reader() -> bool:
    if request.method != "GET":
        return False
    agent = request.headers.get("User-Agent", "")
    prefetch = (request.headers.get("Sec-Purpose", "").startswith("prefetch")
                or request.headers.get("Purpose") == "prefetch")
    return bool(agent) and not prefetch and not BOT_AGENTS.search(agent)


def count_view(session: Session, pid: int, now: datetime) -> bool:
    """Count one view per visitor per item per Bangkok day; reloads and races count once."""
    if not is_reader():
        return False
    day = to_bangkok(now).date()
    visitor = visitor_id(_config().secret_key, request.remote_addr or "",
                         request.headers.get("User-Agent", ""), day.isoformat())
    added = session.execute(
        insert_ignoring_conflicts(session, PageView, publication_id=pid, visitor=visitor, day=day)
        .returning(PageView.id)
    ).first()
    if added is not None:
        session.execute(update(Publication).where(Publication.id == pid)
                        .values(views=Publication.views + 1))
        return True
    return False


class _PublicFiles:
    """Where the item page's files and thumbnails live for the public."""

    def __init__(self, pid: int):
        self.pid = pid

    def file(self, f) -> str:
        return url_for("portal.attachment", pid=self.pid, aid=f.id)

    def thumb(self, f) -> str:
        return url_for("portal.thumbnail", pid=self.pid, aid=f.id)


class _PreviewFiles:
    """Before publication, files are reachable only through signed links (bot/files_web.py)."""

    def file(self, f) -> str:
        return links.attachment_url(_config(), f.id)

    def thumb(self, f) -> str:
        return links.attachment_url(_config(), f.id, preview=True)


@bp.get("/p/<int:pid>")
def item(pid: int):
    with _session(writes=True) as session:
        pub = _publication(session, pid)
        if count_view(session, pid, utcnow()):
            session.refresh(pub)
        view = procedure.describe(session, pub.submission, pub)
        office = _office(session)
    urls = Links(_config().public_base_url)
    return _page("portal/item.html", office=office, view=view, files=_PublicFiles(pid),
                 trail=procedure.trail_text(view), canonical=urls.item(pid),
                 og_image=_og_image(view, urls), page_title=view.title, preview=False)


def _og_image(view: procedure.ItemView, urls: Links) -> str:
    if view.photos:
        return urls.thumb(view.publication_id, view.photos[0].id)
    return urls.card_image(view.publication_id)


def _attachment_of(session: Session, submission: Submission, version: int, aid: int) -> Attachment:
    att = session.get(Attachment, aid)
    if (att is None or att.status != "stored" or not att.sha256
            or att.version_id != submission.version(version).id):
        abort(404)
    return att


def _send_stored(att: Attachment, title: str) -> Response:
    path = _store().path(att.sha256)
    if not path.is_file():
        abort(404)
    mime = att.mime or "application/octet-stream"
    inline = mime.startswith("image/") or mime == "application/pdf"
    response = send_file(path, mimetype=mime, conditional=True, etag=att.sha256, max_age=3600)
    response.headers["Content-Disposition"] = content_disposition(
        procedure.file_view(att, title).download_name, inline=inline)
    return response


@bp.get("/p/<int:pid>/files/<int:aid>")
def attachment(pid: int, aid: int):
    with _session() as session:
        pub = _publication(session, pid)
        att = _attachment_of(session, pub.submission, pub.version, aid)
        title = pub.submission.version(pub.version).title
    return _send_stored(att, title)


def _thumbnail_of(att: Attachment) -> Path:
    if not (att.mime or "").startswith("image/"):
        abort(404)
    store = _store()
    if not store.exists(att.sha256):
        abort(404)
    return _cached("thumbs", f"{att.sha256}.jpg", lambda: make_preview(store.open(att.sha256)))


@bp.get("/p/<int:pid>/thumb/<int:aid>.jpg")
def thumbnail(pid: int, aid: int):
    with _session() as session:
        pub = _publication(session, pid)
        att = _attachment_of(session, pub.submission, pub.version, aid)
    return send_file(_thumbnail_of(att), mimetype="image/jpeg", max_age=86400)


@bp.get("/p/<int:pid>/card.png")
def card(pid: int):
    from bot.publishing.cards import card_image

    with _session() as session:
        pub = _publication(session, pid)
        view = procedure.describe(session, pub.submission, pub)
    parts = (view.title, view.category_label, view.office_short)
    key = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return send_file(_cached("cards", f"{key}.png", lambda: card_image(*parts)),
                     mimetype="image/png", max_age=86400)


@bp.get("/p/<int:pid>/notice.pdf")
def notice(pid: int):
    with _session() as session:
        pub = _publication(session, pid)
        view = procedure.describe(session, pub.submission, pub)
    urls = Links(_config().public_base_url)
    data = procedure.notice_data(view, urls)
    key = hashlib.sha256(repr(data).encode()).hexdigest()
    from bot.render.pdf import notice_pdf

    response = send_file(_cached("notices", f"{key}.pdf", lambda: notice_pdf(data)),
                         mimetype="application/pdf", max_age=3600)
    response.headers["Content-Disposition"] = content_disposition(
        f"ประกาศ {view.title}.pdf", inline=True)
    return response


# --- signed, private links ------------------------------------------------------------------

def _signed(purpose: str, token: str, key: str, max_age: int) -> int:
    payload = links.unsign(_config(), purpose, token, max_age)
    ident = payload.get(key) if isinstance(payload, dict) else None
    if not isinstance(ident, int):
        abort(_message_page(403, "ลิงก์ไม่ถูกต้องหรือหมดอายุแล้ว",
                            "กรุณากดปุ่มบนการ์ดในแชต LINE อีกครั้งเพื่อขอลิงก์ใหม่ค่ะ"))
    return ident


@bp.get("/record/<token>")
def record(token: str):
    pid = _signed("record", token, "p", procedure.RECORD_LINK_SECONDS)
    with _session() as session:
        pub = session.get(Publication, pid)
        if pub is None:
            abort(404)
        data = procedure.record_pdf(session, pub, _config())
        name = f"บันทึกขออนุญาตเผยแพร่ {procedure.item_number(pub)}.pdf"
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(name, inline=True)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/preview/<token>")
def preview(token: str):
    sid = _signed("preview", token, "s", links.PREVIEW_TTL)
    with _session() as session:
        submission = session.get(Submission, sid)
        if submission is None or submission.status not in ("approved", "published"):
            abort(404)
        if submission.status == "published":
            pub = procedure.publication_of(session, submission.id)
            return redirect(url_for("portal.item", pid=pub.id))
        view = procedure.describe(session, submission)
        office = _office(session)
    body = render_template("portal/item.html", office=office, view=view, files=_PreviewFiles(),
                           trail=procedure.trail_text(view), canonical=None, og_image=None,
                           page_title=f"ตัวอย่าง: {view.title}", preview=True)
    return Response(body, mimetype="text/html",
                    headers={"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"})


# --- feeds, sitemap, robots, style ----------------------------------------------------------

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _xml(root: ET.Element, mimetype: str) -> Response:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype=mimetype, headers={"Cache-Control": "public, max-age=600"})


def _atom(office: Office, title: str, self_path: str, page_path: str, entries: list[Entry]) -> Response:
    urls = Links(_config().public_base_url)
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "th"})
    ET.SubElement(feed, "id").text = urls.base + self_path
    ET.SubElement(feed, "title").text = title
    updated = max((e.published_at for e in entries), default=office.created_at)
    ET.SubElement(feed, "updated").text = _iso(updated)
    ET.SubElement(feed, "link", {"rel": "self", "href": urls.base + self_path})
    ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html",
                                 "href": urls.base + page_path})
    ET.SubElement(ET.SubElement(feed, "author"), "name").text = office.name
    for e in entries:
        entry = ET.SubElement(feed, "entry")
        ET.SubElement(entry, "id").text = urls.item(e.id)
        ET.SubElement(entry, "title").text = e.title
        ET.SubElement(entry, "published").text = _iso(e.published_at)
        ET.SubElement(entry, "updated").text = _iso(e.published_at)
        ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": urls.item(e.id)})
        ET.SubElement(entry, "category", {"term": e.category_code,
                                          "label": SHORT_NAMES.get(e.category_code, e.category_code)})
        ET.SubElement(ET.SubElement(entry, "author"), "name").text = e.unit_name or office.name
        if e.description:
            ET.SubElement(entry, "summary").text = procedure.clip(e.description, 400)
    return _xml(feed, "application/atom+xml")


@bp.get("/feed.atom")
def feed():
    with _session() as session:
        office = _office(session)
        entries = _entries(session, _newest(_live(office.id)).limit(FEED_SIZE))
    return _atom(office, office.name, "/feed.atom", "/", entries)


@bp.get("/c/<code>/feed.atom")
def category_feed(code: str):
    with _session() as session:
        office = _office(session)
        if session.get(Category, code) is None:
            abort(404)
        query = _live(office.id).where(Publication.category_code == code)
        entries = _entries(session, _newest(query).limit(FEED_SIZE))
    return _atom(office, f"{office.name} · หมวด {code} {SHORT_NAMES.get(code, '')}",
                 f"/c/{code}/feed.atom", f"/c/{code}", entries)


@bp.get("/sitemap.xml")
def sitemap():
    with _session() as session:
        office = _office(session)
        entries = _entries(session, _newest(_live(office.id)))
        codes = session.scalars(select(Category.code).order_by(Category.sort_order)).all()
    urls = Links(_config().public_base_url)
    root = ET.Element("urlset", {"xmlns": SITEMAP})

    def add(loc: str, lastmod: datetime | None = None) -> None:
        node = ET.SubElement(root, "url")
        ET.SubElement(node, "loc").text = loc
        if lastmod is not None:
            ET.SubElement(node, "lastmod").text = _iso(lastmod)

    add(urls.home(), entries[0].published_at if entries else None)
    add(urls.base + "/minimum")
    for code in codes:
        add(f"{urls.base}/c/{code}")
    for e in entries:
        add(urls.item(e.id), e.published_at)
    return _xml(root, "application/xml")


@bp.get("/robots.txt")
def robots():
    base = _config().public_base_url
    body = f"User-agent: *\nDisallow: /record/\nDisallow: /preview/\nSitemap: {base}/sitemap.xml\n"
    return Response(body, mimetype="text/plain", headers={"Cache-Control": "public, max-age=86400"})


@bp.get("/portal.css")
def style():
    response = send_file(STYLE_PATH, mimetype="text/css", max_age=3600)
    return response
