"""POST /callback: verify, record each event once, decide, write effects — one transaction each.

No network I/O happens here; everything outward is an outbox row (bot/sender.py sends it).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.spine import messages, outbox
from bot.spine.config import Config
from bot.spine.context import EventContext
from models import InboundEvent, utcnow

log = logging.getLogger("prakat.webhook")

Dispatch = Callable[[EventContext], None]


class _Duplicate(Exception):
    """This webhookEventId is already recorded: a redelivery or a duplicate."""


@dataclass
class IntakeResult:
    status: int
    message: str


def _source(raw: dict) -> tuple[str | None, str | None, str | None]:
    source = raw.get("source") or {}
    return source.get("type"), source.get("userId"), source.get("groupId") or source.get("roomId")


def handle_callback(
    body: bytes, signature: str | None, *, config: Config, factory: sessionmaker[Session],
    dispatch: Dispatch,
) -> IntakeResult:
    if not signature:
        return IntakeResult(400, "missing signature")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return IntakeResult(400, "body is not UTF-8")
    parser = WebhookParser(config.line_channel_secret or "sandbox-secret")
    try:
        payload = parser.parse(text, signature, as_payload=True)
        raw_events = json.loads(text)["events"]
    except InvalidSignatureError:
        log.warning("webhook refused: bad signature")
        return IntakeResult(400, "bad signature")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("webhook refused: malformed body (%s)", type(exc).__name__)
        return IntakeResult(400, "malformed body")
    if len(raw_events) != len(payload.events):
        return IntakeResult(400, "malformed body")
    pairs = sorted(zip(payload.events, raw_events, strict=True), key=lambda p: p[1].get("timestamp", 0))
    for event, raw in pairs:
        _handle_one(event, raw, config=config, factory=factory, dispatch=dispatch)
    return IntakeResult(200, "OK")


def _record(session: Session, raw: dict, outcome: str) -> InboundEvent:
    source_type, user_id, group_id = _source(raw)
    row = InboundEvent(
        webhook_event_id=str(raw.get("webhookEventId") or ""),
        type=str(raw.get("type") or "unknown")[:40],
        mode=str(raw.get("mode") or "active")[:16],
        source_type=source_type, line_user_id=user_id, group_id=group_id,
        timestamp_ms=int(raw.get("timestamp") or 0),
        redelivery=bool((raw.get("deliveryContext") or {}).get("isRedelivery")),
        outcome=outcome, payload=raw, received_at=utcnow(),
    )
    session.add(row)
    session.flush()  # the unique webhookEventId refuses a duplicate here
    return row


def _handle_one(event, raw: dict, *, config: Config, factory, dispatch: Dispatch) -> None:
    event_id = raw.get("webhookEventId")
    if not event_id:
        log.warning("event without webhookEventId ignored")
        return
    standby = raw.get("mode") == "standby"
    try:
        with factory() as session, session.begin():
            try:
                row = _record(session, raw, "standby" if standby else "handled")
            except IntegrityError:
                raise _Duplicate from None
            if not standby:
                ctx = EventContext(session=session, config=config, event=event, raw=raw, row=row,
                                   now=utcnow())
                dispatch(ctx)
                ctx.flush_replies()
        log.info("event %s type=%s redelivery=%s outcome=%s", event_id, row.type, row.redelivery,
                 row.outcome)
    except _Duplicate:
        log.info("event %s duplicate: already recorded", event_id)
    except Exception:
        # A handler bug: keep the record (so a redelivery is not handled again) and apologise.
        log.exception("event %s handler failed", event_id)
        _record_failure(raw, config=config, factory=factory)


def _record_failure(raw: dict, *, config: Config, factory) -> None:
    try:
        with factory() as session, session.begin():
            row = _record(session, raw, "error")
            ctx = EventContext(session=session, config=config, event=None, raw=raw, row=row,
                               now=utcnow())
            token = raw.get("replyToken")
            if token and ctx.chat_id:
                outbox.reply(session, token, ctx.chat_id, [messages.text(messages.SORRY_ERROR)],
                             event_time=ctx.event_time, window_seconds=config.reply_window_seconds,
                             event_id=ctx.event_id)
    except IntegrityError:
        pass
