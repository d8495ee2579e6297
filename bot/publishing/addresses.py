"""The addresses publishing hands out: public pages under PUBLIC_BASE_URL, and the signed,
expiring links to the record and the preview, which are never public."""

from __future__ import annotations

from dataclasses import dataclass

from bot.files.links import PREVIEW_TTL
from bot.spine import signing
from bot.spine.config import Config
from bot.spine.ids import is_id

RECORD_LINK_SECONDS = 24 * 3600
PREVIEW_LINK_SECONDS = PREVIEW_TTL  # the preview's files open through links that last as long


@dataclass(frozen=True)
class Links:
    """Absolute addresses under PUBLIC_BASE_URL (what LINE messages and PDFs carry)."""

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



def links(config: Config) -> Links:
    return Links(config.public_base_url)


def record_url(config: Config, publication_id: int) -> str:
    """A signed link to the publication record PDF, good for RECORD_LINK_SECONDS; never public."""
    return links(config).record(signing.sign(config.secret_key, "record", {"p": publication_id}))


def preview_url(config: Config, submission_id: int) -> str:
    """A signed link to how an approved item will look on the portal, for whoever publishes it."""
    return links(config).preview(signing.sign(config.secret_key, "preview", {"s": submission_id}))


def signed_id(config: Config, purpose: str, token: str, key: str, max_age: int) -> int | None:
    """The id a record or preview link carries, or None when it is forged or expired."""
    payload = signing.unsign(config.secret_key, purpose, token, max_age=max_age)
    ident = payload.get(key) if isinstance(payload, dict) else None
    return ident if is_id(ident) else None  # signed, yet never trusted to fit a column
