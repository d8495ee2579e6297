"""Ids that arrive from outside (URLs, postback data) are bounded by what an id column holds,
so an absurd number means "no such item" instead of an overflow inside the database driver."""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter

# Id columns are INTEGER: 32 bits on PostgreSQL (SQLite holds more), so no stored id is larger.
MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


def is_id(value) -> bool:
    """Whether ``value`` (from a signed payload, say) is an int an id column can hold."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def parse_id(text: str) -> int | None:
    """The id written in ``text`` (plain ASCII digits, 1…MAX_ID), else None."""
    if not isinstance(text, str) or not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


class IdConverter(IntegerConverter):
    """``<id:name>`` in a route: an id in range, or the route does not match (404)."""

    regex = r"[0-9]+"

    def __init__(self, map) -> None:
        super().__init__(map, min=1, max=MAX_ID)
