"""Connects the layers that may not import each other: the workflow's final approval to publishing.

Called once per Runtime build (web, CLI and scheduler all build one), so every process that can
approve an item can also publish it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.publishing import procedure
from bot.spine.config import Config
from bot.workflow import notify
from bot.workflow.events import FinalApproved
from models import Submission


def publish_on_final_approval(session: Session, event: FinalApproved, event_id: str | None,
                              reply: notify.Reply | None, config: Config) -> bool:
    """Hand the approved item to publishing; True when a publication told the submitter."""
    submission = session.get(Submission, event.submission_id)
    published = procedure.on_final_approval(session, submission, actor_id=event.actor_id,
                                             event_id=event_id, now=event.at, reply=reply,
                                             config=config)
    return published is not None


def wire() -> None:
    notify.set_final_approval_hook(publish_on_final_approval)
