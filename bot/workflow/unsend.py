"""A user unsends a photo or file: LINE asks bots to delete that content.

While the item is still a draft the attachment is dropped and its pending download cancelled, so
the content is never fetched; once the item has been sent for approval the file is part of the
official record and stays. Either way the audit log says which it was.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.spine import audit
from models import Attachment, OutboxMessage, Person, Submission, SubmissionVersion

UNSENT = "unsent by the user"


def cancel_downloads(session: Session, attachment: Attachment) -> int:
    """Give up the attachment's downloads not yet taken by a sender (one being performed now
    finds its attachment gone and stores nothing)."""
    rows = session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "download", OutboxMessage.status == "pending",
        OutboxMessage.payload["attachment_id"].as_integer() == attachment.id,
    ).order_by(OutboxMessage.id).with_for_update()).all()  # locked: a sender cannot claim it meanwhile
    for row in rows:
        row.status, row.last_error = "failed", UNSENT
    return len(rows)


def unsend(session: Session, person: Person, message_id: str, *, line_user_id: str | None,
           event_id: str | None) -> list[str]:
    """Apply an unsend of `message_id` to this person's items; the audit actions, one per item."""
    found = session.execute(
        select(Attachment, Submission)
        .join(SubmissionVersion, SubmissionVersion.id == Attachment.version_id)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .where(Attachment.line_message_id == message_id, Submission.submitter_id == person.id)
    ).all()
    actions = []
    for attachment, submission in found:
        if submission.status == "draft":
            cancel_downloads(session, attachment)
            session.delete(attachment)
            action = "unsend_removed"
        else:
            action = "unsend_kept"
        audit.record(session, action, office_id=submission.office_id, submission_id=submission.id,
                     actor_id=person.id, actor_line_user_id=line_user_id, event_id=event_id,
                     from_state=submission.status, to_state=submission.status,
                     data={"message_id": message_id})
        actions.append(action)
    return actions
