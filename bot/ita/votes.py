"""The public's verdict on an item (ข้อ ๓.๒ ๕), ๓.๓ ๖)): helpful or not, an optional short comment.

Nothing kept names the visitor: the voter is a keyed hash of address and browser under a random
salt of the Bangkok day, and the salt is deleted the day after, so a stored hash cannot be tied to
anyone again, not even with the database and the app's secret. One vote per visitor per item per
salt day; at most RATE_PER_HOUR votes per address; comments are short, plain and never links.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from bot.spine.db import insert_ignoring_conflicts
from bot.thai.dates import FiscalQuarter, to_bangkok
from bot.thai.text import printable
from models import ItemVote, Publication, SubmissionVersion, VoteSalt

MAX_COMMENT = 300
RATE_PER_HOUR = 20
_LINK = re.compile(r"(https?:|ftp:|www\.|://|\b[\w-]+\.(com|net|org|info|biz|xyz|top|io|ly|me|"
                   r"co|th|ru|cn|app|site|online|shop)\b|@\w)", re.IGNORECASE)

REFUSALS = {
    "too_long": f"ความคิดเห็นยาวเกิน {MAX_COMMENT} ตัวอักษร กรุณาย่อให้สั้นลงค่ะ",
    "link": "ความคิดเห็นต้องไม่มีลิงก์หรือที่อยู่เว็บไซต์ค่ะ",
    "choice": "กรุณาเลือก “เป็นประโยชน์” หรือ “ไม่เป็นประโยชน์” ค่ะ",
    "too_many": "มีการส่งความเห็นจากเครือข่ายนี้มากเกินไป กรุณาลองใหม่ภายหลังค่ะ",
    "expired": "แบบฟอร์มหมดอายุแล้ว กรุณาเปิดหน้านี้ใหม่แล้วส่งอีกครั้งค่ะ",
}
THANKS = "ขอบคุณสำหรับความเห็นค่ะ สำนักงานจะนำไปปรับปรุงการเผยแพร่ข้อมูล"
ALREADY = "ท่านให้ความเห็นเรื่องนี้ไว้แล้ว ขอบคุณค่ะ"


@dataclass(frozen=True)
class Ballot:
    helpful: bool
    comment: str | None


def read_ballot(choice: str | None, comment: str | None) -> Ballot | str:
    """The ballot, or the key of REFUSALS that says why it is refused."""
    if choice not in ("yes", "no"):
        return "choice"
    text = " ".join(printable(comment or "").split())
    if len(text) > MAX_COMMENT:
        return "too_long"
    if _LINK.search(text):
        return "link"
    return Ballot(choice == "yes", text or None)


def _salt(session: Session, day: date) -> str:
    """The day's salt, made by whoever votes first that day; earlier days' salts are dropped."""
    session.execute(insert_ignoring_conflicts(session, VoteSalt, day=day,
                                              salt=secrets.token_hex(32)))
    session.execute(delete(VoteSalt).where(VoteSalt.day < day - timedelta(days=1)))
    return session.scalar(select(VoteSalt.salt).where(VoteSalt.day == day))


def _hash(salt: str, *parts: str) -> str:
    return hmac.new(salt.encode(), "|".join(parts).encode(), hashlib.sha256).hexdigest()


def cast(session: Session, publication_id: int, ballot: Ballot, *, address: str, agent: str,
         now: datetime) -> str:
    """Record the ballot once: "counted", "already" (this visitor, this item, today) or
    "too_many" (this address voted RATE_PER_HOUR times in the last hour)."""
    day = to_bangkok(now).date()
    salt = _salt(session, day)
    voter, source = _hash(salt, address, agent), _hash(salt, address)
    recent = session.scalar(select(func.count()).select_from(ItemVote).where(
        ItemVote.source == source, ItemVote.created_at >= now - timedelta(hours=1)))
    if recent >= RATE_PER_HOUR:
        return "too_many"
    added = session.execute(insert_ignoring_conflicts(
        session, ItemVote, publication_id=publication_id, day=day, voter=voter, source=source,
        helpful=ballot.helpful, comment=ballot.comment, created_at=now,
    ).returning(ItemVote.id)).first()
    return "counted" if added is not None else "already"


# --- what the office and the digest read ------------------------------------------------------

@dataclass(frozen=True)
class Tally:
    yes: int = 0
    no: int = 0

    @property
    def total(self) -> int:
        return self.yes + self.no

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.yes + other.yes, self.no + other.no)


def tallies(session: Session, office_id: int, start: datetime,
            end: datetime) -> dict[tuple[int | None, str], Tally]:
    """Votes cast in [start, end) on the office's items, per (unit, category) of the item."""
    rows = session.execute(
        select(Publication.unit_id, Publication.category_code,
               func.sum(case((ItemVote.helpful.is_(True), 1), else_=0)),
               func.sum(case((ItemVote.helpful.is_(True), 0), else_=1)))
        .join(Publication, Publication.id == ItemVote.publication_id)
        .where(Publication.office_id == office_id, ItemVote.created_at >= start,
               ItemVote.created_at < end)
        .group_by(Publication.unit_id, Publication.category_code)).all()
    return {(unit, code): Tally(int(yes), int(no)) for unit, code, yes, no in rows}


def quarter_tallies(session: Session, office_id: int, quarter: FiscalQuarter):
    return tallies(session, office_id, quarter.start, quarter.end)


@dataclass(frozen=True)
class Comment:
    publication_id: int
    title: str
    helpful: bool
    comment: str
    at: datetime


def comments(session: Session, office_id: int, start: datetime, end: datetime,
             limit: int = 100) -> list[Comment]:
    """The newest comments readers left in [start, end): for the office only, never the public."""
    rows = session.execute(
        select(ItemVote.publication_id, SubmissionVersion.title, ItemVote.helpful,
               ItemVote.comment, ItemVote.created_at)
        .join(Publication, Publication.id == ItemVote.publication_id)
        .join(SubmissionVersion, (SubmissionVersion.submission_id == Publication.submission_id)
              & (SubmissionVersion.number == Publication.version))
        .where(Publication.office_id == office_id, ItemVote.comment.is_not(None),
               ItemVote.created_at >= start, ItemVote.created_at < end)
        .order_by(ItemVote.created_at.desc(), ItemVote.id.desc()).limit(limit)).all()
    return [Comment(*row) for row in rows]
