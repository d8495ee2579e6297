"""Inbound webhook events: recorded once by their webhookEventId, then handled by the stage."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, one_of, utcnow

# pending: recorded, waiting for the handler stage. The rest are final: what handling came to
# (handled | ignored | refused | stale | unexpected), never handled (standby: another channel's
# turn; invalid: a shape LINE never sends), or a handler bug (error: one apology, no retry).
EVENT_OUTCOMES = ("pending", "handled", "ignored", "refused", "stale", "unexpected", "standby",
                  "invalid", "error")


class InboundEvent(Base):
    __tablename__ = "inbound_events"
    __table_args__ = (
        one_of("outcome", EVENT_OUTCOMES),
        # The handler stage's queue: only pending rows are indexed, so both stay tiny however
        # many events were handled before — the oldest due first, and a chat's earliest.
        Index("ix_inbound_events_pending", "id",
              sqlite_where=text("outcome = 'pending'"), postgresql_where=text("outcome = 'pending'")),
        # The stage's round robin: the next office with a pending event, and that office's oldest.
        Index("ix_inbound_events_pending_office", "office_id", "id",
              sqlite_where=text("outcome = 'pending'"), postgresql_where=text("outcome = 'pending'")),
        Index("ix_inbound_events_pending_chat", "chat_key", "timestamp_ms", "id",
              sqlite_where=text("outcome = 'pending'"), postgresql_where=text("outcome = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The office whose channel the event came in on (None: the settings' channel, no office yet).
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    webhook_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(16), default="active")
    source_type: Mapped[str | None] = mapped_column(String(16))
    line_user_id: Mapped[str | None] = mapped_column(String(64), index=True)
    group_id: Mapped[str | None] = mapped_column(String(64))
    # Whose events are handled one at a time, in timestamp order: the group, room or user.
    chat_key: Mapped[str] = mapped_column(String(64), default="")
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    redelivery: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    payload: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The stage retries an event whose transaction failed for a database fault, never a bug.
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    handled_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
