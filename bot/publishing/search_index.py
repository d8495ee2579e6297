"""The portal's search index: one row per live publication, and the one search function.

Thai is written without spaces, so readers expect a word to be found inside a sentence: a
substring match. The index answers it for terms of three characters or more: SQLite's FTS5 with
the trigram tokenizer, PostgreSQL's pg_trgm GIN index (table made by migration a1f75ea4c411).
The portal target writes a row when an item is published and removes it when it is retracted;
published versions never change, so nothing else has to.

A search ranks at most the WINDOW newest matches (publication ids grow with publication time),
title matches first, so its cost does not grow with the number of published items. A term shorter
than three characters cannot use the index: such a query is checked against the SHORT_SCAN newest
items only, and the page says so.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    Integer,
    Text,
    and_,
    bindparam,
    case,
    column,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from bot.thai.dates import arabic_digits, thai_digits
from models import Attachment, Publication, SubmissionVersion

MIN_CHARS = 3
WINDOW = 500
SHORT_SCAN = 2000
PROBE = 1000  # PostgreSQL: newest rows walked to learn how common the terms are

# SQLite: an FTS5 table whose rowid is the publication id. PostgreSQL: a plain table.
_FTS = table("publication_search", column("rowid", Integer), column("title", Text),
             column("body", Text))
_PLAIN = table("publication_search", column("publication_id", Integer), column("title", Text),
               column("body", Text))


@dataclass(frozen=True)
class Found:
    """Publication ids, best first; `more`: there were more matches than WINDOW; `scanned`: a
    short term limited the search to that many newest items."""

    ids: list[int]
    more: bool = False
    scanned: int | None = None


def _sqlite(bind) -> bool:
    return bind.dialect.name == "sqlite"


def _index(bind):
    """The table and its publication-id column on this database."""
    if _sqlite(bind):
        return _FTS, _FTS.c.rowid
    return _PLAIN, _PLAIN.c.publication_id


def fold(text: str) -> str:
    """What is indexed and what is looked for: NFC, lower case."""
    return unicodedata.normalize("NFC", text or "").lower()


def document_of(title: str, description: str, files: list[tuple[str, str]]) -> tuple[str, str]:
    """(title, body) as indexed: the body is the description, then each stored file's caption
    and name (`files`: (caption, filename) in order)."""
    parts = [description or ""] + [f"{caption or ''}\n{name or ''}" for caption, name in files]
    return fold(title), fold("\n".join(parts))


def document(version: SubmissionVersion) -> tuple[str, str]:
    return document_of(version.title, version.description,
                       [(a.caption, a.filename) for a in version.attachments if a.status == "stored"])


def index(session: Session, publication: Publication, version: SubmissionVersion) -> None:
    """Make the publication findable (again): called by the portal target when it publishes."""
    unindex(session, publication.id)
    s, key = _index(session.get_bind())
    title, body = document(version)
    session.execute(insert(s).values({key.name: publication.id, "title": title, "body": body}))


def unindex(session: Session, publication_id: int) -> None:
    s, key = _index(session.get_bind())
    session.execute(delete(s).where(key == publication_id))


def rebuild(connection: Connection, chunk: int = 10_000) -> int:
    """Index every live publication afresh (after a bulk load), in plain rows; returns how many."""
    s, key = _index(connection)
    connection.execute(delete(s))
    published = (select(Publication.id, SubmissionVersion.id.label("version_id"),
                        SubmissionVersion.title, SubmissionVersion.description)
                 .join(SubmissionVersion, and_(SubmissionVersion.submission_id == Publication.submission_id,
                                               SubmissionVersion.number == Publication.version))
                 .where(Publication.retracted_at.is_(None)).order_by(Publication.id))
    rows = connection.execute(published).all()
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        files: dict[int, list[tuple[str, str]]] = {}
        for version_id, caption, filename in connection.execute(
                select(Attachment.version_id, Attachment.caption, Attachment.filename)
                .where(Attachment.version_id.in_([r.version_id for r in part]),
                       Attachment.status == "stored")
                .order_by(Attachment.version_id, Attachment.position)):
            files.setdefault(version_id, []).append((caption, filename))
        docs = []
        for r in part:
            title, body = document_of(r.title, r.description, files.get(r.version_id, []))
            docs.append({key.name: r.id, "title": title, "body": body})
        connection.execute(insert(s), docs)
    return len(rows)


# --- searching -------------------------------------------------------------------------------

def _variants(term: str) -> list[str]:
    """The term as typed and with the other kind of digits (๑๒ finds 12 and back)."""
    return sorted({term, thai_digits(term), arabic_digits(term)})


def _like(col, value: str, sqlite: bool):
    pattern = "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    # PostgreSQL's LIKE escapes with a backslash by default, and an ESCAPE clause would hide the
    # pattern from the planner's estimate; SQLite has no default escape character.
    return col.like(pattern, escape="\\") if sqlite else col.like(pattern)


def _contains(s, term: str, sqlite: bool, *, title_only: bool = False):
    """The term (in either kind of digits) in the title, or in the title or body."""
    cols = (s.c.title,) if title_only else (s.c.title, s.c.body)
    return or_(*(_like(c, v, sqlite) for v in _variants(term) for c in cols))


def _has(term: str, *texts: str) -> bool:
    """The same test on text already read: a substring, in either kind of digits."""
    return any(v in t for v in _variants(term) for t in texts)


def _fts_query(terms: list[str]) -> str:
    """An FTS5 query of quoted strings only, so nothing typed is read as FTS syntax."""
    def quoted(v: str) -> str:
        return '"' + v.replace('"', '""') + '"'

    return " AND ".join("(" + " OR ".join(quoted(v) for v in _variants(t)) + ")" for t in terms)


def _live(office_id: int):
    return Publication.office_id == office_id, Publication.retracted_at.is_(None)


def _newest_matches(session: Session, office_id: int, terms: list[str], limit: int,
                    columns: list) -> list:
    """`columns` of the `limit` newest live items containing every term (each three characters
    or more), newest first, from the index."""
    s, key = _index(session.get_bind())
    if _sqlite(session.get_bind()):  # FTS5 walks its matches in rowid order: LIMIT stops it early
        match = literal_column("publication_search").op("MATCH")(bindparam("fts", _fts_query(terms)))
        return session.execute(
            select(*columns).select_from(s.join(Publication, Publication.id == key))
            .where(match, *_live(office_id)).order_by(key.desc()).limit(limit)).all()
    return _newest_matches_postgres(session, office_id, terms, limit, columns)


def _newest_matches_postgres(session: Session, office_id: int, terms: list[str], limit: int,
                             columns: list) -> list:
    """A GIN index cannot return matches newest first, and LIKE on Thai text costs several
    microseconds a row, which the planner does not know. Walking the ids backwards testing each
    row costs limit/density rows; the bitmap over the index costs one test per match, density x
    all rows. So the PROBE newest rows are walked first, and what they found says which of the two
    is cheaper for the rest (walking when density^2 x rows > limit)."""
    s, key = _index(session.get_bind())
    found = and_(*(_contains(s, t, False) for t in terms), *_live(office_id))
    top = session.scalar(select(func.max(key)))
    if top is None:
        return []
    query = select(*columns).select_from(s.join(Publication, Publication.id == key)).order_by(key.desc())
    rows = list(session.execute(query.where(found, key > top - PROBE).limit(limit)).all())
    if len(rows) >= limit or top <= PROBE:
        return rows
    density = len(rows) / PROBE
    walk = density * density * top > limit
    # One statement's plan, forced: SET LOCAL lasts to the end of this read-only transaction.
    session.execute(text("SET LOCAL enable_bitmapscan = off" if walk else "SET LOCAL enable_indexscan = off"))
    try:
        rows += session.execute(query.where(found, key <= top - PROBE).limit(limit - len(rows))).all()
    finally:
        session.execute(text("RESET enable_bitmapscan" if walk else "RESET enable_indexscan"))
    return rows


def _newest_live(session: Session, office_id: int, columns: list) -> list:
    """`columns` of the SHORT_SCAN newest live items, newest first."""
    s, key = _index(session.get_bind())
    floor = session.scalar(select(Publication.id).where(*_live(office_id))
                           .order_by(Publication.id.desc()).offset(SHORT_SCAN - 1).limit(1)) or 0
    return session.execute(
        select(*columns).select_from(s.join(Publication, Publication.id == key))
        .where(key >= floor, *_live(office_id)).order_by(key.desc())).all()


def search(session: Session, office_id: int, terms: list[str]) -> Found:
    """The office's live publications containing every term (folded, as a substring), title
    matches first, then newest first."""
    terms = [fold(t) for t in terms if t]
    if not terms:
        return Found([])
    sqlite = _sqlite(session.get_bind())
    s, key = _index(session.get_bind())
    long = [t for t in terms if len(t) >= MIN_CHARS]
    short = [t for t in terms if len(t) < MIN_CHARS]
    if not short:
        in_title = case((and_(*(_contains(s, t, sqlite, title_only=True) for t in terms)), 1), else_=0)
        columns = [key.label("id"), in_title.label("in_title")]
        rows = [(r.id, r.in_title) for r in _newest_matches(session, office_id, long, WINDOW + 1, columns)]
    else:  # the newest items (that the index finds for the longer terms), read and tested here
        columns = [key.label("id"), s.c.title, s.c.body]
        newest = (_newest_matches(session, office_id, long, SHORT_SCAN, columns) if long
                  else _newest_live(session, office_id, columns))
        rows = [(r.id, int(all(_has(t, r.title) for t in terms))) for r in newest
                if all(_has(t, r.title, r.body) for t in short)][:WINDOW + 1]
    ranked = sorted(rows[:WINDOW], key=lambda r: (-r[1], -r[0]))
    return Found([pid for pid, _ in ranked], more=len(rows) > WINDOW,
                 scanned=SHORT_SCAN if short else None)
