"""What machines read: Atom feeds (all items, one category), the sitemap and robots.txt."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from flask import Blueprint, Response, abort
from sqlalchemy import select

from bot.office import categories
from bot.portal import listings
from bot.portal.web import Portal
from bot.publishing.addresses import Links
from bot.thai.text import clip, printable
from models import Office, Publication

FEED_SIZE = 50
ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    """A text element; stored text may hold control characters (typed before input was
    cleaned, or written around it), and one would make the whole feed invalid XML."""
    element = ET.SubElement(parent, tag)
    element.text = printable(text, lines=True)
    return element


def _xml(root: ET.Element, mimetype: str) -> Response:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype=mimetype, headers={"Cache-Control": "public, max-age=600"})


def atom(urls: Links, office: Office, title: str, self_path: str, page_path: str,
         entries: list[listings.Entry]) -> Response:
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "th"})
    ET.SubElement(feed, "id").text = urls.base + self_path
    _text(feed, "title", title)
    updated = max((e.published_at for e in entries), default=office.created_at)
    ET.SubElement(feed, "updated").text = _iso(updated)
    ET.SubElement(feed, "link", {"rel": "self", "href": urls.base + self_path})
    ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html",
                                 "href": urls.base + page_path})
    _text(ET.SubElement(feed, "author"), "name", office.name)
    for e in entries:
        entry = ET.SubElement(feed, "entry")
        ET.SubElement(entry, "id").text = urls.item(e.id)
        _text(entry, "title", e.title)
        ET.SubElement(entry, "published").text = _iso(e.published_at)
        ET.SubElement(entry, "updated").text = _iso(e.published_at)
        ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": urls.item(e.id)})
        ET.SubElement(entry, "category", {"term": e.category_code,
                                          "label": e.category_short or e.category_code})
        _text(ET.SubElement(entry, "author"), "name", e.unit_name or office.name)
        if e.description:
            _text(entry, "summary", clip(printable(e.description), 400))
    return _xml(feed, "application/atom+xml")


def add_routes(bp: Blueprint, portal: Portal) -> None:
    @bp.get("/feed.atom")
    def feed():
        with portal.session() as session:
            office = portal.office(session)
            entries = listings.entries(session, listings.newest(listings.live(office.id))
                                       .limit(FEED_SIZE))
            urls = portal.links(session)
        return atom(urls, office, office.name, "/feed.atom", "/", entries)

    @bp.get("/c/<code>/feed.atom")
    def category_feed(code: str):
        with portal.session() as session:
            office = portal.office(session)
            cat = categories.category(session, office.id, code)
            if cat is None:
                abort(404)
            query = listings.live(office.id).where(Publication.category_code == code)
            entries = listings.entries(session, listings.newest(query).limit(FEED_SIZE))
            urls = portal.links(session)
        return atom(urls, office, f"{office.name} · หมวด {code} {cat.short_name}",
                    f"/c/{code}/feed.atom", f"/c/{code}", entries)

    @bp.get("/sitemap.xml")
    def sitemap():
        with portal.session() as session:
            office = portal.office(session)
            entries = listings.entries(session, listings.newest(listings.live(office.id)))
            codes = [c.code for c in categories.office_categories(session, office.id)]
            urls = portal.links(session)
        root = ET.Element("urlset", {"xmlns": SITEMAP})

        def add(loc: str, lastmod: datetime | None = None) -> None:
            node = ET.SubElement(root, "url")
            ET.SubElement(node, "loc").text = loc
            if lastmod is not None:
                ET.SubElement(node, "lastmod").text = _iso(lastmod)

        add(urls.home(), entries[0].published_at if entries else None)
        add(urls.base + "/minimum")
        for code in codes:
            add(f"{urls.base}/c/{code}")
        for e in entries:
            add(urls.item(e.id), e.published_at)
        return _xml(root, "application/xml")

    @bp.get("/robots.txt")
    def robots():
        """The sitemap of the office this host or path names; at the bare address of several
        offices, every office's (robots.txt may name any number)."""
        with portal.session() as session:
            found = portal.place(session)
            if found.office_id is not None:
                offices = [session.get(Office, found.office_id)]
            elif found.why == "several":
                offices = session.scalars(select(Office).order_by(Office.id)).all()
            else:
                offices = []
            maps = "".join(f"Sitemap: {portal.links_of(session, o).base}/sitemap.xml\n"
                           for o in offices)
        body = f"User-agent: *\nDisallow: /record/\nDisallow: /preview/\n{maps}"
        return Response(body, mimetype="text/plain",
                        headers={"Cache-Control": "public, max-age=86400"})
