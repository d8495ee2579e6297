"""Searching the published items: substring terms in Thai or Latin, either kind of digit."""

from __future__ import annotations

import re
import unicodedata

from flask import Blueprint, request
from sqlalchemy import and_, case, exists, func, or_

from bot.portal import listings
from bot.portal.web import Portal, page
from bot.thai.dates import arabic_digits, thai_digits
from bot.thai.text import cut
from models import Attachment, Publication, SubmissionVersion

MAX_QUERY = 100
MAX_TERMS = 8


def normalise_query(text: str) -> list[str]:
    """Search terms: NFC, lower case, invisible characters dropped, split on whitespace.

    Thai has no spaces between words, so each term is matched as a substring (LIKE '%term%'),
    which finds a word inside a sentence on SQLite and PostgreSQL alike.
    """
    text = unicodedata.normalize("NFC", text or "")[:MAX_QUERY].lower()
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("C") or ch.isspace())
    return text.split()[:MAX_TERMS]


def like_pattern(value: str) -> str:
    """A LIKE pattern matching `value` anywhere, with LIKE's own characters escaped by \\."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", value) + "%"


def _term_matches(term: str):
    conditions = []
    for variant in {term, thai_digits(term), arabic_digits(term)}:
        pattern = like_pattern(variant)
        in_files = exists().where(
            Attachment.version_id == SubmissionVersion.id, Attachment.status == "stored",
            or_(func.lower(Attachment.caption).like(pattern, escape="\\"),
                func.lower(Attachment.filename).like(pattern, escape="\\")))
        conditions += [func.lower(SubmissionVersion.title).like(pattern, escape="\\"),
                       func.lower(SubmissionVersion.description).like(pattern, escape="\\"),
                       in_files]
    return or_(*conditions)


def add_routes(bp: Blueprint, portal: Portal) -> None:
    @bp.get("/search")
    def search():
        raw = request.args.get("q", "")
        terms = normalise_query(raw)
        with portal.session() as session:
            office = portal.office(session)
            paged = None
            if terms:
                query = listings.live(office.id).where(*(_term_matches(t) for t in terms))
                in_title = and_(*(func.lower(SubmissionVersion.title).like(like_pattern(t), escape="\\")
                                  for t in terms))
                ordered = query.order_by(case((in_title, 0), else_=1),
                                         Publication.published_at.desc(), Publication.id.desc())
                paged = listings.paginate(session, query, ordered)
        return page("portal/search.html", office=office, q=raw[:MAX_QUERY], paged=paged,
                    page_title=f"ค้นหา {cut(raw, 40)}" if raw else "ค้นหา")
