"""Who may do what: roles, acting directors, invite codes that link LINE accounts, group codes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.thai.dates import Numerals
from models import (
    ActingAssignment,
    GroupChat,
    GroupCode,
    Invite,
    LinkAttempt,
    Office,
    Person,
    Unit,
    utcnow,
)

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L look-alikes
CODE_LENGTH = 10
INVITE_VALID = timedelta(days=7)
GROUP_CODE_VALID = timedelta(days=2)
ATTEMPTS_PER_HOUR = 5

ROLE_NAMES = {
    "staff": "เจ้าหน้าที่", "unit_director": "ผู้อำนวยการกลุ่ม/หน่วย",
    "office_director": "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา", "ict": "เจ้าหน้าที่ ICT (เผยแพร่เว็บไซต์)",
    "pr": "งานประชาสัมพันธ์", "admin": "ผู้ดูแลระบบ",
}


def role_name(office: Office, role: str) -> str:
    """What a role is called in this office: its director is the director of *this* office
    ("ผู้อำนวยการ สพม.เชียงใหม่"), named from its data rather than a kind of office in the code."""
    if role == "office_director":
        return f"ผู้อำนวยการ {office.short_name}"
    return ROLE_NAMES.get(role, role)


class OrgError(ValueError):
    """An administrative request refused; the message says why (in English for the CLI, and in
    `thai` for the console's people)."""

    def __init__(self, message: str, thai: str | None = None):
        super().__init__(message)
        self.thai = thai or "ทำตามที่ขอไม่ได้ กรุณาตรวจสอบข้อมูลอีกครั้งค่ะ"


def roles_of(session: Session, person: Person) -> set[str]:
    roles = set(person.roles or [])
    if not person.active:
        return set()
    directs = session.scalar(
        select(func.count()).select_from(Unit)
        .where(Unit.director_id == person.id, Unit.active.is_(True))
    )
    if directs:
        roles.add("unit_director")
    office = session.get(Office, person.office_id)
    if office and office.director_id == person.id:
        roles.add("office_director")
    return roles


def is_director(roles: set[str]) -> bool:
    return bool(roles & {"unit_director", "office_director"})


def normalise_code(text: str) -> str | None:
    """A typed code, forgiving spaces, dashes and lower case; None if it cannot be a code."""
    code = "".join(ch for ch in text.upper() if ch not in " -\u200b")
    if len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code):
        return code
    return None


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def person_by_key(session: Session, key: str, office_id: int | None = None) -> Person:
    query = select(Person).where(Person.key == key)
    if office_id is not None:
        query = query.where(Person.office_id == office_id)
    people = session.scalars(query).all()
    if not people:
        raise OrgError(f"no person with key '{key}'", "ไม่พบบุคลากรนี้ในสำนักงานค่ะ")
    if len(people) > 1:
        raise OrgError(f"key '{key}' exists in several offices")
    return people[0]


# --- invites -------------------------------------------------------------------------------

def create_invite(session: Session, person: Person, now: datetime) -> str:
    """A fresh one-time code for `person`; older unused codes for them stop working."""
    if not person.active:
        raise OrgError(f"{person.key} is not active",
                       f"{person.name} ไม่ได้ปฏิบัติงานอยู่แล้ว จึงออกรหัสเชื่อมบัญชีให้ไม่ได้ค่ะ")
    revoke_invites(session, person, now)
    code = new_code()
    session.add(Invite(person_id=person.id, code_hash=_hash(code), expires_at=now + INVITE_VALID))
    return code


def revoke_invites(session: Session, person: Person, now: datetime) -> int:
    """End every unused code of `person` now; how many were still open."""
    revoked = 0
    for old in session.scalars(select(Invite).where(Invite.person_id == person.id,
                                                    Invite.used_at.is_(None))):
        revoked += old.expires_at > now
        old.expires_at = min(old.expires_at, now)
    return revoked


def open_invites(session: Session, office_id: int, now: datetime) -> dict[int, Invite]:
    """Each person's unused, unexpired code (its row; the code itself is never stored)."""
    rows = session.scalars(select(Invite).join(Person, Person.id == Invite.person_id).where(
        Person.office_id == office_id, Invite.used_at.is_(None), Invite.expires_at > now)
        .order_by(Invite.id))
    return {row.person_id: row for row in rows}


@dataclass
class LinkResult:
    ok: bool
    reason: str  # linked | rate_limited | wrong | expired | used | already_linked | already_yours | inactive
    person: Person | None = None


def attempts_left(session: Session, line_user_id: str, now: datetime) -> int:
    used = session.scalar(select(func.count()).select_from(LinkAttempt).where(
        LinkAttempt.line_user_id == line_user_id, LinkAttempt.at > now - timedelta(hours=1)))
    return max(0, ATTEMPTS_PER_HOUR - (used or 0))


