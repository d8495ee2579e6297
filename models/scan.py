"""What the personal-data check found in a file, kept by the file's hash: the same bytes are
read once, whichever item (or version) carries them. Findings are masked; no text is kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, one_of, utcnow

# queued: waiting for the worker | done: every page read | partial: read up to the limits |
# unsupported: a kind the check cannot read | failed: could not be read at all
SCAN_STATES = ("queued", "done", "partial", "unsupported", "failed")


class FileScan(Base):
    __tablename__ = "file_scans"
    __table_args__ = (one_of("status", SCAN_STATES),)

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    pages: Mapped[int | None]  # pages (or sheets) the file has
    pages_read: Mapped[int | None]
    ocr_pages: Mapped[int | None]
    # [{"kind": "national_id", "page": 3, "masked": "x-xxxx-xxxxx-12-3"}, ...]
    findings: Mapped[list] = mapped_column(JSON, default=list)
    problem: Mapped[str | None] = mapped_column(Text)  # English, for operators; never a value
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
