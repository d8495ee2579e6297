"""When a photo album is complete: LINE does not always say how many photos a set has.

An album with a `total` is complete when that many photos are in. One without is complete after a
quiet period: each photo queues an `album_check` effect that fires later and, if nothing arrived
meanwhile, moves the chat on to ask for the activity name.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from bot.spine import messages, outbox, postback
from bot.spine.sender import Outcome, SendContext
from bot.thai.dates import Numerals
from models import Conversation, Office, OutboxMessage, Person, Submission

QUIET_SECONDS = 8  # an album without `total` is complete after this long without a new photo
WAITING = "draft_album"
NEXT = "draft_title"
CANCEL_LABEL = "ยกเลิกเรื่อง"  # as on the draft's other questions (handlers/submit.py)


def ask_name_text(session: Session, submission: Submission, count: int) -> str:
    office = session.get(Office, submission.office_id)
    count = Numerals.of(office.digits if office else None).n(count)
    return f"ได้รับภาพแล้ว {count} ภาพค่ะ ส่งเพิ่มได้อีก\nกรุณาพิมพ์ชื่อกิจกรรม"


def check_when_quiet(session: Session, submission: Submission, person: Person, *, now: datetime,
                     event_id: str | None) -> OutboxMessage:
    """Queue the check that closes the album if no other photo comes within QUIET_SECONDS."""
    count = len(submission.version().attachments)
    return outbox.effect(session, "album_check", {"submission_id": submission.id, "count": count},
                         target=person.line_user_id, office_id=person.office_id, event_id=event_id,
                         not_before=now + timedelta(seconds=QUIET_SECONDS))


def album_check(ctx: SendContext, row: OutboxMessage) -> Outcome:
    """No network: once quiet, ask for the activity name with the latest photo's reply token."""

    def close_album(session: Session, _row: OutboxMessage) -> None:
        conversation = session.get(Conversation, (row.office_id or 0, row.target))
        submission = session.get(Submission, row.payload["submission_id"])
        count = row.payload["count"]
        # Another photo since (a later check will decide), or the user moved on: nothing to do.
        if conversation is None or submission is None or conversation.state != WAITING \
                or conversation.data.get("submission_id") != submission.id \
                or len(submission.version().attachments) != count:
            return
        token, event_ms = conversation.data.get("token"), conversation.data.get("event_ms")
        conversation.state, conversation.data = NEXT, {"submission_id": submission.id}
        leave = messages.quick(messages.postback_action(
            CANCEL_LABEL, postback.encode("draft", d=submission.id, a="cancel"), CANCEL_LABEL))
        prompt = [messages.text(ask_name_text(session, submission, count), [leave])]  # the way out, as at every step
        if token and event_ms:
            outbox.reply(session, token, row.target, prompt,
                         event_time=datetime.fromtimestamp(event_ms / 1000, UTC),
                         window_seconds=ctx.config.reply_window_seconds, office_id=row.office_id)
        else:
            outbox.push(session, row.target, prompt, office_id=row.office_id)

    return Outcome("sent", after=close_album)
