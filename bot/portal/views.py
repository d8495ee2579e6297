"""Counting readers: one view per visitor per item per Bangkok day, crawlers and prefetches
left out, and nothing kept that tells who the visitor was."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime

from flask import request
from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.spine.db import insert_ignoring_conflicts
from bot.thai.dates import to_bangkok
from models import PageView, Publication

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


def count_view(session: Session, pid: int, now: datetime, secret: str) -> bool:
    """Count one view per visitor per item per Bangkok day; reloads and races count once."""
    if not is_reader():
        return False
    day = to_bangkok(now).date()
    visitor = visitor_id(secret, request.remote_addr or "",
                         request.headers.get("User-Agent", ""), day.isoformat())
    added = session.execute(
        insert_ignoring_conflicts(session, PageView, publication_id=pid, visitor=visitor, day=day)
        .returning(PageView.id)
    ).first()
    if added is not None:
        session.execute(update(Publication).where(Publication.id == pid)
                        .values(views=Publication.views + 1))
        return True
    return False
