"""Signed, expiring links: LINE cannot open a bearer-protected URL, so cards carry these instead."""

from __future__ import annotations

from pathlib import Path

from bot.files.store import ContentStore
from bot.spine import signing
from bot.spine.config import Config

PREVIEW_TTL = 7 * 24 * 3600  # a director may open the card days later
_PURPOSE = "file"


def store(config: Config) -> ContentStore:
    """Submitted files, content-addressed, outside any publicly served folder."""
    return ContentStore(Path(config.data_dir) / "files")


def attachment_url(config: Config, attachment_id: int, *, preview: bool = False) -> str:
    token = signing.sign(config.secret_key, _PURPOSE, {"a": attachment_id, "p": int(preview)})
    return f"{config.public_base_url}/f/{token}"


def attachment_token(config: Config, token: str) -> tuple[int, bool] | None:
    """``(attachment id, whether the photo's small preview is asked for)`` from a link made by
    attachment_url, or None when the token is forged, altered or older than PREVIEW_TTL."""
    payload = signing.unsign(config.secret_key, _PURPOSE, token, max_age=PREVIEW_TTL)
    ident = payload.get("a") if isinstance(payload, dict) else None
    if not isinstance(ident, int) or isinstance(ident, bool):
        return None
    return ident, bool(payload.get("p"))
