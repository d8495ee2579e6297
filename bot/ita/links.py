"""Addresses of the ITA pages: the public evidence page and its exports, and the signed,
expiring link to the private readiness view (there is no admin console to log in to)."""

from __future__ import annotations

from bot.spine import signing
from bot.spine.config import Config
from bot.spine.ids import is_id

READINESS_LINK_SECONDS = 30 * 24 * 3600  # a weekly push's link outlives the next push


def public_url(base: str, fiscal_year: int) -> str:
    """`base`: the office's portal (bot.publishing.addresses.links(…).base)."""
    return f"{base}/ita/{fiscal_year}"


def readiness_token(config: Config, office_id: int, fiscal_year: int) -> str:
    return signing.sign(config.secret_key, "ita-readiness", {"o": office_id, "y": fiscal_year})


def readiness_url(config: Config, office_id: int, fiscal_year: int, base: str | None = None) -> str:
    """The private view, under the office's portal `base` (bot.publishing.addresses.links(…).base);
    without one, under PUBLIC_BASE_URL, which sends the reader on to the office the token names."""
    return (f"{config.public_base_url if base is None else base}/ita/{fiscal_year}/readiness/"
            f"{readiness_token(config, office_id, fiscal_year)}")


def readiness_office(config: Config, token: str, fiscal_year: int) -> int | None:
    """The office a readiness link opens for `fiscal_year`, or None (forged, expired, other year)."""
    payload = signing.unsign(config.secret_key, "ita-readiness", token,
                             max_age=READINESS_LINK_SECONDS)
    if not isinstance(payload, dict) or payload.get("y") != fiscal_year:
        return None
    office_id = payload.get("o")
    return office_id if is_id(office_id) else None
