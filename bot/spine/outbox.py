"""Writing effects to the outbox, inside the caller's transaction. Sending is bot/sender.py."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from models import OutboxMessage, utcnow

MAX_MESSAGES_PER_CALL = 5
# A row still unsent this long after it was due is "stuck": LINE keeps refusing it with a
# retryable answer, or no sender is running.
STUCK_AFTER = timedelta(minutes=10)


class RequeueRefused(ValueError):
    """Only a failed (or still pending) row can be sent again; the message says why."""


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


def requeue(row: OutboxMessage, now: datetime) -> None:
    """Send a failed row again, now. It keeps its retry key, so LINE never delivers it twice."""
    if row.status not in ("failed", "pending"):
        raise RequeueRefused(f"row {row.id} is {row.status}; only failed rows are requeued")
    row.status, row.next_attempt_at, row.finished_at = "pending", now, None
    # A requeued reply has surely lost its token: send it by push.
    if row.kind == "reply":
        row.sent_via = "push"


def troubled(session: Session, office_id: int | None, now: datetime, limit: int = 200) -> list[OutboxMessage]:
    """Failed rows, and rows still unsent STUCK_AFTER past their first try, newest first."""
    stuck = and_(OutboxMessage.status.in_(("pending", "sending")),
                 OutboxMessage.created_at <= now - STUCK_AFTER)
    query = select(OutboxMessage).where(or_(OutboxMessage.status == "failed", stuck))
    if office_id is not None:
        query = query.where(OutboxMessage.office_id == office_id)
    return list(session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)))
