"""Every model, imported once so metadata (and Alembic) sees all tables."""

from models.approval import ApprovalStep
from models.audit import AuditEntry
from models.base import Base, utcnow
from models.events import InboundEvent
from models.org import (
    ActingAssignment,
    Category,
    Conversation,
    GroupChat,
    GroupCode,
    Invite,
    LinkAttempt,
    Office,
    Person,
    Unit,
)
from models.outbox import OutboxMessage
from models.submission import Attachment, Submission, SubmissionVersion

__all__ = [
    "ActingAssignment", "ApprovalStep", "Attachment", "AuditEntry", "Base", "Category",
    "Conversation", "GroupChat", "GroupCode", "InboundEvent", "Invite", "LinkAttempt",
    "Office", "OutboxMessage", "Person", "Submission", "SubmissionVersion", "Unit", "utcnow",
]
