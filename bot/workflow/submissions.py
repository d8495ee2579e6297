"""Drafts and their files: the data owner's side of the procedure (ข้อ ๓.๑ ๕), ๓.๒, ๓.๓ ๑)–๓))."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.files.kinds import check_document
from bot.files.links import store
from bot.files.media import human_size, pdf_page_count, strip_image_metadata
from bot.files.names import safe_display_name
from bot.office import categories
from bot.privacy import check as personal_data
from bot.spine import audit, messages, outbox
from bot.spine.config import Config
from bot.spine.sender import Outcome, SendContext, call_line
from bot.workflow import states
from models import (
    Attachment,
    Conversation,
    OutboxMessage,
    Person,
    Submission,
    SubmissionVersion,
    utcnow,
)

DRAFT_IDLE = timedelta(hours=24)
KIND_NAMES = {"document": "เอกสาร", "photos": "ภาพกิจกรรม", "announcement": "ประกาศข่าว"}
OPEN_STATES = ("pending", "returned", "approved", "published")


class DraftError(ValueError):
    """A request about a draft that cannot be done; the message is Thai, for the user."""


def start_draft(session: Session, person: Person, kind: str, now: datetime,
                event_id: str | None = None) -> Submission:
    submission = Submission(office_id=person.office_id, submitter_id=person.id, unit_id=person.unit_id,
                            kind=kind, status=states.INITIAL, created_at=now, updated_at=now)
    submission.versions.append(SubmissionVersion(number=1, created_at=now))
    session.add(submission)
    session.flush()
    audit.record(session, "draft", office_id=person.office_id, submission_id=submission.id,
                 actor_id=person.id, to_state="draft", version=1, event_id=event_id,
                 data={"kind": kind})
    return submission


def touch(submission: Submission, now: datetime) -> None:
    submission.updated_at = now


def _queue_download(session: Session, attachment: Attachment, person: Person, event_id: str | None,
                    answer: dict | None = None):
    payload = {"attachment_id": attachment.id, "message_id": attachment.line_message_id}
    if answer:
        payload["answer"] = answer
    outbox.effect(session, "download", payload, target=person.line_user_id, office_id=person.office_id,
                  event_id=event_id)


def add_document(session: Session, config: Config, submission: Submission, person: Person, *,
                 message_id: str, filename: str, size: int, event_id: str | None,
                 answer: dict | None = None) -> Attachment:
    """Attach the file LINE announced; refuse an oversized one before downloading anything.

    `answer` ({token, event_ms, messages}) is what the sender was to be told once the file is
    in: it goes only when the file passes its checks, and a refused file gets one answer, the
    refusal, in its place (and the new draft it started is cancelled)."""
    if size > config.max_file_bytes:
        raise DraftError(f"ไฟล์มีขนาด {human_size(size)} ใหญ่เกินกำหนด ({config.max_file_mb} MB) "
                         "กรุณาย่อขนาดหรือแบ่งไฟล์แล้วส่งใหม่ค่ะ")
    version = submission.version()
    for old in list(version.attachments):  # a document item has one file: a new one replaces it
        session.delete(old)
    version.attachments.clear()
    attachment = Attachment(line_message_id=message_id, filename=safe_display_name(filename),
                            size=size, position=1, status="waiting")
    version.attachments.append(attachment)
    session.flush()
    _queue_download(session, attachment, person, event_id, answer)
    return attachment


def add_photo(session: Session, submission: Submission, person: Person, *, message_id: str,
              index: int | None, event_id: str | None) -> Attachment:
    version = submission.version()
    taken = {a.position for a in version.attachments}
    position = index if index and index not in taken else max(taken, default=0) + 1
    attachment = Attachment(line_message_id=message_id, filename=f"photo-{position}.jpg",
                            position=position, status="waiting")
    version.attachments.append(attachment)
    session.flush()
    _queue_download(session, attachment, person, event_id)
    return attachment


def photos_of(version: SubmissionVersion) -> list[Attachment]:
    return sorted(version.attachments, key=lambda a: a.position)


NEEDS_BODY = "ประกาศต้องมีเนื้อหาค่ะ กรุณาพิมพ์เนื้อหาประกาศ"


def _lacks_body(kind: str, description: str) -> bool:
    """An announcement is its text: without one there is nothing to publish."""
    return kind == "announcement" and not description.strip()


def set_description(submission: Submission, text: str) -> None:
    """The item's description (a photo album's captions too); an empty one is refused for an
    announcement here, at the step, not only when it is sent."""
    description = text.strip()[:5000]
    if _lacks_body(submission.kind, description):
        raise DraftError(NEEDS_BODY)
    version = submission.version()
    version.description = description
    if submission.kind == "photos":
        for photo in version.attachments:
            photo.caption = description


def takes_replacement_file(submission: Submission, *, at_confirmation: bool) -> bool:
    """Whether a file sent during this draft replaces its document: at the confirmation step
    (the user chose to), or whenever the current file failed or was refused (so the user is
    never stuck with a broken draft they cannot mend)."""
    if submission.kind != "document":
        return False
    broken = any(a.status in ("failed", "refused") for a in submission.version().attachments)
    return at_confirmation or broken


def missing_for_submit(session: Session, submission: Submission,
                       now: datetime | None = None) -> list[str]:
    """What still stops the draft from being sent, in Thai (empty when it can go). A file still
    being checked for personal data holds it, for at most bot.privacy.check.SCAN_WAIT."""
    version = submission.version()
    missing = []
    if not submission.category_code:
        missing.append("หมวดข้อมูล")
    if not version.title.strip():
        missing.append("ชื่อเรื่อง" if submission.kind != "photos" else "ชื่อกิจกรรม")
    if _lacks_body(submission.kind, version.description):
        missing.append("เนื้อหาประกาศ")
    if submission.kind in ("document", "photos"):
        files = version.attachments
        if not files:
            missing.append("ไฟล์เอกสาร" if submission.kind == "document" else "ภาพ")
        elif any(a.status == "waiting" for a in files):
            missing.append("รอรับไฟล์จาก LINE ให้ครบ (อีกสักครู่)")
        elif any(a.status in ("failed", "refused") for a in files):
            missing.append("ไฟล์ที่รับไม่สำเร็จ (กรุณาส่งใหม่)")
        elif personal_data.check_of(session, version, submission.kind, now).waiting:
            missing.append("รอตรวจข้อมูลส่วนบุคคลในไฟล์ให้เสร็จ (อีกสักครู่)")
    return missing


def file_hashes(version: SubmissionVersion) -> list[str]:
    return [a.sha256 for a in sorted(version.attachments, key=lambda a: a.position) if a.sha256]


def new_version(session: Session, submission: Submission, now: datetime) -> SubmissionVersion:
    """A correction starts from a copy of the current version; the old one is kept as it was."""
    old = submission.version()
    version = SubmissionVersion(number=old.number + 1, title=old.title, description=old.description,
                                activity_date=old.activity_date, created_at=now)
    for a in old.attachments:
        version.attachments.append(Attachment(
            position=a.position, line_message_id=a.line_message_id, status=a.status, sha256=a.sha256,
            filename=a.filename, kind=a.kind, mime=a.mime, size=a.size, page_count=a.page_count,
            caption=a.caption))
    submission.versions.append(version)
    submission.current_version = version.number
    session.flush()
    return version


def duplicates_of(session: Session, attachment: Attachment) -> Submission | None:
    """Another live item that already holds these exact bytes."""
    own = attachment.version.submission_id
    return session.scalars(
        select(Submission).join(SubmissionVersion).join(Attachment)
        .where(Attachment.sha256 == attachment.sha256, Attachment.status == "stored",
               Submission.id != own, Submission.status.in_(("draft", *OPEN_STATES)))
        .order_by(Submission.id)
    ).first()


def cancel(session: Session, submission: Submission, actor: Person | None, now: datetime,
           event_id: str | None, *, action: str = "cancel") -> None:
    """draft → cancelled (or → expired, by the scheduler); raises IllegalTransition otherwise."""
    previous = states.move(session, submission, action, now)
    state = states.BY_ACTION[action].target
    audit.record(session, state, office_id=submission.office_id, submission_id=submission.id,
                 actor_id=actor.id if actor else None, from_state=previous, to_state=state,
                 version=submission.current_version, event_id=event_id)


def category_name(session: Session, office_id: int, code: str | None) -> str:
    category = categories.category(session, office_id, code)
    return f"{category.code} {category.name}" if category else "-"


def expire_idle_drafts(session: Session, now: datetime) -> list[Submission]:
    """Drafts untouched for 24 hours expire; their owners are told (once: the state changes)."""
    idle = session.scalars(select(Submission).where(
        Submission.status == "draft", Submission.updated_at < now - DRAFT_IDLE).with_for_update()).all()
    for submission in idle:
        person = session.get(Person, submission.submitter_id)
        cancel(session, submission, None, now, None, action="expire")
        if person and person.line_user_id:
            title = submission.version().title or KIND_NAMES[submission.kind]
            outbox.push(session, person.line_user_id, [messages.text(
                f"เรื่อง \"{title}\" ที่ยังไม่ได้ส่ง หมดอายุแล้วเพราะไม่มีการดำเนินการเกิน 24 ชั่วโมงค่ะ "
                "หากต้องการส่ง กรุณาเริ่มใหม่อีกครั้ง")], office_id=submission.office_id)
            conversation = session.get(Conversation, (person.office_id, person.line_user_id))
            if conversation and conversation.data.get("submission_id") == submission.id:
                conversation.state, conversation.data = "idle", {}
    return list(idle)


# --- downloading what LINE holds ---------------------------------------------------------------

REFUSED_NEW_FILE = "ยังไม่ได้เริ่มเรื่องจากไฟล์นี้ค่ะ ส่งไฟล์ที่ถูกต้องมาใหม่ได้เลย"


def _tell(session: Session, row: OutboxMessage, text: str) -> None:
    if row.target:
        outbox.push(session, row.target, [messages.text(text)], office_id=row.office_id)


def _answer(session: Session, config: Config, row: OutboxMessage, sent: list[dict]) -> None:
    """The answer held back for this download, with the file's event's reply token while fresh."""
    held = row.payload.get("answer") or {}
    if not row.target:
        return
    if held.get("token") and held.get("event_ms"):
        outbox.reply(session, held["token"], row.target, sent,
                     event_time=datetime.fromtimestamp(held["event_ms"] / 1000, UTC),
                     window_seconds=config.reply_window_seconds, office_id=row.office_id)
    else:
        outbox.push(session, row.target, sent, office_id=row.office_id)


def _refuse_file(session: Session, config: Config, row: OutboxMessage, attachment: Attachment,
                 text: str) -> None:
    """A refused file: one answer. A draft the file itself started ends with it."""
    if not row.payload.get("answer"):
        _tell(session, row, text)
        return
    submission = attachment.version.submission
    if submission.status == "draft":
        cancel(session, submission, session.get(Person, submission.submitter_id), utcnow(), None)
        conversation = session.get(Conversation, (row.office_id or 0, row.target)) if row.target else None
        if conversation is not None and conversation.data.get("submission_id") == submission.id:
            conversation.state, conversation.data = "idle", {}
    _answer(session, config, row, [messages.text(f"{text}\n{REFUSED_NEW_FILE}")])


def download(ctx: SendContext, row: OutboxMessage) -> Outcome:
    """Fetch the content while LINE still has it; check and store it in the recording transaction."""
    response = call_line(lambda: ctx.clients.blob.get_message_content_with_http_info(
        row.payload["message_id"], _request_timeout=ctx.clients.timeout))
    if isinstance(response, Outcome):
        return response
    if response.status_code == 202 or response.data is None:
        return Outcome("retry", 202, "content is still being prepared", retry_after=5)
    data = bytes(response.data)
    config = ctx.config

    def keep(session: Session, outbox_row: OutboxMessage) -> None:
        attachment = session.get(Attachment, row.payload["attachment_id"])
        if attachment is None:
            return
        _store(session, config, attachment, data, outbox_row)

    return Outcome("sent", response.status_code,
                   request_id=response.headers.get("x-line-request-id"), after=keep)


def _store(session: Session, config: Config, attachment: Attachment, data: bytes,
           row: OutboxMessage) -> None:
    submission = attachment.version.submission
    if len(data) > config.max_file_bytes:  # fileSize is what the client claimed; trust the bytes
        attachment.status = "refused"
        attachment.problem = f"ใหญ่เกินกำหนด ({config.max_file_mb} MB)"
        _refuse_file(session, config, row, attachment,
                     f"ไฟล์ “{attachment.filename}” มีขนาด {human_size(len(data))} "
                     f"ใหญ่เกินกำหนด ({config.max_file_mb} MB) กรุณาย่อขนาดแล้วส่งใหม่ค่ะ")
        return
    if submission.kind == "photos":
        try:
            data, mime = strip_image_metadata(data)
        except ValueError:
            attachment.status, attachment.problem = "refused", "ไม่ใช่ไฟล์ภาพ"
            _tell(session, row, f"ภาพที่ {attachment.position} เปิดไม่ได้ กรุณาส่งภาพนั้นใหม่อีกครั้งค่ะ")
            return
        attachment.kind, attachment.mime = ("png" if mime == "image/png" else "jpeg"), mime
    else:
        sniffed, reason = check_document(data, attachment.filename)
        if reason:
            attachment.status, attachment.problem, attachment.kind = "refused", reason, sniffed.kind
            _refuse_file(session, config, row, attachment,
                         f"ไม่สามารถรับไฟล์ \"{attachment.filename}\" ได้ค่ะ\n{reason}")
            return
        attachment.kind, attachment.mime = sniffed.kind, sniffed.mime
        attachment.page_count = pdf_page_count(data) if sniffed.kind == "pdf" else None
    attachment.sha256 = store(config).put(data)
    attachment.size, attachment.status, attachment.problem = len(data), "stored", None
    session.flush()
    personal_data.queue(session, attachment.sha256, attachment.kind, office_id=row.office_id)
    if row.payload.get("answer"):
        _answer(session, config, row, row.payload["answer"]["messages"])
    other = duplicates_of(session, attachment)
    if other is not None:
        _tell(session, row, f"แจ้งให้ทราบค่ะ ไฟล์ \"{attachment.filename}\" ซ้ำกับไฟล์ในเรื่อง "
                            f"#{other.id} \"{other.version().title or KIND_NAMES[other.kind]}\" ที่มีอยู่แล้ว "
                            "หากส่งผิด กดยกเลิกเรื่องได้ค่ะ")


def download_failed(session: Session, row: OutboxMessage) -> None:
    """A download given up on: the attachment is marked failed and its sender asked to resend."""
    attachment = session.get(Attachment, row.payload["attachment_id"])
    if attachment is None or attachment.status != "waiting":
        return
    attachment.status = "failed"
    attachment.problem = f"LINE {row.last_status}" if row.last_status else "download failed"
    _tell(session, row, f"รับไฟล์ \"{attachment.filename}\" จาก LINE ไม่สำเร็จ (ไฟล์อาจหมดอายุหรือถูกยกเลิก) "
                        "กรุณาส่งไฟล์นั้นใหม่อีกครั้งค่ะ")


