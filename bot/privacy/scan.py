"""One file's check, as the worker runs it: read the bytes from the store, extract the text
(bounded: bot.privacy.extract), look for personal data, and keep the masked findings by hash.
The text itself is dropped as soon as it has been looked at; nothing of it is logged."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.files.links import store
from bot.privacy import detect
from bot.privacy.extract import Budget, extract
from models import FileScan, Office, utcnow


@dataclass
class Result:
    status: str  # done | partial | failed (SCAN_STATES)
    pages: int = 0
    pages_read: int = 0
    ocr_pages: int = 0
    findings: list[dict] = field(default_factory=list)
    problem: str | None = None


def public_numbers(session: Session) -> frozenset[str]:
    """Every office's published phone numbers: printed on its letterhead, so on nearly every
    document it sends, and public by design. A file is checked once for all offices (by hash),
    so the numbers of all of them are left out, never only the sender's."""
    phones = session.scalars(select(Office.phone).where(Office.phone.is_not(None)))
    return frozenset().union(*(detect.phone_numbers(phone) for phone in phones))


def read(config, sha: str, kind: str, budget: Budget | None = None,
         public: frozenset[str] = frozenset()) -> Result:
    """Check the stored file `sha` of `kind`; never raises for a bad file."""
    try:
        data = store(config).open(sha)
    except (OSError, ValueError):
        return Result("failed", problem="file missing from the store")
    return check_bytes(data, kind, budget, public)


def check_bytes(data: bytes, kind: str, budget: Budget | None = None,
                public: frozenset[str] = frozenset()) -> Result:
    extraction = extract(data, kind, budget)
    findings = [
        {"kind": f.kind, "page": f.page, "masked": f.masked}
        for page in extraction.pages for f in detect.find(page.text, page.number, public)
    ]
    unread = set(extraction.unread)
    read_pages = {p.number for p in extraction.pages} - unread
    if not extraction.pages and extraction.problem:
        status = "failed"
    else:
        status = "done" if extraction.complete else "partial"
    return Result(status, pages=extraction.total, pages_read=len(read_pages),
                  ocr_pages=sum(p.method == "ocr" for p in extraction.pages),
                  findings=findings, problem=extraction.problem)


def save(session: Session, sha: str, result: Result) -> FileScan:
    scan = session.get(FileScan, sha, with_for_update=True)
    if scan is None:  # queued by a version of this code that kept no row: keep one now
        scan = FileScan(sha256=sha, queued_at=utcnow())
        session.add(scan)
    scan.status, scan.pages, scan.pages_read = result.status, result.pages, result.pages_read
    scan.ocr_pages, scan.findings, scan.problem = result.ocr_pages, result.findings, result.problem
    scan.finished_at = utcnow()
    session.flush()
    return scan
