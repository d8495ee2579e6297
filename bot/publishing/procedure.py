"""Publishing an approved item (ข้อ ๓.๑ ๖)–๗)): the publication row, its audit entry, the
confirmations to PR, the submitter and ICT, and retraction.

Everything here runs inside the caller's transaction and only writes rows: confirmations are
outbox rows, and a publisher target that talks to another website must do the same (an outbox
effect sent by bot/sender.py), never a network call here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.files import links as signed
from bot.files.core import ALLOWED_DOCUMENT_TYPES, download_filename, safe_display_name
from bot.office.categories import SHORT_NAMES
from bot.office.org import ROLE_NAMES, registered_group, roles_of
from bot.spine import audit, messages, outbox
from bot.spine.config import Config
from bot.thai.dates import be_year, fiscal_year_bounds, fiscal_year_of, thai_date
from bot.workflow import states
from bot.workflow.submissions import file_hashes
from models import (
    ApprovalStep,
    Attachment,
    Category,
    Office,
    Person,
    Publication,
    Submission,
    SubmissionVersion,
    Unit,
)

log = logging.getLogger("prakat.publishing")

PUBLISHER_ROLES = frozenset({"ict", "admin"})
RECORD_ROLES = frozenset({"unit_director", "office_director", "ict", "admin"})
RECORD_LINK_SECONDS = 24 * 3600
MAX_REASON = 500
AUTO_PUBLISHER = "ระบบ Prakat (เผยแพร่อัตโนมัติ)"
AUTO_PUBLISHER_NOTE = "เผยแพร่ทันทีเมื่อได้รับอนุมัติครบตามลำดับ ตามที่สำนักงานกำหนด"

Reply = Callable[[dict], None]


class PublishError(ValueError):
    """A publish or retract refused. `code` is for programs, the message is Thai for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


# --- publisher targets ----------------------------------------------------------------------

@dataclass(frozen=True)
class PublishedItem:
    """What a publisher target gets: the row, its public address, and the transaction it is in."""

    session: Session
    publication: Publication
    submission: Submission
    url: str
    config: Config
    event_id: str | None


class Publisher(Protocol):
    """A place items go when published. Targets only write rows (an outbox effect for a remote
    website); raising PublishError refuses the publication and rolls the transaction back."""

    name: str

    def publish(self, item: PublishedItem) -> None: ...

    def retract(self, item: PublishedItem) -> None: ...


class PortalPublisher:
    """The built-in portal serves straight from the publications table, so publishing to it is
    the row itself; what it adds is the refusal to publish files that are no longer stored."""

    name = "portal"

    def publish(self, item: PublishedItem) -> None:
        store = signed.store(item.config)
        version = item.submission.version(item.publication.version)
        lost = [a.filename or str(a.id) for a in version.attachments
                if a.status == "stored" and not (a.sha256 and store.exists(a.sha256))]
        if lost:
            raise PublishError("files_missing", "ไม่พบไฟล์ที่จัดเก็บไว้ของเรื่องนี้ "
                               f"({', '.join(lost)}) กรุณาแจ้งผู้ดูแลระบบค่ะ")

    def retract(self, item: PublishedItem) -> None:
        """Nothing to undo: every portal page checks retracted_at."""


_PUBLISHERS: list[Publisher] = [PortalPublisher()]


def register_publisher(target: Publisher) -> None:
    """Add a target (e.g. the office's existing website) after the portal; by name, once."""
    if any(p.name == target.name for p in _PUBLISHERS):
        raise ValueError(f"a publisher named {target.name!r} is already registered")
    _PUBLISHERS.append(target)


def publishers() -> list[Publisher]:
    return list(_PUBLISHERS)


# --- configuration, addresses and signed links ---------------------------------------------

def _config(config: Config | None, session: Session | None = None) -> Config:
    """The app's Config: given, or carried by the session (bot.db), or the current app's."""
    if config is not None:
        return config
    if session is not None and session.info.get("config") is not None:
        return session.info["config"]
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.extensions["prakat"].config
    raise RuntimeError("publishing needs the configuration: pass config= or run inside the app")