def _in_office(column, office_id: int | None):
    """`office_id` None: no restriction (callers of the one-office era, or no office yet)."""
    return True if office_id is None else column == office_id


def redeem_invite(session: Session, line_user_id: str, code: str, now: datetime,
                  office_id: int | None = None) -> LinkResult:
    """Link the LINE user to the code's person — only a person of `office_id`, the office whose
    channel the code was typed on: another office's code is as good as a wrong one there."""
    if attempts_left(session, line_user_id, now) <= 0:
        return LinkResult(False, "rate_limited")
    already = session.scalars(select(Person).where(
        Person.line_user_id == line_user_id, _in_office(Person.office_id, office_id))).first()
    invite = session.scalars(select(Invite).where(Invite.code_hash == _hash(code))).first()

    def refuse(reason: str) -> LinkResult:
        session.add(LinkAttempt(line_user_id=line_user_id, at=now))
        return LinkResult(False, reason)

    person = session.get(Person, invite.person_id) if invite is not None else None
    if invite is None or (office_id is not None and (person is None or person.office_id != office_id)):
        return refuse("wrong")
    if invite.used_at is not None:
        if already is not None and already.id == invite.person_id:  # their own code, pasted again
            return LinkResult(False, "already_yours", already)
        return refuse("used")
    if invite.expires_at <= now:
        return refuse("expired")
    if person is None or not person.active:
        return refuse("inactive")
    if already is not None and already.id != person.id:
        return LinkResult(False, "already_linked", already)
    invite.used_at, invite.used_by = now, line_user_id
    person.line_user_id, person.linked_at = line_user_id, now
    return LinkResult(True, "linked", person)


def unlink(session: Session, person: Person) -> str | None:
    """Free the person's LINE link; the LINE account it had, if any.

    Their rich menu stays on that account until bot.office.richmenus.unlink takes it off."""
    previous = person.line_user_id
    person.line_user_id, person.linked_at, person.rich_menu = None, None, None
    return previous


# --- group chats ---------------------------------------------------------------------------

GROUP_PURPOSES = {"pr": "กลุ่มงานประชาสัมพันธ์", "management": "กลุ่มผู้บริหาร"}


def create_group_code(session: Session, office: Office, purpose: str, now: datetime) -> str:
    if purpose not in GROUP_PURPOSES:
        raise OrgError(f"purpose must be one of: {', '.join(GROUP_PURPOSES)}",
                       "กรุณาเลือกว่าเป็นกลุ่มงานประชาสัมพันธ์หรือกลุ่มผู้บริหารค่ะ")
    code = new_code()
    session.add(GroupCode(office_id=office.id, purpose=purpose, code_hash=_hash(code),
                          expires_at=now + GROUP_CODE_VALID))
    return code


def _group(session: Session, group_id: str, office_id: int | None) -> GroupChat | None:
    return session.scalars(select(GroupChat).where(
        GroupChat.group_id == group_id, _in_office(GroupChat.office_id, office_id))).first()


def group_joined(session: Session, group_id: str, now: datetime,
                 office_id: int | None = None) -> GroupChat:
    """`office_id`: the office whose bot joined; the group serves no purpose until registered."""
    group = _group(session, group_id, office_id)
    if group is None:
        group = GroupChat(group_id=group_id, joined_at=now, office_id=office_id)
        session.add(group)
    group.active, group.left_at, group.purpose = True, None, None
    return group


def register_group(session: Session, group_id: str, code: str, now: datetime,
                   office_id: int | None = None) -> GroupChat | None:
    """Register the group for the code's purpose; the previous group of that purpose is dropped.
    Only a code of `office_id` (the office whose bot reads it) registers: another's is ignored."""
    entry = session.scalars(select(GroupCode).where(GroupCode.code_hash == _hash(code))).first()
    if entry is None or entry.used_at is not None or entry.expires_at <= now:
        return None
    if office_id is not None and entry.office_id != office_id:
        return None
    entry.used_at = now
    for old in session.scalars(select(GroupChat).where(
            GroupChat.office_id == entry.office_id, GroupChat.purpose == entry.purpose)):
        old.purpose = None
    group = _group(session, group_id, entry.office_id)
    if group is None and office_id is None:  # joined before the office was known
        group = session.scalars(select(GroupChat).where(
            GroupChat.group_id == group_id, GroupChat.office_id.is_(None))).first()
    if group is None:
        group = GroupChat(group_id=group_id, joined_at=now)
        session.add(group)
    group.office_id, group.purpose, group.registered_at, group.active = (
        entry.office_id, entry.purpose, now, True)
    return group


