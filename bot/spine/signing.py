"""Signed, expiring tokens for links people open without logging in (LINE cannot send a bearer
token): file links, the publication record, the pre-publication preview, report links.

Each kind of link signs with its own purpose, so a token made for one cannot open another.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer


def _serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    if not purpose:
        raise ValueError("a signed link needs a purpose")
    return URLSafeTimedSerializer(secret, salt=f"prakat-{purpose}")


def sign(secret: str, purpose: str, payload: Any) -> str:
    """A URL-safe token carrying ``payload`` (anything JSON can hold) and the time it was made."""
    return _serializer(secret, purpose).dumps(payload)


def unsign(secret: str, purpose: str, token: str, *, max_age: float,
           now: datetime | None = None) -> Any | None:
    """The payload, or None when the token is forged, altered, made for another purpose, or
    older than ``max_age`` seconds at ``now`` (the current time unless given)."""
    try:
        payload, signed_at = _serializer(secret, purpose).loads(token, return_timestamp=True)
    except BadData:  # a bad signature, or a payload that does not decode
        return None
    age = ((now or datetime.now(UTC)) - signed_at).total_seconds()
    return payload if age <= max_age else None