@dataclass(frozen=True)
class Links:
    """Absolute addresses under PUBLIC_BASE_URL (what LINE messages and PDFs carry)."""

    base: str

    @property
    def https(self) -> bool:
        return self.base.startswith("https://")

    def home(self) -> str:
        return self.base + "/"

    def item(self, pid: int) -> str:
        return f"{self.base}/p/{pid}"

    def file(self, pid: int, aid: int) -> str:
        return f"{self.base}/p/{pid}/files/{aid}"

    def thumb(self, pid: int, aid: int) -> str:
        return f"{self.base}/p/{pid}/thumb/{aid}.jpg"

    def card_image(self, pid: int) -> str:
        return f"{self.base}/p/{pid}/card.png"

    def notice(self, pid: int) -> str:
        return f"{self.base}/p/{pid}/notice.pdf"

    def record(self, token: str) -> str:
        return f"{self.base}/record/{token}"

    def preview(self, token: str) -> str:
        return f"{self.base}/preview/{token}"


def links(config: Config | None = None, session: Session | None = None) -> Links:
    return Links(_config(config, session).public_base_url)


def record_url(config: Config, publication_id: int) -> str:
    """A signed link to the publication record PDF, good for RECORD_LINK_SECONDS; never public."""
    return Links(config.public_base_url).record(signed.sign(config, "record", {"p": publication_id}))


def preview_url(config: Config, submission_id: int) -> str:
    """A signed link to how an approved item will look on the portal, for whoever publishes it."""
    return Links(config.public_base_url).preview(signed.sign(config, "preview", {"s": submission_id}))


# --- what an item looks like to people ------------------------------------------------------

_TYPE_LABELS = {
    "pdf": "PDF", "doc": "Word", "docx": "Word", "xls": "Excel", "xlsx": "Excel",
    "ppt": "PowerPoint", "pptx": "PowerPoint", "odt": "OpenDocument", "ods": "OpenDocument",
    "odp": "OpenDocument", "zip": "ZIP",
}
_MIME_KINDS = {mime: kind for kind, mime in ALLOWED_DOCUMENT_TYPES.items()} | {
    "image/jpeg": "jpg", "image/png": "png"}


@dataclass(frozen=True)
class FileView:
    id: int
    name: str
    download_name: str
    mime: str
    label: str
    size: int | None
    pages: int | None
    caption: str
    sha256: str

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")


@dataclass(frozen=True)
class Signer:
    """A person on the item's trail, with the moment they acted."""

    name: str
    position: str
    role_label: str
    at: datetime | None
    note: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class ItemView:
    submission_id: int
    publication_id: int | None
    version: int
    kind: str
    status: str
    title: str
    description: str
    activity_date: date | None
    category_code: str
    category_name: str
    office_name: str
    office_short: str
    unit_name: str
    submitter: Signer
    approvals: list[Signer]
    publisher: Signer | None
    published_at: datetime | None
    retracted_at: datetime | None
    retract_reason: str | None
    views: int
    files: list[FileView]
    photos: list[FileView]

    @property
    def category_short(self) -> str:
        return SHORT_NAMES.get(self.category_code, self.category_name)

    @property
    def category_label(self) -> str:
        return f"หมวด {self.category_code} {self.category_short}"


def file_view(a: Attachment, title: str) -> FileView:
    mime = a.mime or "application/octet-stream"
    kind = _MIME_KINDS.get(mime)
    name = safe_display_name(a.filename or title or "ไฟล์")
    label = "รูปภาพ" if mime.startswith("image/") else _TYPE_LABELS.get(kind or "", "ไฟล์")
    return FileView(
        id=a.id, name=name, mime=mime, label=label, size=a.size, pages=a.page_count,
        caption=a.caption or "", sha256=a.sha256 or "",
        download_name=download_filename(a.filename or title, kind) if kind else name,
    )


def _signer(person: Person | None, role_label: str, at: datetime | None,
            note: str | None = None) -> Signer:
    if person is None:
        return Signer("-", "-", role_label, at, note)
    return Signer(person.name, person.position or "-", role_label, at, note,
                  person.unit.name if person.unit else None)


