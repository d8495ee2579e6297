"""Every publisher target, in the order publishing and retracting go through them."""

from __future__ import annotations

from bot.publishing.targets import PortalPublisher, Publisher
from bot.publishing.website import WebsitePublisher

_PUBLISHERS: tuple[Publisher, ...] = (PortalPublisher(), WebsitePublisher())


def publishers() -> list[Publisher]:
    """Every target, the portal first (it refuses an item whose files are lost)."""
    return list(_PUBLISHERS)
