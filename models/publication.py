"""What went out: the publication of an approved item and its (bot-free, de-duplicated) views."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.org import Person
from models.submission import Submission

_LIVE = text("retracted_at IS NULL")


class Publication(Base):
    __tablename__ = "publications"
    # The portal's lists (newest first, all or one category, and counts per category) read only
    # live rows in this order: partial indexes let both databases walk them without a sort.
    __table_args__ = (
        Index("ix_publications_live", "office_id", "published_at", "id",
              sqlite_where=_LIVE, postgresql_where=_LIVE),
        Index("ix_publications_live_category", "office_id", "category_code", "published_at", "id",
              sqlite_where=_LIVE, postgresql_where=_LIVE),
        ForeignKeyConstraint(["office_id", "category_code"], ["categories.office_id", "categories.code"],
                             name="fk_publications_category_categories"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), unique=True)
    version: Mapped[int]
    category_code: Mapped[str] = mapped_column(String(8), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    published_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    retracted_at: Mapped[datetime | None]
    retracted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    retract_reason: Mapped[str | None] = mapped_column(Text)
    views: Mapped[int] = mapped_column(default=0)

    submission: Mapped[Submission] = relationship()
    published_by: Mapped[Person | None] = relationship(foreign_keys=[published_by_id])


class PageView(Base):
    """One row per visitor per item per day: reloads don't count twice."""

    __tablename__ = "page_views"
    __table_args__ = (UniqueConstraint("publication_id", "visitor", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"), index=True)
    visitor: Mapped[str] = mapped_column(String(64))
    day: Mapped[date]