SUBMIT_ACTIONS = ("submit", "resubmit")


def _trail(session: Session, submission: Submission, version: int) -> tuple[Signer, list[Signer]]:
    """Who asked and who approved, read from the audit log (bot.workflow writes "submit",
    "resubmit" and "approve" entries): it is hash-chained, so it is what auditors trust.

    Each step counts with its latest approval of a version up to the published one: a step that
    approved version 1 still stands when a later step returned the item and approved version 2.
    """
    entries = [e for e in audit.history(session, submission.id) if (e.version or 0) <= version]
    submits = [e for e in entries if e.action in SUBMIT_ACTIONS]
    submitter = session.get(Person, submission.submitter_id)
    asked_at = submits[-1].created_at if submits else (submission.submitted_at or submission.created_at)
    requester = _signer(submitter, "ผู้ให้ข้อมูล", asked_at)
    roles = {s.position: s.role for s in session.scalars(
        select(ApprovalStep).where(ApprovalStep.submission_id == submission.id))}
    latest = {}
    for entry in entries:
        if entry.action == "approve":
            latest[int((entry.data or {}).get("step", 0))] = entry
    approvals = []
    for position in sorted(latest):
        entry = latest[position]
        note = None
        if entry.acting_for_id:
            absent = session.get(Person, entry.acting_for_id)
            note = f"รักษาราชการแทน {absent.position or absent.name}"
            if entry.acting_order:
                note += f" ({entry.acting_order})"
        role = roles.get(position, "")
        approvals.append(_signer(session.get(Person, entry.actor_id) if entry.actor_id else None,
                                 ROLE_NAMES.get(role, role or "ผู้อนุมัติ"), entry.created_at, note))
    return requester, approvals


def describe(session: Session, submission: Submission,
             publication: Publication | None = None) -> ItemView:
    """Everything pages, cards and PDFs show about one item, read once."""
    number = publication.version if publication else submission.current_version
    version = submission.version(number)
    office = session.get(Office, submission.office_id)
    category = session.get(Category, submission.category_code) if submission.category_code else None
    unit = session.get(Unit, submission.unit_id) if submission.unit_id else None
    requester, approvals = _trail(session, submission, number)
    stored = [a for a in version.attachments if a.status == "stored" and a.sha256]
    title = version.title.strip() or "(ไม่มีชื่อเรื่อง)"
    files = [file_view(a, title) for a in stored]
    publisher = None
    if publication is not None:
        if publication.published_by is not None:
            publisher = _signer(publication.published_by, "ผู้เผยแพร่", publication.published_at)
        else:
            publisher = Signer(AUTO_PUBLISHER, AUTO_PUBLISHER_NOTE, "ผู้เผยแพร่",
                               publication.published_at)
    return ItemView(
        submission_id=submission.id, publication_id=publication.id if publication else None,
        version=number, kind=submission.kind, status=submission.status, title=title,
        description=version.description.strip(), activity_date=version.activity_date,
        category_code=submission.category_code or "",
        category_name=category.name if category else "",
        office_name=office.name, office_short=office.short_name,
        unit_name=unit.name if unit else (requester.unit or ""),
        submitter=requester, approvals=approvals,
        publisher=publisher,
        published_at=publication.published_at if publication else None,
        retracted_at=publication.retracted_at if publication else None,
        retract_reason=publication.retract_reason if publication else None,
        views=publication.views if publication else 0,
        files=[f for f in files if not f.is_image], photos=[f for f in files if f.is_image],
    )


