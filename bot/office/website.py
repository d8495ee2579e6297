"""The office's own website, as the org file's `website:` section describes it.

Only what is not secret: the application password is stored sealed by `flask website password`
(bot.spine.sealed), never written in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.office.categories import DEFAULT_CODES, code_key

ENGINES = ("wordpress",)
RETRACT_TO = ("draft", "trash")


class WebsiteError(ValueError):
    """The `website:` section is refused; the message says why."""


@dataclass(frozen=True)
class Website:
    kind: str
    url: str  # without a trailing slash
    user: str
    categories: dict[str, str] = field(default_factory=dict)  # Prakat code → the site's slug
    create_missing_categories: bool = False
    on_retract: str = "draft"

    def as_json(self) -> dict:
        return {"kind": self.kind, "url": self.url, "user": self.user,
                "categories": dict(self.categories),
                "create_missing_categories": self.create_missing_categories,
                "on_retract": self.on_retract}


def parse(section: object, codes: frozenset[str] | tuple[str, ...] = DEFAULT_CODES) -> Website:
    """Check a `website:` mapping and normalise it (`codes`: the office's categories); raises
    WebsiteError."""
    if not isinstance(section, dict):
        raise WebsiteError("'website' must be a mapping with kind, url and user")
    kind = str(section.get("kind") or "")
    if kind not in ENGINES:
        raise WebsiteError(f"website kind must be one of: {', '.join(ENGINES)}")
    url = str(section.get("url") or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise WebsiteError("website url must be the site's address, like https://www.example.go.th")
    user = str(section.get("user") or "").strip()
    if not user:
        raise WebsiteError("website user is required (the WordPress user the password belongs to)")
    mapping = section.get("categories") or {}
    if not isinstance(mapping, dict):
        raise WebsiteError("website categories must map a category code to the site's category slug")
    categories = {}
    for code, slug in mapping.items():
        if code == "__line__":
            continue
        if not isinstance(code, str):  # YAML reads 1.10 as the number 1.1
            raise WebsiteError(f"write category codes in quotes, like '1.10' (got {code!r})")
        if code not in codes:
            raise WebsiteError(f"unknown category code '{code}': not one of this office's categories "
                               f"({', '.join(sorted(codes, key=code_key))})")
        if not isinstance(slug, str) or not slug.strip():
            raise WebsiteError(f"category '{code}' needs the site's category slug")
        categories[code] = slug.strip()
    create = section.get("create_missing_categories", False)
    if not isinstance(create, bool):
        raise WebsiteError("website create_missing_categories must be true or false")
    on_retract = str(section.get("on_retract") or "draft")
    if on_retract not in RETRACT_TO:
        raise WebsiteError("website on_retract must be 'draft' or 'trash'")
    return Website(kind, url, user, categories, create, on_retract)


def of(stored: dict | None) -> Website | None:
    """The settings stored on the office, or None when it has no website of its own."""
    return parse(stored) if stored else None