def group_left(session: Session, group_id: str, now: datetime, office_id: int | None = None) -> None:
    group = _group(session, group_id, office_id)
    if group is not None:
        group.active, group.purpose, group.left_at = False, None, now


def registered_group(session: Session, office_id: int, purpose: str) -> GroupChat | None:
    return session.scalars(select(GroupChat).where(
        GroupChat.office_id == office_id, GroupChat.purpose == purpose,
        GroupChat.active.is_(True))).first()


# --- acting directors ----------------------------------------------------------------------

def set_acting(session: Session, absent: Person, acting: Person, starts_on: date, ends_on: date,
               order_text: str = "") -> ActingAssignment:
    """Record an acting assignment, refusing overlaps, self-assignment and chains or cycles."""
    if absent.id == acting.id:
        raise OrgError("a person cannot act for themselves",
                       "ผู้รักษาราชการแทนต้องไม่ใช่ผู้ที่ไม่อยู่คนเดียวกันค่ะ")
    if ends_on < starts_on:
        raise OrgError("the end date is before the start date",
                       "วันสิ้นสุดอยู่ก่อนวันเริ่ม กรุณาตรวจสอบวันที่อีกครั้งค่ะ")
    if absent.office_id != acting.office_id:
        raise OrgError("both people must belong to the same office",
                       "ทั้งสองคนต้องอยู่ในสำนักงานเดียวกันค่ะ")
    if not acting.active:
        raise OrgError(f"{acting.key} is not active", f"{acting.name} ไม่ได้ปฏิบัติงานอยู่แล้วค่ะ")

    def overlapping(**where):
        query = select(ActingAssignment).where(
            ActingAssignment.starts_on <= ends_on, ActingAssignment.ends_on >= starts_on,
            ActingAssignment.ends_on >= ActingAssignment.starts_on)  # not a cancelled one
        for column, value in where.items():
            query = query.where(getattr(ActingAssignment, column) == value)
        return session.scalars(query).first()

    if clash := overlapping(absent_id=absent.id):
        nm = Numerals.of(absent.office.digits)
        raise OrgError(f"{absent.key} already has {clash.acting.key} acting from "
                       f"{clash.starts_on} to {clash.ends_on}",
                       f"ช่วงนี้มี{clash.acting.name}รักษาราชการแทน{absent.name}อยู่แล้ว "
                       f"({nm.date(clash.starts_on, short=True)} – {nm.date(clash.ends_on, short=True)})")
    if overlapping(absent_id=acting.id):
        raise OrgError(f"{acting.key} is away in that period, so cannot act for anyone (no chains or cycles)",
                       f"{acting.name}ไม่อยู่ในช่วงนั้นเอง จึงรักษาราชการแทนผู้อื่นไม่ได้ค่ะ")
    if overlapping(acting_id=absent.id):
        raise OrgError(f"{absent.key} is acting for someone in that period (no chains or cycles)",
                       f"{absent.name}รักษาราชการแทนผู้อื่นอยู่ในช่วงนั้น จึงมีผู้รักษาราชการแทนซ้อนไม่ได้ค่ะ")
    assignment = ActingAssignment(office_id=absent.office_id, absent_id=absent.id,
                                  acting_id=acting.id, starts_on=starts_on, ends_on=ends_on,
                                  order_text=order_text)
    session.add(assignment)
    return assignment


def end_acting(session: Session, assignment: ActingAssignment, today: date,
               now: datetime | None = None) -> ActingAssignment:
    """End an assignment early: from `today` on, work goes back to the absent person. One that has
    not started never holds (it ends the day before it starts); `ended_at` says when, so the
    record tells one called off before it began from one that held, even for part of a day."""
    if assignment.ends_on < today or assignment.ends_on < assignment.starts_on or assignment.ended_at:
        raise OrgError(f"assignment #{assignment.id} has already ended",
                       "การรักษาราชการแทนนี้สิ้นสุดไปแล้วค่ะ")
    assignment.ends_on = max(today, assignment.starts_on) - timedelta(days=1)
    assignment.ended_at = now or utcnow()
    return assignment


def acting_for(session: Session, person_id: int, on: date) -> ActingAssignment | None:
    """The assignment that sends `person_id`'s work to someone else on `on`, if any."""
    return session.scalars(select(ActingAssignment).where(
        ActingAssignment.absent_id == person_id, ActingAssignment.starts_on <= on,
        ActingAssignment.ends_on >= on)).first()


def acting_as(session: Session, person_id: int, on: date) -> list[ActingAssignment]:
    """Assignments in which `person_id` acts for someone on `on`."""
    return list(session.scalars(select(ActingAssignment).where(
        ActingAssignment.acting_id == person_id, ActingAssignment.starts_on <= on,
        ActingAssignment.ends_on >= on)))