def trail_text(view: ItemView) -> str:
    """The approval trail in one line, for the public page."""
    parts = [f"เสนอโดย {view.unit_name or view.submitter.name}"
             + (f" {thai_date(view.submitter.at, short=True)}" if view.submitter.at else "")]
    for a in view.approvals:
        who = f"{a.name} {a.position}" + (f" {a.note}" if a.note else "")
        parts.append(f"อนุมัติโดย {who}" + (f" {thai_date(a.at, short=True)}" if a.at else ""))
    if view.published_at:
        by = ""
        if view.publisher is not None and view.publisher.name != AUTO_PUBLISHER:
            by = f"โดย {view.publisher.name} "
        parts.append(f"เผยแพร่ {by}{thai_date(view.published_at, short=True)}")
    return " → ".join(parts)


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a space when one is near, never inside a Thai cluster."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 0.6:
        cut = cut[:space]
    while cut and ("\u0e31" <= cut[-1] <= "\u0e3a" or "\u0e47" <= cut[-1] <= "\u0e4e"
                   or cut[-1] in "เแโใไ"):
        cut = cut[:-1]
    return cut.rstrip() + "…"


def summary_lines(view: ItemView, lines: int = 2) -> str:
    """A short summary: the description's first lines, or what kind of item it is."""
    paragraphs = [p.strip() for p in view.description.splitlines() if p.strip()]
    if not paragraphs:
        return f"{view.unit_name or view.office_short} เผยแพร่ข้อมูล{view.category_label}"
    if len(paragraphs) == 1:
        return clip(paragraphs[0], 200)
    return "\n".join(clip(p, 140) for p in paragraphs[:lines])


# --- the publication record and the notice (PDF) --------------------------------------------

def item_number(publication: Publication) -> str:
    return f"{publication.id}/{be_year(publication.published_at)}"


def _signatory(s: Signer, *, decision: str = "อนุมัติ"):
    from bot.render.pdf import Signatory

    return Signatory(name=s.name, position=s.position, role_label=s.role_label,
                     decided_on=thai_date(s.at) if s.at else "-", note=s.note, unit=s.unit,
                     decision=decision)


def record_data(session: Session, publication: Publication, config: Config | None = None):
    """The ITA "request to publish" form (bot.render.pdf.RecordData): who supplied the item,
    who approved it, who published it, when."""
    from bot.render.pdf import RecordData

    view = describe(session, publication.submission, publication)
    return RecordData(
        office_name=view.office_name, item_no=item_number(publication), title=view.title,
        summary=view.description or view.title,
        category=f"{view.category_code} {view.category_name}",
        url=Links(_config(config, session).public_base_url).item(publication.id),
        submitted_on=thai_date(view.submitter.at) if view.submitter.at else "-",
        requester=_signatory(view.submitter, decision="เสนอขออนุญาตเผยแพร่"),
        approvers=[_signatory(a) for a in view.approvals],
        publisher=_signatory(view.publisher, decision="เผยแพร่") if view.publisher else None,
        published_on=thai_date(publication.published_at),
    )


def record_pdf(session: Session, publication: Publication, config: Config | None = None) -> bytes:
    from bot.render.pdf import publication_record_pdf

    return publication_record_pdf(record_data(session, publication, config))


def notice_data(view: ItemView, urls: Links):
    """What the A4 notice for the board says (bot.render.pdf.NoticeData)."""
    from bot.render.pdf import NoticeData

    return NoticeData(
        office_name=view.office_name, title=view.title,
        category=f"{view.category_code} {view.category_name}",
        summary=view.description or summary_lines(view), unit_name=view.unit_name or "-",
        published_on=thai_date(view.published_at) if view.published_at else "-",
        url=urls.item(view.publication_id),
    )


# --- who is who -----------------------------------------------------------------------------

def ict_people(session: Session, office_id: int) -> list[Person]:
    """Active, LINE-linked people holding the ICT role: they publish in `ict` mode."""
    people = session.scalars(select(Person).where(
        Person.office_id == office_id, Person.active.is_(True), Person.line_user_id.is_not(None))
        .order_by(Person.id))
    return [p for p in people if "ict" in (p.roles or []) and "ict" in roles_of(session, p)]


def can_publish(session: Session, person: Person | None, office_id: int) -> bool:
    return (person is not None and person.office_id == office_id
            and bool(roles_of(session, person) & PUBLISHER_ROLES))


def can_read_record(session: Session, person: Person | None, office_id: int) -> bool:
    return (person is not None and person.office_id == office_id
            and bool(roles_of(session, person) & RECORD_ROLES))


