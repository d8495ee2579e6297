"""Signed, expiring links: LINE cannot open a bearer-protected URL, so cards carry these instead.

A link names who it was made for. The token alone is not enough: the item's state is checked
at every request (bot.portal.files), so a file stops opening the moment its item is rejected,
withdrawn or retracted, however young the link.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from bot.files.store import ContentStore
from bot.spine import signing
from bot.spine.config import Config
from bot.spine.ids import is_id

PREVIEW_TTL = 7 * 24 * 3600  # a director may open the card days later
_PURPOSE = "file"
_GALLERY = "gallery"

# Who a link was made for, and the states of the item in which they may still open it.
# (A published item's files are public: such links lead to the portal's own addresses.)
AUDIENCES = {
    "submitter": ("draft", "pending", "returned", "approved"),  # their confirmation card
    "approver": ("pending", "returned", "approved"),  # the approval card
    "publisher": ("approved",),  # ICT's publish card and the preview page
}
# Links signed before they named an audience (at most PREVIEW_TTL old) get the widest one.
_UNNAMED = "submitter"


class FileLink(NamedTuple):
    attachment_id: int
    preview: bool  # the photo's small preview rather than the file
    audience: str


def store(config: Config) -> ContentStore:
    """Submitted files, content-addressed, outside any publicly served folder."""
    return ContentStore(Path(config.data_dir) / "files")


def attachment_url(config: Config, attachment_id: int, *, audience: str,
                   preview: bool = False, base: str | None = None) -> str:
    """`base`: where the link lives (an office's portal address), PUBLIC_BASE_URL by default;
    the token names the file, so the link opens under any address of its office."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown file link audience {audience!r}")
    token = signing.sign(config.secret_key, _PURPOSE,
                         {"a": attachment_id, "p": int(preview), "r": audience})
    return f"{config.public_base_url if base is None else base}/f/{token}"


def attachment_token(config: Config, token: str) -> FileLink | None:
    """The link made by attachment_url, or None when the token is forged, altered or older
    than PREVIEW_TTL."""
    payload = signing.unsign(config.secret_key, _PURPOSE, token, max_age=PREVIEW_TTL)
    if not isinstance(payload, dict):
        return None
    ident, audience = payload.get("a"), payload.get("r", _UNNAMED)
    if not is_id(ident) or audience not in AUDIENCES:
        return None
    return FileLink(ident, bool(payload.get("p")), audience)


def gallery_url(config: Config, version_id: int, *, audience: str, base: str | None = None) -> str:
    """One page with every photo of a version: a director sees them all before approving."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown file link audience {audience!r}")
    token = signing.sign(config.secret_key, _GALLERY, {"v": version_id, "r": audience})
    return f"{config.public_base_url if base is None else base}/g/{token}"


def gallery_token(config: Config, token: str) -> tuple[int, str] | None:
    """(version id, audience) of a link made by gallery_url, or None."""
    payload = signing.unsign(config.secret_key, _GALLERY, token, max_age=PREVIEW_TTL)
    if not isinstance(payload, dict):
        return None
    ident, audience = payload.get("v"), payload.get("r")
    if not is_id(ident) or audience not in AUDIENCES:
        return None
    return ident, audience
