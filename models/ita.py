"""ITA evidence and the public's verdict: indicators an item is tagged with beyond its category's
default, readers' helpful/not-helpful votes, the day's salt their hashes use, weekly reminders."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class ItemIndicator(Base):
    """An OIT indicator (O1…) a publication also counts for, read in its fiscal year's list."""

    __tablename__ = "item_indicators"
    __table_args__ = (UniqueConstraint("publication_id", "indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"), index=True)
    indicator: Mapped[str] = mapped_column(String(16))
    tagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    tagged_at: Mapped[datetime] = mapped_column(default=utcnow)


class VoteSalt(Base):
    """A random salt per Bangkok day; older ones are deleted, so yesterday's hashes name no one."""

    __tablename__ = "vote_salts"

    day: Mapped[date] = mapped_column(primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))


class ItemVote(Base):
    """ข้อมูลนี้เป็นประโยชน์หรือไม่: one per visitor per item per salt day; no address, no agent."""

    __tablename__ = "item_votes"
    __table_args__ = (
        UniqueConstraint("publication_id", "voter", "day"),
        Index("ix_item_votes_source_at", "source", "created_at"),
        Index("ix_item_votes_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"), index=True)
    day: Mapped[date]
    voter: Mapped[str] = mapped_column(String(64))  # hash of address + browser + the day's salt
    source: Mapped[str] = mapped_column(String(64))  # hash of the address alone: the rate limit
    helpful: Mapped[bool]
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ItaReminder(Base):
    """A weekly readiness push for an office: the unique row makes the week's push happen once."""

    __tablename__ = "ita_reminders"
    __table_args__ = (UniqueConstraint("office_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    week: Mapped[str] = mapped_column(String(10))  # ISO week, "2026-W06"
    fiscal_year: Mapped[int]
    missing: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