# --- the procedure --------------------------------------------------------------------------

def on_final_approval(session: Session, submission: Submission, *, actor_id: int | None,
                      event_id: str | None, now: datetime, reply: Reply | None,
                      config: Config | None = None) -> Publication | None:
    """Called by the workflow inside the deciding transaction, status already "approved".

    Portal mode publishes now and returns the Publication (the submitter is told by it, so the
    workflow need not push them an "approved" message too); ict mode hands the item to the
    linked ICT people with a "เผยแพร่" card and returns None.
    """
    from bot.publishing import cards as cards

    cfg = _config(config, session)
    office = session.get(Office, submission.office_id)
    if office.publish_mode != "ict":
        try:
            return publish(session, submission, publisher_id=None, actor_id=actor_id,
                           event_id=event_id, now=now, reply=reply, config=cfg)
        except PublishError as exc:  # the approval itself still stands
            log.warning("submission %s approved but not published: %s", submission.id, exc.code)
            if reply is not None:
                reply(messages.text(f"อนุมัติแล้วค่ะ แต่ยังเผยแพร่ไม่ได้: {exc}"))
            return None
    actor = session.get(Person, actor_id) if actor_id else None
    view = describe(session, submission)
    hero = None
    if view.photos and cfg.public_base_url.startswith("https://"):
        hero = signed.attachment_url(cfg, view.photos[0].id, preview=True)
    card = cards.publish_request_card(view, preview_url(cfg, submission.id), hero)
    people = ict_people(session, office.id)
    for person in people:
        if reply is not None and actor is not None and person.line_user_id == actor.line_user_id:
            reply(card)
            continue
        outbox.push(session, person.line_user_id, [card], office_id=office.id,
                    purpose=f"publish-request:{submission.id}", event_id=event_id)
    audit.record(session, "send_to_ict", office_id=office.id, submission_id=submission.id,
                 actor_id=actor_id, from_state="approved", to_state="approved",
                 version=submission.current_version, event_id=event_id,
                 data={"ict": [p.id for p in people]})
    if not people:
        log.warning("submission %s approved in ict mode but no ICT person is linked", submission.id)
    if reply is not None:
        reply(messages.text(cards.handed_to_ict_text(view, len(people))))
    return None


def publish(session: Session, submission: Submission, *, publisher_id: int | None,
            event_id: str | None, now: datetime, actor_id: int | None = None,
            reply: Reply | None = None, config: Config | None = None) -> Publication:
    """Publish an approved submission: the row, the audit entry, the targets, the confirmations.

    `publisher_id` is the ICT person who tapped "เผยแพร่" (None when the portal published at the
    final approval); `actor_id` defaults to them; `reply`, when given, answers the actor for free.
    Raises PublishError (and changes nothing) unless the submission is still "approved".
    """
    cfg = _config(config, session)
    actor_id = publisher_id if actor_id is None else actor_id
    if not submission.category_code:
        raise PublishError("no_category", "เรื่องนี้ยังไม่ได้ระบุหมวดข้อมูล จึงเผยแพร่ไม่ได้ค่ะ")
    # A savepoint: a target's refusal undoes the status change and the row, nothing else.
    with session.begin_nested():
        return _publish(session, submission, publisher_id=publisher_id, actor_id=actor_id,
                        event_id=event_id, now=now, reply=reply, cfg=cfg)


