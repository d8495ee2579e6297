"""The append-only audit log: one row per state change and per refused attempt, hash-chained.

Each row's hash covers its content and the previous row's hash, so editing or deleting a row
breaks the chain at that row. Every office has its own chain (office_id None: the deployment's
own, for what happened before any office was known), so offices are audited, and verify,
independently. Rows written before chains were per office (per_office false) stay one
deployment-wide chain, and each office's chain goes on from its last such row. Appends to one
chain are serialised (an advisory lock per office on PostgreSQL, BEGIN IMMEDIATE on SQLite) so
two transactions never chain onto the same predecessor.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from models import AuditEntry, Person, utcnow

GENESIS = "0" * 64
LOCK_KEY = 0x61756474  # "audt"

# Every action name the log may hold. The log is read by auditors and by code (the record PDF
# looks for "submit"/"approve"), so a misspelt name would silently drop out of both: record()
# refuses any name not listed here.
ACTIONS = frozenset({
    # drafts and the approval procedure (bot.workflow)
    "draft", "cancelled", "expired", "submit", "resubmit", "skip_step", "approve",
    "approve_final", "return", "reject", "withdraw", "reassign", "refused",
    # publishing (bot.publishing, handlers.publish)
    "send_to_ict", "publish", "retract", "publish_refused", "retract_refused", "record_refused",
    # the office's own website (bot.publishing.website_send): what the site did, or why not
    "website_publish", "website_retract", "website_failed",
    # a message the user unsent (handlers.unsend)
    "unsend_removed", "unsend_kept",
    # quarterly digest and its feedback (bot.digest)
    "digest.sent", "feedback.answered", "feedback.refused",
    # ITA evidence (bot.ita): an item tagged with an indicator or untagged, the weekly push
    "ita.tagged", "ita.untagged", "ita.reminded",
    # the admin console (bot.admin.changes): who signed in or was turned away, what they changed
    "admin.signed_in", "admin.refused", "admin.office_edited", "admin.logo_set", "admin.org_imported",
    "admin.unit_added", "admin.unit_edited", "admin.unit_deactivated",
    "admin.person_added", "admin.person_edited", "admin.person_moved",
    "admin.person_deactivated", "admin.person_reactivated",
    # the admin console's pages (bot.admin): codes, acting directors, reminders, resends, digests
    "admin.invite", "admin.invite_revoked", "admin.unlinked", "admin.group_code", "admin.acting_set",
    "admin.acting_ended", "admin.reminder", "admin.outbox_retry", "admin.digest_sent",
})


class UnknownAuditAction(ValueError):
    """An audit entry with a name outside ACTIONS: a typo, or a new action not registered yet."""


def _content(row: AuditEntry) -> str:
    chain = {"chain": "office"} if row.per_office else {}  # legacy rows hash as they always did
    return json.dumps({**chain,
        "office": row.office_id, "submission": row.submission_id, "actor": row.actor_id,
        "actor_line": row.actor_line_user_id, "acting_for": row.acting_for_id,
        "acting_order": row.acting_order, "action": row.action, "from": row.from_state,
        "to": row.to_state, "version": row.version, "files": row.file_hashes,
        "event": row.webhook_event_id, "data": row.data,
        "at": row.created_at.isoformat(timespec="microseconds"),
    }, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _of_office(office_id: int | None):
    return AuditEntry.office_id.is_(None) if office_id is None else AuditEntry.office_id == office_id


def row_hash(prev_hash: str, row: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + _content(row)).encode()).hexdigest()


def record(session: Session, action: str, *, office_id: int | None = None, submission_id: int | None = None,
           actor_id: int | None = None, actor_line_user_id: str | None = None,
           acting_for_id: int | None = None, acting_order: str | None = None,
           from_state: str | None = None, to_state: str | None = None, version: int | None = None,
           file_hashes: list[str] | None = None, event_id: str | None = None,
           data: dict | None = None) -> AuditEntry:
    if action not in ACTIONS:
        raise UnknownAuditAction(f"audit action {action!r} is not in bot.spine.audit.ACTIONS")
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k, :o)"),
                        {"k": LOCK_KEY, "o": office_id or 0})
    last = session.scalars(select(AuditEntry.hash).where(_of_office(office_id))
                           .order_by(AuditEntry.id.desc()).limit(1)).first()
    row = AuditEntry(
        office_id=office_id, submission_id=submission_id, actor_id=actor_id,
        actor_line_user_id=actor_line_user_id, acting_for_id=acting_for_id,
        acting_order=acting_order, action=action, from_state=from_state, to_state=to_state,
        version=version, file_hashes=list(file_hashes or []), webhook_event_id=event_id,
        data=dict(data or {}), created_at=utcnow(), per_office=True,
        prev_hash=last or GENESIS,
    )
    row.hash = row_hash(row.prev_hash, row)
    session.add(row)
    session.flush()
    return row


@dataclass
class Verification:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


EVERY_OFFICE = object()


def verify(session: Session, office_id: int | None | object = EVERY_OFFICE) -> Verification:
    """Walk the chains in id order (every office's, or one office's); name the first row whose
    content or link does not match. One office's chain verifies without any other's rows."""
    legacy_prev, last, checked = GENESIS, {}, 0
    query = select(AuditEntry).order_by(AuditEntry.id)
    if office_id is not EVERY_OFFICE:
        query = query.where(_of_office(office_id))
    for row in session.scalars(query).yield_per(1000):
        if row.per_office:
            expected = last.get(row.office_id, GENESIS)
        else:  # the old deployment-wide chain: its links are checked when all of it is walked
            expected = legacy_prev if office_id is EVERY_OFFICE else row.prev_hash
        if row.prev_hash != expected:
            return Verification(False, checked, row.id, "its prev_hash does not match the row before it")
        if row_hash(row.prev_hash, row) != row.hash:
            return Verification(False, checked, row.id, "its content does not match its hash")
        if not row.per_office:
            legacy_prev = row.hash
        last[row.office_id] = row.hash
        checked += 1
    return Verification(True, checked)


def history(session: Session, submission_id: int) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.submission_id == submission_id)
                                .order_by(AuditEntry.id)))


def search(session: Session, office_id: int, *, submission_id: int | None = None,
           person_id: int | None = None, since: datetime | None = None,
           until: datetime | None = None, limit: int | None = None) -> list[AuditEntry]:
    """One office's entries, oldest first, by item, by person (acting or acted for) and by time."""
    query = select(AuditEntry).where(AuditEntry.office_id == office_id)
    if submission_id is not None:
        query = query.where(AuditEntry.submission_id == submission_id)
    if person_id is not None:
        query = query.where(or_(AuditEntry.actor_id == person_id, AuditEntry.acting_for_id == person_id))
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if until is not None:
        query = query.where(AuditEntry.created_at < until)
    if limit is not None:  # the newest `limit`, still oldest first
        newest = list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))
        return newest[::-1]
    return list(session.scalars(query.order_by(AuditEntry.id)))


def export_rows(session: Session, entries: list[AuditEntry]) -> list[dict]:
    """Entries as auditors read them: who, acting for whom, what, when, which LINE event."""
    ids = {e.actor_id for e in entries} | {e.acting_for_id for e in entries}
    names = dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(ids - {None}))).all())
    return [{
        "id": e.id, "at_utc": e.created_at.isoformat(), "action": e.action,
        "actor": names.get(e.actor_id, ""), "acting_for": names.get(e.acting_for_id, ""),
        "acting_order": e.acting_order or "", "from": e.from_state or "", "to": e.to_state or "",
        "version": e.version or "", "files_sha256": " ".join(e.file_hashes or []),
        "line_event": e.webhook_event_id or "", "data": json.dumps(e.data, ensure_ascii=False),
        "hash": e.hash,
    } for e in entries]


EXPORT_FIELDS = ("id", "at_utc", "action", "actor", "acting_for", "acting_order", "from", "to",
                 "version", "files_sha256", "line_event", "data", "hash")


def export_text(rows: list[dict], fmt: str) -> str:
    """`rows` from export_rows as JSON or CSV (the header even when there are none)."""
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(EXPORT_FIELDS))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
