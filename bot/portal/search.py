"""The search page: what a reader typed, turned into terms for the one search function."""

from __future__ import annotations

import unicodedata

from flask import Blueprint, request

from bot.portal import listings
from bot.portal.web import Portal, page
from bot.publishing import search_index
from bot.thai.text import cut

MAX_QUERY = 100
MAX_TERMS = 8


def normalise_query(text: str) -> list[str]:
    """Search terms: NFC, lower case, invisible characters dropped, split on whitespace.

    Thai has no spaces between words, so each term is matched as a substring, which finds a word
    inside a sentence (bot.publishing.search_index).
    """
    text = unicodedata.normalize("NFC", text or "")[:MAX_QUERY].lower()
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("C") or ch.isspace())
    return text.split()[:MAX_TERMS]


def add_routes(bp: Blueprint, portal: Portal) -> None:
    @bp.get("/search")
    def search():
        raw = request.args.get("q", "")
        terms = normalise_query(raw)
        found = paged = None
        with portal.session() as session:
            office = portal.office(session)
            if terms:
                found = search_index.search(session, office.id, terms)
                paged = listings.paginate_ids(session, office.id, found.ids)
        return page("portal/search.html", office=office, q=raw[:MAX_QUERY], paged=paged,
                    found=found, window=search_index.WINDOW, min_chars=search_index.MIN_CHARS,
                    page_title=f"ค้นหา {cut(raw, 40)}" if raw else "ค้นหา")
