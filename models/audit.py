"""Append-only audit log; each row carries the hash of the row before it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor_line_user_id: Mapped[str | None] = mapped_column(String(64))
    acting_for_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    acting_order: Mapped[str | None] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int | None]
    file_hashes: Mapped[list] = mapped_column(JSON, default=list)
    webhook_event_id: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # True: chained to the previous row of its own office (every row since offices were kept
    # apart); False: a row of the one deployment-wide chain written before.
    per_office: Mapped[bool] = mapped_column(default=True, server_default=false())
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
