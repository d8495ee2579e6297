"""A request to publish: the item, its versions and its files."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, ForeignKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, one_of, utcnow

KINDS = ("document", "photos", "announcement")
# draft → pending → (returned → pending)* → approved → published (→ retracted)
#                 ↘ rejected | withdrawn ; draft → expired | cancelled
STATES = (
    "draft", "pending", "returned", "approved", "published",
    "rejected", "withdrawn", "cancelled", "expired", "retracted",
)

ATTACHMENT_STATES = ("waiting", "stored", "failed", "refused")


class Submission(Base):
    __tablename__ = "submissions"
    # The category is the office's own: (office_id, category_code) names a row of categories.
    __table_args__ = (
        one_of("status", STATES),
        ForeignKeyConstraint(["office_id", "category_code"], ["categories.office_id", "categories.code"],
                             name="fk_submissions_category_categories"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    submitter_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    category_code: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    current_version: Mapped[int] = mapped_column(default=1)
    # The imageSet id of an album being gathered (photos only).
    image_set_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    final_reason: Mapped[str | None] = mapped_column(Text)

    versions: Mapped[list[SubmissionVersion]] = relationship(
        back_populates="submission", order_by="SubmissionVersion.number"
    )

    def version(self, number: int | None = None) -> SubmissionVersion:
        wanted = number or self.current_version
        return next(v for v in self.versions if v.number == wanted)


class SubmissionVersion(Base):
    __tablename__ = "submission_versions"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    activity_date: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="versions")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="version", order_by="Attachment.position"
    )


class Attachment(Base):
    __tablename__ = "attachments"
    __table_args__ = (one_of("status", ATTACHMENT_STATES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("submission_versions.id"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    line_message_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # ATTACHMENT_STATES: waiting (download queued) | stored | failed | refused
    status: Mapped[str] = mapped_column(String(12), default="waiting")
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    kind: Mapped[str | None] = mapped_column(String(16))
    mime: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(BigInteger)
    page_count: Mapped[int | None]
    caption: Mapped[str] = mapped_column(Text, default="")
    problem: Mapped[str | None] = mapped_column(Text)

    version: Mapped[SubmissionVersion] = relationship(back_populates="attachments")
