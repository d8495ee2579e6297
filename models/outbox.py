"""The outbox: every effect on the outside world is a row written in the deciding transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, one_of, utcnow

OUTBOX_STATES = ("pending", "sending", "sent", "failed")
# Rows not yet done with; the sender looks for an earlier one of these before taking a chat's row.
UNFINISHED_STATES = ("pending", "sending")
UNFINISHED = text("status IN ('pending', 'sending')")


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        # Small whatever the history: only unfinished rows, looked up by chat.
        Index("ix_outbox_unfinished_target", "target", "id", sqlite_where=UNFINISHED,
              postgresql_where=UNFINISHED),
        # Offices in turns (bot/spine/claims.py): the next office with a due row, by one seek.
        Index("ix_outbox_unfinished_office", "office_id", "id", sqlite_where=UNFINISHED,
              postgresql_where=UNFINISHED),
        one_of("status", OUTBOX_STATES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    # reply | push | download | richmenu_link | ...
    kind: Mapped[str] = mapped_column(String(24))
    # OUTBOX_STATES: pending | sending | sent | failed
    status: Mapped[str] = mapped_column(String(12), default="pending")
    # userId or groupId the effect is for; for replies, where a push falls back to.
    target: Mapped[str | None] = mapped_column(String(64))
    reply_token: Mapped[str | None] = mapped_column(String(255))
    reply_deadline: Mapped[datetime | None]
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    retry_key: Mapped[str] = mapped_column(String(36), default=lambda: str(uuid.uuid4()))
    webhook_event_id: Mapped[str | None] = mapped_column(String(64))
    # What the effect was for ("publication:12"); lets features count their own pushes.
    purpose: Mapped[str | None] = mapped_column(String(64), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    # reply | push | "reply?" (a reply whose answer was lost: maybe delivered, never pushed)
    sent_via: Mapped[str | None] = mapped_column(String(12))
    recipients: Mapped[int] = mapped_column(default=0)
    line_request_id: Mapped[str | None] = mapped_column(String(64))
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
