"""Writing effects to the outbox, inside the caller's transaction. Sending is bot/sender.py."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from models import OutboxMessage, utcnow

MAX_MESSAGES_PER_CALL = 5


def _chunks(messages: list[dict]) -> list[list[dict]]:
    return [messages[i : i + MAX_MESSAGES_PER_CALL] for i in range(0, len(messages), MAX_MESSAGES_PER_CALL)]


def push(
    session: Session, to: str, messages: list[dict], *, office_id: int | None = None,
    purpose: str | None = None, event_id: str | None = None,
) -> list[OutboxMessage]:
    """Queue messages to a user or group; more than five become several pushes, in order."""
    rows = [
        OutboxMessage(kind="push", target=to, payload={"messages": chunk}, office_id=office_id,
                      purpose=purpose, webhook_event_id=event_id)
        for chunk in _chunks(messages)
    ]
    session.add_all(rows)
    return rows


def reply(
    session: Session, reply_token: str, to: str, messages: list[dict], *, event_time: datetime,
    window_seconds: int, office_id: int | None = None, event_id: str | None = None,
    purpose: str | None = None,
) -> list[OutboxMessage]:
    """Queue a reply (free of quota); `to` is where it goes by push if the token has expired."""
    chunks = _chunks(messages)
    if not chunks:
        return []
    first = OutboxMessage(
        kind="reply", target=to, reply_token=reply_token, payload={"messages": chunks[0]},
        reply_deadline=event_time + timedelta(seconds=window_seconds), office_id=office_id,
        webhook_event_id=event_id, purpose=purpose,
    )
    session.add(first)
    # A reply token is single-use: anything beyond five messages goes by push.
    return [first, *push(session, to, [m for c in chunks[1:] for m in c], office_id=office_id,
                         event_id=event_id, purpose=purpose)]


def effect(
    session: Session, kind: str, payload: dict, *, target: str | None = None,
    office_id: int | None = None, event_id: str | None = None, purpose: str | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Queue a non-message effect (content download, rich menu link, ...)."""
    row = OutboxMessage(kind=kind, payload=payload, target=target, office_id=office_id,
                        webhook_event_id=event_id, purpose=purpose,
                        next_attempt_at=not_before or utcnow())
    session.add(row)
    return row
