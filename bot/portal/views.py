"""Counting readers: one view per visitor per item per Bangkok day, crawlers and prefetches
left out, and nothing kept that tells who the visitor was."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading
from datetime import date, datetime

from flask import request
from sqlalchemy import update
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.spine.db import insert_ignoring_conflicts, transaction
from bot.thai.dates import to_bangkok
from models import PageView, Publication

log = logging.getLogger(__name__)
WAIT_MS = 100  # the longest a page waits for the write lock on behalf of its view count
MAX_PENDING = 10_000

# Crawlers, link previewers, feed readers and scripts: none of them is a reader.
BOT_AGENTS = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|embedly|whatsapp|telegram|curl|wget|"
    r"python|httpx|aiohttp|go-http|java/|okhttp|node-fetch|axios|headless|lighthouse|pingdom|"
    r"uptime|monitor|scan|feed|rss|libwww|http_request|archive",
    re.IGNORECASE,
)


def visitor_id(secret: str, ip: str, agent: str, day: str) -> str:
    """Who visited, unrecoverable and new every day: a keyed hash of IP, browser and date."""
    return hmac.new(secret.encode(), f"{ip}|{agent}|{day}".encode(), hashlib.sha256).hexdigest()


def is_reader() -> bool:
    if request.method != "GET":
        return False
    agent = request.headers.get("User-Agent", "")
    prefetch = (request.headers.get("Sec-Purpose", "").startswith("prefetch")
                or request.headers.get("Purpose") == "prefetch")
    return bool(agent) and not prefetch and not BOT_AGENTS.search(agent)


class ViewCounter:
    """Views waiting to be written. The page is read without the write lock and the view is
    written after it in a short transaction of its own: when another writer holds the database
    the view waits here for the next page's write (at most MAX_PENDING of them; beyond that,
    under sustained contention, views are dropped: a count is not worth an error page)."""

    def __init__(self, factory: sessionmaker[Session], secret: str) -> None:
        self._factory, self._secret = factory, secret  # factory: brief_sessionmaker sessions
        self._pending: dict[tuple[int, str, date], None] = {}  # an ordered set
        self._pending_lock = threading.Lock()
        self._write_lock = threading.Lock()

    def count(self, pid: int, now: datetime) -> int:
        """Count this request's reader once per item per Bangkok day (reloads and races count
        once: the database's unique key decides); how many new views of ``pid`` were written
        now, this one and any held back earlier."""
        if not is_reader():
            return 0
        day = to_bangkok(now).date()
        visitor = visitor_id(self._secret, request.remote_addr or "",
                             request.headers.get("User-Agent", ""), day.isoformat())
        key = (pid, visitor, day)
        with self._pending_lock:
            if len(self._pending) >= MAX_PENDING:
                return 0
            self._pending[key] = None
        return sum(1 for written, _, _ in self.write() if written == pid)

    def write(self) -> set[tuple[int, str, date]]:
        """Write what waits; the views that were new. Busy database: they wait for next time."""
        if not self._write_lock.acquire(timeout=WAIT_MS / 1000):
            return set()  # another request is writing them
        try:
            with self._pending_lock:
                batch = list(self._pending)
            added = self._insert(batch)
            if added is not None:
                with self._pending_lock:
                    for key in batch:
                        self._pending.pop(key, None)
            return added or set()
        finally:
            self._write_lock.release()

    def _insert(self, batch: list[tuple[int, str, date]]) -> set | None:
        """The new views of ``batch``, or None when the database was too busy to take them."""
        try:
            with transaction(self._factory) as session:
                added = set()
                for pid, visitor, day in batch:
                    row = session.execute(insert_ignoring_conflicts(
                        session, PageView, publication_id=pid, visitor=visitor, day=day,
                    ).returning(PageView.id)).first()
                    if row is not None:
                        added.add((pid, visitor, day))
                        session.execute(update(Publication).where(Publication.id == pid)
                                        .values(views=Publication.views + 1))
                return added
        except OperationalError:  # locked (SQLite) or lock_timeout (PostgreSQL)
            log.info("views not written, the database is busy: %d waiting", len(batch))
            return None
        except SQLAlchemyError:  # e.g. an item deleted meanwhile: never block later views
            log.warning("dropped %d views that could not be written", len(batch), exc_info=True)
            return set()
