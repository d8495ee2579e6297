"""Every model, imported once so metadata (and Alembic) sees all tables."""

from models.approval import ApprovalStep
from models.audit import AuditEntry
from models.base import Base, utcnow
from models.events import InboundEvent
from models.ita import ItaReminder, ItemIndicator, ItemVote, VoteSalt
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
from models.publication import PageView, Publication
from models.report import DigestRun, QuarterFeedback
from models.scan import FileScan
from models.submission import Attachment, Submission, SubmissionVersion
from models.website import WebsitePost

__all__ = [
    "ActingAssignment", "ApprovalStep", "Attachment", "AuditEntry", "Base", "Category",
    "Conversation", "FileScan", "GroupChat", "GroupCode", "InboundEvent", "Invite", "ItaReminder", "ItemIndicator", "ItemVote", "LinkAttempt",
    "Office", "OutboxMessage", "PageView", "Person", "Publication", "QuarterFeedback", "DigestRun", "Submission", "SubmissionVersion", "Unit", "VoteSalt", "WebsitePost", "utcnow",
]