def _publish(session: Session, submission: Submission, *, publisher_id: int | None,
             actor_id: int | None, event_id: str | None, now: datetime, reply: Reply | None,
             cfg: Config) -> Publication:
    from bot.publishing import cards as cards

    # The status guard is in the UPDATE itself, so two simultaneous taps cannot both publish.
    if not states.try_move(session, submission, "publish", now):
        raise _not_publishable(session, submission)
    version = submission.version()
    pub = Publication(
        office_id=submission.office_id, submission_id=submission.id, version=version.number,
        category_code=submission.category_code, unit_id=submission.unit_id, published_at=now,
        published_by_id=publisher_id,
    )
    session.add(pub)
    session.flush()
    urls = Links(cfg.public_base_url)
    item = PublishedItem(session, pub, submission, urls.item(pub.id), cfg, event_id)
    for target in publishers():
        target.publish(item)
    office = session.get(Office, submission.office_id)
    audit.record(
        session, "publish", office_id=office.id, submission_id=submission.id, actor_id=actor_id,
        from_state="approved", to_state="published", version=version.number,
        file_hashes=file_hashes(version),
        event_id=event_id,
        data={"publication_id": pub.id, "url": item.url, "mode": office.publish_mode,
              "targets": [p.name for p in publishers()], "automatic": publisher_id is None},
    )
    view = describe(session, submission, pub)
    purpose = f"publication:{pub.id}"
    pr = registered_group(session, office.id, "pr")
    if pr is not None:
        outbox.push(session, pr.group_id, [cards.pr_card(view, urls),
                                           messages.text(cards.share_text(view, urls))],
                    office_id=office.id, purpose=purpose, event_id=event_id)
    else:
        log.warning("publication %s: no PR group registered, nobody posts it on social media", pub.id)

    actor = session.get(Person, actor_id) if actor_id else None
    answered = None
    if reply is not None:
        if actor is not None:
            answered = actor.line_user_id
            reply(cards.published_card(view, urls, can_retract=can_publish(session, actor, office.id),
                                       can_record=can_read_record(session, actor, office.id)))
        else:
            # The deciding director, unnamed: the record button's role is checked when tapped.
            reply(cards.published_card(view, urls, can_retract=False, can_record=True))
    told: dict[str, dict] = {}
    submitter = session.get(Person, submission.submitter_id)
    if submitter is not None and submitter.active and submitter.line_user_id:
        told[submitter.line_user_id] = messages.text(cards.submitter_published_text(view, urls))
    if office.publish_mode != "ict":
        # In ict mode the ICT person who tapped is answered above; the others learn it, free,
        # if they tap their own card.
        for person in ict_people(session, office.id):
            told[person.line_user_id] = cards.published_card(view, urls, can_retract=True,
                                                             can_record=True)
    for line_user_id, message in told.items():
        if line_user_id != answered:
            outbox.push(session, line_user_id, [message], office_id=office.id, purpose=purpose,
                        event_id=event_id)
    return pub


def _not_publishable(session: Session, submission: Submission) -> PublishError:
    if submission.status == "published":
        pub = publication_of(session, submission.id)
        when = f" เมื่อ {thai_date(pub.published_at, short=True)}" if pub else ""
        return PublishError("already_published", f"เรื่องนี้เผยแพร่แล้ว{when}ค่ะ")
    if submission.status == "retracted":
        return PublishError("retracted", "เรื่องนี้ถูกถอนการเผยแพร่แล้ว จึงเผยแพร่ซ้ำไม่ได้ค่ะ")
    return PublishError("not_approved", "เรื่องนี้ยังไม่ได้รับอนุมัติครบ จึงยังเผยแพร่ไม่ได้ค่ะ")


def publication_of(session: Session, submission_id: int) -> Publication | None:
    return session.scalars(select(Publication).where(Publication.submission_id == submission_id)).first()


def retract(session: Session, publication: Publication, *, actor_id: int | None, reason: str,
            event_id: str | None, now: datetime, reply: Reply | None = None,
            config: Config | None = None) -> Publication:
    """Take a publication off the portal with a reason; PR and the submitter are told.

    The portal then answers 410 Gone with the reason. Raises PublishError (and changes nothing)
    if already retracted or the reason is empty.
    """
    cfg = _config(config, session)
    reason = " ".join((reason or "").split())
    if len(reason) < 3:
        raise PublishError("no_reason", "กรุณาระบุเหตุผลที่ถอนการเผยแพร่ค่ะ")
    if len(reason) > MAX_REASON:
        raise PublishError("long_reason", f"เหตุผลยาวเกิน {MAX_REASON} ตัวอักษร กรุณาพิมพ์ให้สั้นลงค่ะ")
    with session.begin_nested():
        return _retract(session, publication, actor_id=actor_id, reason=reason, event_id=event_id,
                        now=now, reply=reply, cfg=cfg)


