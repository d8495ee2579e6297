"""What an item looks like to people: the read model pages, cards and PDFs share, read once,
with the trail of who asked and who approved taken from the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.files.kinds import ALLOWED_DOCUMENT_TYPES
from bot.files.names import download_filename, safe_display_name
from bot.office import categories
from bot.office.org import role_name
from bot.spine import audit
from bot.thai.dates import thai_date
from bot.thai.text import clip
from models import (
    ApprovalStep,
    Attachment,
    Office,
    Person,
    Publication,
    Submission,
    Unit,
)

AUTO_PUBLISHER = "ระบบ Prakat (เผยแพร่อัตโนมัติ)"
AUTO_PUBLISHER_NOTE = "เผยแพร่ทันทีเมื่อได้รับอนุมัติครบตามลำดับ ตามที่สำนักงานกำหนด"

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
    category_short: str = ""  # the office's button label of the category
    office_address: str = ""  # the office's letterhead, from its org file
    office_phone: str = ""
    office_logo: str | None = None
    digits: str = "thai"  # the office's digit style for what people read in LINE (Office.digits)


    @property
    def category_label(self) -> str:
        return f"หมวด {self.category_code} {self.category_short}"


def file_view(a: Attachment, title: str) -> FileView:
    mime = a.mime or "application/octet-stream"
    kind = _MIME_KINDS.get(mime)
    name = safe_display_name(a.filename or title or "ไฟล์")
    label = "ภาพ" if mime.startswith("image/") else _TYPE_LABELS.get(kind or "", "ไฟล์")
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
    office = session.get(Office, submission.office_id)
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
                                 role_name(office, role) if role else "ผู้อนุมัติ", entry.created_at, note))
    return requester, approvals


def describe(session: Session, submission: Submission,
             publication: Publication | None = None) -> ItemView:
    """Everything pages, cards and PDFs show about one item, read once."""
    number = publication.version if publication else submission.current_version
    version = submission.version(number)
    office = session.get(Office, submission.office_id)
    category = categories.category(session, submission.office_id, submission.category_code)
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
        category_short=category.short_name if category else "",
        office_name=office.name, office_short=office.short_name, digits=office.digits,
        office_address=office.address or "", office_phone=office.phone or "", office_logo=office.logo,
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


def summary_lines(view: ItemView, lines: int = 2) -> str:
    """A short summary: the description's first lines, or what kind of item it is."""
    paragraphs = [p.strip() for p in view.description.splitlines() if p.strip()]
    if not paragraphs:
        return f"{view.unit_name or view.office_short} เผยแพร่ข้อมูล{view.category_label}"
    if len(paragraphs) == 1:
        return clip(paragraphs[0], 200)
    return "\n".join(clip(p, 140) for p in paragraphs[:lines])

