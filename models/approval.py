"""Approval runtime: one row per step of an item's chain, pinned to the version it decided."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, one_of, utcnow
from models.org import Person

# waiting → approved | returned | rejected ; queued (not reached yet) ; skipped ; cancelled
STEP_STATES = ("queued", "waiting", "approved", "returned", "rejected", "skipped", "cancelled")


class ApprovalStep(Base):
    __tablename__ = "approval_steps"
    __table_args__ = (one_of("status", STEP_STATES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    position: Mapped[int]
    role: Mapped[str] = mapped_column(String(24))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    version: Mapped[int | None]
    waiting_since: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    acting_for_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    acting_order: Mapped[str | None] = mapped_column(String(300))
    comment: Mapped[str | None] = mapped_column(Text)
    reminders_sent: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    approver: Mapped[Person | None] = relationship(foreign_keys=[approver_id])
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])
    acting_for: Mapped[Person | None] = relationship(foreign_keys=[acting_for_id])
