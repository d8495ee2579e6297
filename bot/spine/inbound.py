"""What the webhook records of one event: the few fields the stage needs, checked just enough.

The rule (docs/ARCHITECTURE.md): a body that is not JSON, or not `{"events": [...]}`, is refused
whole with 400 and nothing is written; inside a good body each event stands alone: one that LINE
would never send (an id of the wrong type or length, a timestamp no clock can hold, nesting deeper
than any LINE event, text or a number no database can store) is recorded as `invalid` and never
handled, and the others go on normally.
"""

from __future__ import annotations

import hashlib
import json
import math

from models import utcnow

ID_MAX = 64
TYPE_MAX = 40
MODE_MAX = 16
TOKEN_MAX = 255
# LINE's deepest event (a message with emojis or mentions in a quoted reply) is ~6 levels deep.
DEPTH_MAX = 16
# Milliseconds since 1970 that a datetime can hold (up to the year 9999).
TIMESTAMP_MIN = 0
TIMESTAMP_MAX = 253_402_300_799_999


class Invalid(ValueError):
    """The event's shape is one LINE never sends; the message says which field."""


def _storable(text: str) -> bool:
    """UTF-8 can hold it: a lone surrogate (`"\\udc80"` is valid JSON) cannot be stored anywhere."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unstorable(value: object) -> str | None:
    """Why no database would take this event whole, or None. Iterative, so a hostile body cannot
    overflow the stack: nesting too deep, a NaN or an infinity (PostgreSQL's json refuses them),
    a key or a string UTF-8 cannot encode."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            if not all(_storable(key) for key in item):
                return "unicode"
            children = item.values()
        elif isinstance(item, list):
            children = item
        elif isinstance(item, str):
            if not _storable(item):
                return "unicode"
            continue
        elif isinstance(item, float):
            if not math.isfinite(item):
                return "number"
            continue
        else:
            continue
        deepest = max(deepest, level)
        if deepest > DEPTH_MAX:
            return "nesting"
        stack.extend((child, level + 1) for child in children)
    return None


def _text(raw: dict, key: str, limit: int, *, required: bool = False) -> str | None:
    value = raw.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > limit or "\x00" in value:
        raise Invalid(key)  # PostgreSQL text cannot hold NUL: it would fail the whole body
    return value


def _checked(raw: object) -> dict:
    if not isinstance(raw, dict):
        raise Invalid("event")
    if reason := _unstorable(raw):
        raise Invalid(reason)
    event_type = _text(raw, "type", TYPE_MAX, required=True)
    timestamp = raw.get("timestamp")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) \
            or not TIMESTAMP_MIN <= timestamp <= TIMESTAMP_MAX:
        raise Invalid("timestamp")
    source = raw.get("source")
    if source is not None and not isinstance(source, dict):
        raise Invalid("source")
    source = source or {}
    source_type = _text(source, "type", MODE_MAX)
    user_id = _text(source, "userId", ID_MAX)
    group_id = _text(source, "groupId", ID_MAX) or _text(source, "roomId", ID_MAX)
    mode = _text(raw, "mode", MODE_MAX) or "active"
    _text(raw, "replyToken", TOKEN_MAX)
    context = raw.get("deliveryContext")
    redelivery = isinstance(context, dict) and context.get("isRedelivery") is True
    return {
        "type": event_type, "mode": mode, "source_type": source_type, "line_user_id": user_id,
        "group_id": group_id, "chat_key": group_id or user_id or "", "timestamp_ms": timestamp,
        "redelivery": redelivery, "outcome": "standby" if mode == "standby" else "pending",
        "payload": raw, "handled_at": None,
    }


def _event_id(raw: object) -> str:
    """The event's webhookEventId; for one without a usable id, a digest of its bytes, so a
    redelivery of the same broken event is still recorded once."""
    value = raw.get("webhookEventId") if isinstance(raw, dict) else None
    if isinstance(value, str) and 0 < len(value) <= ID_MAX and "\x00" not in value \
            and _storable(value):
        return value
    try:
        canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        canonical = repr(type(raw))
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
    return "invalid:" + digest[:56]


def rows(events: list, office_id: int | None = None) -> list[dict]:
    """One row per event (duplicate ids inside a body kept once), in timestamp order, each
    under the office whose channel the body came in on."""
    now = utcnow()
    by_id: dict[str, dict] = {}
    for raw in events:
        event_id = _event_id(raw)
        if event_id in by_id:
            continue
        try:
            row = _checked(raw)
            if event_id.startswith("invalid:"):
                raise Invalid("webhookEventId")
        except Invalid as exc:
            row = {"type": "invalid", "mode": "active", "source_type": None, "line_user_id": None,
                   "group_id": None, "chat_key": "", "timestamp_ms": 0, "redelivery": False,
                   "outcome": "invalid", "payload": {"invalid": str(exc)}}
        row.update(webhook_event_id=event_id, received_at=now, office_id=office_id)
        if row["outcome"] != "pending":  # never handled: final as recorded
            row["handled_at"] = now
        by_id[event_id] = row
    return sorted(by_id.values(), key=lambda r: r["timestamp_ms"])

