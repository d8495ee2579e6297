"""A user unsends a photo or file: LINE asks bots to delete that content.

While the item is still a draft the attachment is dropped (and its pending download cancelled);
once the item has been sent for approval the file is part of the official record and stays, which
is written to the audit log.
"""

from __future__ import annotations

from linebot.v3.webhooks import UnsendEvent
from sqlalchemy import select

from bot.spine import audit
from bot.spine.context import EventContext
from handlers.common import in_user_chat
from handlers.router import Handler
from models import Attachment, OutboxMessage, Submission, SubmissionVersion


def _handle(ctx: EventContext) -> None:
    message_id = ctx.event.unsend.message_id
    found = ctx.session.execute(
        select(Attachment, Submission).join(SubmissionVersion, SubmissionVersion.id == Attachment.version_id)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .where(Attachment.line_message_id == message_id, Submission.submitter_id == ctx.person.id)
    ).all()
    for attachment, submission in found:
        if submission.status == "draft":
            for row in ctx.session.scalars(select(OutboxMessage).where(
                    OutboxMessage.kind == "download", OutboxMessage.status == "pending")):
                if row.payload.get("attachment_id") == attachment.id:
                    row.status, row.last_error = "failed", "unsent by the user"
            ctx.session.delete(attachment)
            action = "unsend_removed"
        else:
            action = "unsend_kept"
        audit.record(ctx.session, action, office_id=submission.office_id, submission_id=submission.id,
                     actor_id=ctx.person.id, actor_line_user_id=ctx.user_id, event_id=ctx.event_id,
                     from_state=submission.status, to_state=submission.status,
                     data={"message_id": message_id})


HANDLER = Handler("unsend", lambda ctx: isinstance(ctx.event, UnsendEvent) and in_user_chat(ctx)
                  and ctx.person is not None, _handle)
