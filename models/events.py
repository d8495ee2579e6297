"""Inbound webhook events, each recorded once by its webhookEventId."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class InboundEvent(Base):
    __tablename__ = "inbound_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(16), default="active")
    source_type: Mapped[str | None] = mapped_column(String(16))
    line_user_id: Mapped[str | None] = mapped_column(String(64), index=True)
    group_id: Mapped[str | None] = mapped_column(String(64))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    redelivery: Mapped[bool] = mapped_column(default=False)
    # handled | ignored | standby | error
    outcome: Mapped[str] = mapped_column(String(16), default="handled")
    payload: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
