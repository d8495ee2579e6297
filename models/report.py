"""Quarterly reporting (ข้อ ๔): each unit's problems and suggestions, and each digest sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class QuarterFeedback(Base):
    __tablename__ = "quarter_feedback"
    __table_args__ = (UniqueConstraint("office_id", "unit_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    quarter: Mapped[str] = mapped_column(String(8))  # "2570Q1"
    asked_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    none: Mapped[bool] = mapped_column(default=False)  # ไม่มี: nothing to report
    text: Mapped[str] = mapped_column(Text, default="")


class DigestRun(Base):
    """A quarter's digest for an office: the unique row is what makes sending it idempotent."""

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("office_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    quarter: Mapped[str] = mapped_column(String(8))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_by: Mapped[str] = mapped_column(String(40), default="scheduler")
