"""ICT's requests on a publication card, as the core sees them: every refusal is on the record.

A tap or a typed reason that is refused (a stranger, a lost role, an old card, a second tap)
changes nothing, but the audit log says who asked for what and why it was refused.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.spine import audit
from models import Person


def record_refusal(session: Session, person: Person, action: str, *, submission_id: int | None,
                   reason: str, line_user_id: str | None, event_id: str | None) -> None:
    """Audit "<action>_refused" (publish, retract, record) with the refusal's reason code."""
    audit.record(session, f"{action}_refused", office_id=person.office_id,
                 submission_id=submission_id, actor_id=person.id,
                 actor_line_user_id=line_user_id, event_id=event_id, data={"reason": reason})