def _retract(session: Session, publication: Publication, *, actor_id: int | None, reason: str,
             event_id: str | None, now: datetime, reply: Reply | None, cfg: Config) -> Publication:
    from bot.publishing import cards as cards

    won = session.execute(
        update(Publication).where(Publication.id == publication.id,
                                  Publication.retracted_at.is_(None))
        .values(retracted_at=now, retracted_by_id=actor_id, retract_reason=reason)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if won != 1:
        session.refresh(publication)
        raise PublishError("already_retracted", "เรื่องนี้ถูกถอนการเผยแพร่ไปแล้วค่ะ")
    submission = publication.submission
    states.move(session, submission, "retract", now)
    urls = Links(cfg.public_base_url)
    item = PublishedItem(session, publication, submission, urls.item(publication.id), cfg, event_id)
    for target in publishers():
        target.retract(item)
    audit.record(session, "retract", office_id=publication.office_id, submission_id=submission.id,
                 actor_id=actor_id, from_state="published", to_state="retracted",
                 version=publication.version, event_id=event_id,
                 data={"publication_id": publication.id, "reason": reason})
    view = describe(session, submission, publication)
    purpose = f"retraction:{publication.id}"
    pr = registered_group(session, publication.office_id, "pr")
    if pr is not None:
        outbox.push(session, pr.group_id, [messages.text(cards.retracted_pr_text(view, urls))],
                    office_id=publication.office_id, purpose=purpose, event_id=event_id)
    actor = session.get(Person, actor_id) if actor_id else None
    submitter = session.get(Person, submission.submitter_id)
    if reply is not None:
        reply(messages.text(cards.retracted_actor_text(view)))
    if (submitter is not None and submitter.active and submitter.line_user_id
            and not (reply is not None and actor is not None and actor.id == submitter.id)):
        outbox.push(session, submitter.line_user_id,
                    [messages.text(cards.retracted_submitter_text(view))],
                    office_id=publication.office_id, purpose=purpose, event_id=event_id)
    return publication


# --- the minimum set of ข้อ ๒.๑, as the portal shows it -----------------------------------

@dataclass(frozen=True)
class MinimumEntry:
    key: str
    label: str
    category_code: str
    publication_id: int | None
    title: str | None
    published_at: datetime | None
    status: str  # current | stale (published before this fiscal year) | missing


def like_pattern(value: str) -> str:
    """A LIKE pattern matching `value` anywhere, with LIKE's own characters escaped by \\."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", value) + "%"


def minimum_set(session: Session, office_id: int, now: datetime) -> tuple[int, list[MinimumEntry]]:
    """(current fiscal year, each required item with the latest live publication carrying it).

    The requirements and their categories are bot.minimum_set's (the quarterly digest counts
    the same ones); this adds which item it is and whether it is from this fiscal year.
    """
    from bot.publishing.minimum_set import MINIMUM_SET

    fiscal_year = fiscal_year_of(now)
    year_start = fiscal_year_bounds(fiscal_year)[0]
    latest: dict[str, tuple | None] = {}
    entries = []
    for key, label, code in MINIMUM_SET:
        if code not in latest:
            latest[code] = session.execute(
                select(Publication.id, SubmissionVersion.title, Publication.published_at)
                .join(SubmissionVersion,
                      (SubmissionVersion.submission_id == Publication.submission_id)
                      & (SubmissionVersion.number == Publication.version))
                .where(Publication.office_id == office_id, Publication.category_code == code,
                       Publication.retracted_at.is_(None), Publication.published_at <= now)
                .order_by(Publication.published_at.desc(), Publication.id.desc()).limit(1)
            ).first()
        row = latest[code]
        if row is None:
            entries.append(MinimumEntry(key, label, code, None, None, None, "missing"))
        else:
            status = "current" if row.published_at >= year_start else "stale"
            entries.append(MinimumEntry(key, label, code, row.id, row.title, row.published_at, status))
    return fiscal_year, entries
