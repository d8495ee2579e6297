"""Where a published item goes: the portal here, the office's own website (bot.publishing.website).

A target runs inside the caller's transaction and only writes rows: one that talks to another
website must do it through an outbox effect sent by bot.spine.sender, never a network call here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from bot.files import links as files
from bot.publishing import search_index
from bot.publishing.errors import PublishError
from bot.spine.config import Config
from models import Publication, Submission


@dataclass(frozen=True)
class PublishedItem:
    """What a publisher target gets: the row, its public address, and the transaction it is in."""

    session: Session
    publication: Publication
    submission: Submission
    url: str
    config: Config
    event_id: str | None


class Publisher(Protocol):
    """A place items go when published. Targets only write rows (an outbox effect for a remote
    website); raising PublishError refuses the publication and rolls the transaction back."""

    name: str

    def publish(self, item: PublishedItem) -> bool:
        """Take the item (False: this office does not use this target)."""
        ...

    def retract(self, item: PublishedItem) -> None: ...

    def holds_announcement(self, item: PublishedItem) -> bool:
        """True when the PR card should wait for this target's answer (it then announces)."""
        ...


class PortalPublisher:
    """The built-in portal serves straight from the publications table, so publishing to it is
    the row itself plus its search index entry; it refuses to publish files no longer stored."""

    name = "portal"

    def holds_announcement(self, item: PublishedItem) -> bool:
        return False

    def publish(self, item: PublishedItem) -> bool:
        store = files.store(item.config)
        version = item.submission.version(item.publication.version)
        lost = [a.filename or str(a.id) for a in version.attachments
                if a.status == "stored" and not (a.sha256 and store.exists(a.sha256))]
        if lost:
            raise PublishError("files_missing", "ไม่พบไฟล์ที่จัดเก็บไว้ของเรื่องนี้ "
                               f"({', '.join(lost)}) กรุณาแจ้งผู้ดูแลระบบค่ะ")
        search_index.index(item.session, item.publication, version)
        return True

    def retract(self, item: PublishedItem) -> None:
        """Every portal page checks retracted_at; search stops finding it."""
        search_index.unindex(item.session, item.publication.id)
