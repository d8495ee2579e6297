"""What an office's own website holds of a publication: the post and media the site created.

Written the moment the site answers, so a retry after a lost answer finds them and updates
instead of creating a second post or a second copy of a file.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

# queued: waiting for the sender; published; draft / trash: retracted that way on the site;
# failed: given up on (the ICT people were told; `flask outbox retry` resumes it).
WEBSITE_POST_STATES = ("queued", "published", "draft", "trash", "failed")


class WebsitePost(Base):
    __tablename__ = "website_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    engine: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    post_id: Mapped[int | None]
    url: Mapped[str | None] = mapped_column(String(500))
    # attachment id (as text) → {"id": media id, "url": the file's address on the site}
    media: Mapped[dict] = mapped_column(JSON, default=dict)
    category_id: Mapped[int | None]
    # The PR group has had the card (with the site's address, or without it after a failure).
    announced: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
