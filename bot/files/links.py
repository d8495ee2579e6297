"""Signed, expiring links: LINE cannot open a bearer-protected URL, so cards carry these instead."""

from __future__ import annotations

from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from bot.files.core import ContentStore
from bot.spine.config import Config

PREVIEW_TTL = 7 * 24 * 3600  # a director may open the card days later


def store(config: Config) -> ContentStore:
    """Submitted files, content-addressed, outside any publicly served folder."""
    return ContentStore(Path(config.data_dir) / "files")


def _serializer(config: Config, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(config.secret_key, salt=f"prakat-{purpose}")


def sign(config: Config, purpose: str, payload: dict) -> str:
    return _serializer(config, purpose).dumps(payload)


def unsign(config: Config, purpose: str, token: str, max_age: int = PREVIEW_TTL) -> dict | None:
    """The payload, or None if the token is forged, altered or expired."""
    try:
        return _serializer(config, purpose).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None


def attachment_url(config: Config, attachment_id: int, *, preview: bool = False) -> str:
    token = sign(config, "file", {"a": attachment_id, "p": int(preview)})
    return f"{config.public_base_url}/f/{token}"
