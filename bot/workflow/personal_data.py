"""The personal-data check as an outbox effect: the worker reads a stored file (never the webhook
or a handler), and whoever looked at the item before the check ended is shown its result."""

from __future__ import annotations

import os
import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.office.org import acting_for
from bot.privacy import scan as file_scan
from bot.spine import messages, outbox
from bot.spine.config import Config
from bot.spine.sender import Outcome, SendContext
from bot.thai.dates import to_bangkok
from bot.workflow import cards
from bot.workflow.chain import current_step
from models import (
    Attachment,
    Conversation,
    OutboxMessage,
    Person,
    Submission,
    SubmissionVersion,
    utcnow,
)

DONE_TEXT = "ตรวจข้อมูลส่วนบุคคลในไฟล์เสร็จแล้วค่ะ"
# Scans one process runs at once. OCR is a CPU-bound Tesseract process per page; eight sender
# threads each OCRing would take every core from the web and the other threads' replies, and
# push each scan past its time budget. A scan that finds no free slot waits a moment as a retry.
SCAN_SLOTS = max(1, len(os.sched_getaffinity(0)) - 1)  # the cores this process may use, not the host's
SLOT_WAIT_SECONDS = 2.0
_slots = threading.BoundedSemaphore(SCAN_SLOTS)


def scan(ctx: SendContext, row: OutboxMessage) -> Outcome:
    """Read and check the file outside any transaction; keep the result in the recording one."""
    if not _slots.acquire(blocking=False):
        return Outcome("retry", error="waiting for a free scan slot", retry_after=SLOT_WAIT_SECONDS)
    try:
        sha, config = row.payload["sha256"], ctx.config
        with ctx.factory() as session:  # a glance, before the long read: no transaction held
            public = file_scan.public_numbers(session)
        result = file_scan.read(config, sha, row.payload["kind"], public=public)
    finally:
        _slots.release()

    def keep(session: Session, outbox_row: OutboxMessage) -> None:
        file_scan.save(session, sha, result)
        show_result(session, config, sha)

    return Outcome("sent", after=keep)


def scan_failed(session: Session, row: OutboxMessage) -> None:
    """A scan given up on (it kept crashing): cards say "not checked" instead of waiting for it."""
    file_scan.save(session, row.payload["sha256"], file_scan.Result("failed", problem="scan gave up"))


def show_result(session: Session, config: Config, sha: str) -> None:
    """Send the finished check to whoever was shown a card saying it still ran: the submitter
    at the confirmation (a fresh card), or the director holding a step (a fresh approval card:
    an item sent after SCAN_WAIT is the only way a step opens before its check ends)."""
    items = session.scalars(
        select(Submission).join(SubmissionVersion).join(Attachment)
        .where(Attachment.sha256 == sha, Attachment.status == "stored",
               SubmissionVersion.number == Submission.current_version,
               Submission.status.in_(("draft", "returned", "pending")))
        .distinct().order_by(Submission.id)).all()
    for submission in items:
        submitter = session.get(Person, submission.submitter_id)
        if submission.status in ("draft", "returned"):
            conversation = session.get(Conversation, (submitter.office_id, submitter.line_user_id)) if submitter.line_user_id else None
            if conversation and conversation.state == "draft_confirm" \
                    and conversation.data.get("submission_id") == submission.id \
                    and conversation.data.get("checking"):
                conversation.data = {**conversation.data, "checking": False}
                outbox.push(session, submitter.line_user_id,
                            [messages.text(DONE_TEXT), cards.confirmation_card(session, submission, config)],
                            office_id=submission.office_id)
            continue
        step = current_step(session, submission.id)
        if step is None:
            continue
        delegation = acting_for(session, step.approver_id, to_bangkok(utcnow()).date())
        holder = delegation.acting if delegation else session.get(Person, step.approver_id)
        if holder.line_user_id:
            outbox.push(session, holder.line_user_id,
                        [cards.approval_card(session, submission, step, delegation, config)],
                        office_id=submission.office_id, purpose=f"approval:{submission.id}")
