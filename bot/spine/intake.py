"""POST /callback: find the channel, verify, record every event once, commit, answer. Nothing
is decided here.

Several offices may share a deployment, each with its own LINE channel: the body's channel is
found before anything is written — by the address (`/callback/<office>`, `channel` given) or by
the body's `destination` (`resolve`) — and the signature is checked with that channel's secret.
An unknown office or destination is 400 with nothing written.

The handler stage (bot/spine/stage.py) takes the recorded events from there. No SDK parsing, no
handler, no network call happens in the request, so LINE gets its 200 in about a millisecond;
a database fault answers 503, so LINE redelivers and nothing acknowledged is ever lost.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine, TextClause, bindparam, text
from sqlalchemy.exc import SQLAlchemyError

from bot.spine.inbound import rows
from models import InboundEvent

log = logging.getLogger("prakat.webhook")

NOTIFY_CHANNEL = "prakat_inbound"  # PostgreSQL: the stage LISTENs, so it wakes at once


@dataclass(frozen=True)
class IntakeResult:
    status: int
    message: str
    recorded: int = 0


class Channel(Protocol):
    """What the webhook needs of a channel: its secret, and whose events it records."""

    secret: str
    office_id: int | None


# The body's `destination` (None when the body does not say) → its channel, or None: unknown.
Resolve = Callable[[str | None], Channel | None]


def signature_ok(secret: str, body: bytes, signature: str) -> bool:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest), signature.encode("utf-8", "replace"))


def _payload(body: bytes) -> object | None:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def _events(payload: object) -> list | None:
    """The body's events, or None when it is not `{"events": [...]}` JSON (too deep included)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        return None
    return payload["events"]


def _destination(payload: object) -> str | None:
    value = payload.get("destination") if isinstance(payload, dict) else None
    return value if isinstance(value, str) and value else None


def _insert_ignoring_duplicates() -> TextClause:
    """`INSERT … ON CONFLICT (webhook_event_id) DO NOTHING` of every column `rows` fills, typed
    (JSON, UTC datetimes). Spelled out because SQLAlchemy never caches its dialects' ON CONFLICT
    inserts: each webhook compiled the statement anew, a third of the request's time."""
    table = InboundEvent.__table__
    names = list(rows([{}])[0])
    return text(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)}) "
                "ON CONFLICT (webhook_event_id) DO NOTHING").bindparams(
        *(bindparam(n, type_=table.c[n].type) for n in names))


class Recorder:
    """Writes a body's events in one statement: `INSERT … ON CONFLICT DO NOTHING`, Core, no ORM."""

    def __init__(self, engine: Engine, *, on_recorded: Callable[[], None] | None = None):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.statement = _insert_ignoring_duplicates()
        self.on_recorded = on_recorded

    def record(self, events: list, office_id: int | None = None) -> int:
        batch = rows(events, office_id)
        if not batch:
            return 0
        with self.engine.begin() as conn:
            conn.execute(self.statement, batch)
            if self.postgres and any(r["outcome"] == "pending" for r in batch):
                conn.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))  # delivered at commit
        if self.on_recorded is not None:
            self.on_recorded()
        return len(batch)


def handle_callback(body: bytes, signature: str | None, *, recorder: Recorder,
                    channel: Channel | None = None, resolve: Resolve | None = None) -> IntakeResult:
    """`channel`: the one the address named; else `resolve` finds it by the body's destination
    (the JSON is read once, for both). Neither finds one: 400, nothing written."""
    if not signature:
        return IntakeResult(400, "missing signature")
    payload = _payload(body)
    if channel is None and resolve is not None:
        channel = resolve(_destination(payload))
    if channel is None:
        log.warning("webhook refused: no channel for this address or destination")
        return IntakeResult(400, "unknown channel")
    if not signature_ok(channel.secret, body, signature):
        log.warning("webhook refused: bad signature")
        return IntakeResult(400, "bad signature")
    events = _events(payload)
    if events is None:
        log.warning("webhook refused: malformed body")
        return IntakeResult(400, "malformed body")
    try:
        recorded = recorder.record(events, channel.office_id)
    except SQLAlchemyError as exc:
        # Not acknowledged, so LINE redelivers: nothing is lost by answering 503.
        log.error("webhook could not record %d events: %s", len(events), type(exc).__name__)
        return IntakeResult(503, "database unavailable")
    return IntakeResult(200, "OK", recorded)
