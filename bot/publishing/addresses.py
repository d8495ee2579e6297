"""The addresses publishing hands out: an office's public pages, and the signed, expiring links
to the record and the preview, which are never public.

Every address names its office (docs/PUBLISHING.md, "Addresses"): the office's own host name
when its org file gives one (`portal: hosts:`), else PUBLIC_BASE_URL + `/o/<key>`. A deployment
of one office without a host name keeps PUBLIC_BASE_URL alone, as before several offices were
possible; when a second office arrives, those first addresses redirect to `/o/<key>/…`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.files.links import PREVIEW_TTL
from bot.office.address import office_address
from bot.spine import signing
from bot.spine.config import Config
from bot.spine.ids import is_id

RECORD_LINK_SECONDS = 24 * 3600
PREVIEW_LINK_SECONDS = PREVIEW_TTL  # the preview's files open through links that last as long


@dataclass(frozen=True)
class Links:
    """Absolute addresses under one office's base (what LINE messages, feeds and PDFs carry)."""

    base: str

    @property
    def https(self) -> bool:
        return self.base.startswith("https://")

    def home(self) -> str:
        return self.base + "/"

    def item(self, pid: int) -> str:
        return f"{self.base}/p/{pid}"

    def file(self, pid: int, aid: int) -> str:
        return f"{self.base}/p/{pid}/files/{aid}"

    def thumb(self, pid: int, aid: int) -> str:
        return f"{self.base}/p/{pid}/thumb/{aid}.jpg"

    def card_image(self, pid: int) -> str:
        return f"{self.base}/p/{pid}/card.png"

    def notice(self, pid: int) -> str:
        return f"{self.base}/p/{pid}/notice.pdf"

    def record(self, token: str) -> str:
        return f"{self.base}/record/{token}"

    def preview(self, token: str) -> str:
        return f"{self.base}/preview/{token}"


def links(session: Session, config: Config, office_id: int) -> Links:
    """The addresses of office `office_id`'s portal."""
    return Links(office_address(session, config.public_base_url, office_id))


def record_url(config: Config, publication_id: int, urls: Links | None = None) -> str:
    """A signed link to the publication record PDF, good for RECORD_LINK_SECONDS; never public.
    Under the office's `urls`; without them under PUBLIC_BASE_URL, which sends the reader on to
    the item's office (the token names the item)."""
    urls = urls or Links(config.public_base_url)
    return urls.record(signing.sign(config.secret_key, "record", {"p": publication_id}))


def preview_url(config: Config, submission_id: int, urls: Links | None = None) -> str:
    """A signed link to how an approved item will look on the portal, for whoever publishes it
    (under the office's `urls`, as record_url)."""
    urls = urls or Links(config.public_base_url)
    return urls.preview(signing.sign(config.secret_key, "preview", {"s": submission_id}))


def signed_id(config: Config, purpose: str, token: str, key: str, max_age: int) -> int | None:
    """The id a record or preview link carries, or None when it is forged or expired."""
    payload = signing.unsign(config.secret_key, purpose, token, max_age=max_age)
    ident = payload.get(key) if isinstance(payload, dict) else None
    return ident if is_id(ident) else None  # signed, yet never trusted to fit a column
