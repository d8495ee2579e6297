"""An office item in any state, written straight to the database (no chat), for tests that start
after the part of the procedure they do not test: the portal, publishing, reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from hashlib import sha256

from sqlalchemy.orm import Session

from bot.files.kinds import ALLOWED_DOCUMENT_TYPES, ALLOWED_IMAGE_TYPES
from bot.files.media import pdf_page_count
from bot.files.store import ContentStore
from bot.office.org import person_by_key
from bot.publishing import search_index
from bot.spine import audit
from models import (
    ApprovalStep,
    Attachment,
    GroupChat,
    Publication,
    Submission,
    SubmissionVersion,
    utcnow,
)

KINDS = {mime: kind for kind, mime in {**ALLOWED_DOCUMENT_TYPES, **ALLOWED_IMAGE_TYPES}.items()}
APPROVED_OR_LATER = ("approved", "published", "retracted")
CHAIN_ROLES = ("unit_director", "office_director")


def make_item(
    session: Session,
    *,
    state: str = "published",
    title: str = "รายงานผลการดำเนินงาน",
    description: str = "",
    category: str = "1.3",
    kind: str = "document",
    submitter: str = "kanya",
    files: Sequence[tuple[str, bytes, str]] = (),
    photos: Sequence[tuple[bytes, str]] = (),
    store: ContentStore | None = None,
    approvers: Sequence[str] = ("prasert", "somchai"),
    publisher: str | None = None,
    at: datetime | None = None,
    activity_date: date | None = None,
    retract_reason: str = "ข้อมูลไม่ถูกต้อง",
) -> Submission:
    """One item of the example office in `state` (draft … published, retracted).

    `files` are (name, bytes, mime) and `photos` (jpeg bytes, caption); their bytes go into
    `store` when given. Approved items carry approved steps by `approvers` in chain order, and
    published ones a Publication at `at` (default now) by `publisher` (None: automatic).
    """
    at = at or utcnow()
    person = person_by_key(session, submitter)
    submission = Submission(
        office_id=person.office_id, submitter_id=person.id, unit_id=person.unit_id, kind=kind,
        category_code=category, status=state, created_at=at - timedelta(days=2),
        updated_at=at, submitted_at=at - timedelta(days=2) if state != "draft" else None,
        finished_at=at if state in APPROVED_OR_LATER else None,
    )
    version = SubmissionVersion(number=1, title=title, description=description,
                                activity_date=activity_date, created_at=submission.created_at)
    attachments = [(name, data, mime, "") for name, data, mime in files]
    attachments += [(f"photo-{i}.jpg", data, "image/jpeg", caption)
                    for i, (data, caption) in enumerate(photos, start=1)]
    for position, (name, data, mime, caption) in enumerate(attachments, start=1):
        sha = store.put(data) if store is not None else sha256(data).hexdigest()
        version.attachments.append(Attachment(
            position=position, status="stored", sha256=sha, filename=name,
            kind=KINDS.get(mime), mime=mime, size=len(data),
            page_count=pdf_page_count(data) if mime == "application/pdf" else None, caption=caption))
    submission.versions.append(version)
    session.add(submission)
    session.flush()
    if state != "draft":
        _audit_at(session, submission.submitted_at, "submit", submission, person,
                  from_state="draft", to_state="pending")
    if state in APPROVED_OR_LATER:
        for position, key in enumerate(approvers, start=1):
            approver = person_by_key(session, key)
            decided = at - timedelta(days=2 - position / 2)
            session.add(ApprovalStep(
                submission_id=submission.id, position=position, role=CHAIN_ROLES[position - 1],
                approver_id=approver.id, status="approved", version=1,
                waiting_since=at - timedelta(days=2), decided_at=decided, decided_by_id=approver.id))
            _audit_at(session, decided, "approve", submission, approver, from_state="pending",
                      to_state="pending", data={"step": position})
    if state in ("published", "retracted"):
        published_by = person_by_key(session, publisher).id if publisher else None
        pub = Publication(
            office_id=submission.office_id, submission_id=submission.id, version=1,
            category_code=category, unit_id=submission.unit_id, published_at=at,
            published_by_id=published_by,
            retracted_at=at + timedelta(hours=1) if state == "retracted" else None,
            retract_reason=retract_reason if state == "retracted" else None)
        session.add(pub)
        session.flush()
        if state == "published":  # what the portal target writes when it publishes
            search_index.index(session, pub, version)
    session.flush()
    return submission


def _audit_at(session: Session, when: datetime, action: str, submission: Submission, actor,
              **kw) -> None:
    """An audit entry as bot.workflow writes it, dated `when` (the chain stays valid: the row is
    re-hashed before anything is chained onto it)."""
    row = audit.record(session, action, office_id=submission.office_id,
                       submission_id=submission.id, actor_id=actor.id, version=1, **kw)
    row.created_at = when
    row.hash = audit.row_hash(row.prev_hash, row)
    session.flush()


def register_pr_group(session: Session, office_id: int, group_id: str) -> GroupChat:
    """The office's PR group chat, registered (the code flow itself is tested in test_org)."""
    group = GroupChat(office_id=office_id, group_id=group_id, purpose="pr", active=True,
                      registered_at=utcnow())
    session.add(group)
    session.flush()
    return group
