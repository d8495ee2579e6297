"""Every change made in the console goes on the audit log with the admin's identity, as a chat
action does (handlers/common.py): the person, their LINE user id, and what changed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.spine import audit
from models import AuditEntry, Person


def record(session: Session, admin: Person, action: str, **detail) -> AuditEntry:
    return audit.record(session, action, office_id=admin.office_id, actor_id=admin.id,
                        actor_line_user_id=admin.line_user_id,
                        data={"via": "console", **detail})


def refused(session: Session, reason: str, *, line_user_id: str | None = None,
            office_id: int | None = None, **detail) -> AuditEntry:
    """A sign-in or request the console turned away, on the record like a refused tap."""
    return audit.record(session, "admin.refused", office_id=office_id,
                        actor_line_user_id=line_user_id,
                        data={"via": "console", "reason": reason, **detail})
