"""A group chat registers itself by a code typed in it; nothing else said in a group is ours.

The rule: a text that looks like a group code registers the group for the code's purpose (PR or
management), unless the group already serves a purpose: then codes, like every other text, are
ignored, so a stray code can never move a working group to another office or purpose.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.office.org import normalise_code, register_group
from models import GroupChat


def registered_purpose(session: Session, group_id: str, office_id: int | None = None) -> str | None:
    """What the group serves for `office_id` (the office whose bot reads it; None: any)."""
    query = select(GroupChat.purpose).where(GroupChat.group_id == group_id,
                                            GroupChat.purpose.is_not(None))
    if office_id is not None:
        query = query.where(GroupChat.office_id == office_id)
    return session.scalars(query.limit(1)).first()


def register_by_text(session: Session, group_id: str, text: str | None, now: datetime,
                     office_id: int | None = None) -> GroupChat | None:
    """The group registered by this text, or None when the text is to be ignored (not a code,
    the group already serves a purpose, the code is unknown, used, expired or another office's)."""
    code = normalise_code(text) if text else None
    if code is None or registered_purpose(session, group_id, office_id):
        return None
    return register_group(session, group_id, code, now, office_id)
