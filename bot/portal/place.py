"""Which office a portal request is addressed to: its own host name, else the `/o/<key>/` the
path starts with, else the deployment's one office.

Every portal route is served twice, at `/…` and at `/o/<key>/…` (bot.portal.blueprint); the
key is taken out of the route's arguments here and put back into every address the page builds,
so a reader who came in under `/o/<key>/` stays there. A host that names an office and a path
that names another is an address of neither: 404, never the other office's page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import has_request_context, request
from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from models import Office

KEY_ARG = "office_key"  # the route argument of `/o/<office_key>/…`
ENVIRON_KEY = "prakat.place"
PREFIX = re.compile(r"^/o/([^/]+)(?=/|$)")
HOST = re.compile(r"[a-z0-9.-]{1,253}")  # what an office's host name may be (bot.office.orgfile)


@dataclass(frozen=True)
class Place:
    """What the request's address says. `office_id` None: no office (see `why`)."""

    office_id: int | None
    alone: bool  # the deployment has exactly one office
    by_key: bool = False  # addressed under /o/<key>/
    why: str = ""  # "none": no office loaded; "unknown": no such key or host; "several": choose


def host_of(value: str) -> str:
    """A Host header as the org file writes host names: lower case, no port, no final dot."""
    host = value.strip().lower()
    if host.startswith("["):  # an IPv6 literal is never an office's host name
        return host
    return host.rsplit(":", 1)[0].rstrip(".")


def _by_host(session: Session, host: str) -> Office | None:
    """The office whose `hosts` holds `host`. The JSON list is read as text for a first cut
    (any database, no JSON operators), then matched exactly."""
    if not HOST.fullmatch(host):
        return None
    candidates = session.scalars(select(Office).where(cast(Office.hosts, String).like(f'%"{host}"%')))
    return next((o for o in candidates if host in (o.hosts or [])), None)


def resolve(session: Session, public_base_url: str) -> Place:
    """This request's place, worked out once and kept with the request (in its WSGI environ, not
    in `g`, which an app context held open around several requests would share)."""
    found = request.environ.get(ENVIRON_KEY)
    if found is not None:
        return found
    first = session.scalars(select(Office.id).order_by(Office.id).limit(2)).all()
    alone = len(first) == 1
    host = host_of(request.host)
    owner = None
    if first and host != host_of(urlsplit(public_base_url).netloc):
        owner = _by_host(session, host)
    match = PREFIX.match(request.path)
    if not first:
        place = Place(None, False, why="none")
    elif match:
        office_id = session.scalar(select(Office.id).where(Office.key == match.group(1)))
        if office_id is None or (owner is not None and owner.id != office_id):
            place = Place(None, alone, by_key=True, why="unknown")
        else:
            place = Place(office_id, alone, by_key=True)
    elif owner is not None:
        place = Place(owner.id, alone)
    elif alone:
        place = Place(first[0], True)
    else:
        place = Place(None, False, why="several")
    request.environ[ENVIRON_KEY] = place
    return place


def take_key(_endpoint: str | None, values: dict | None) -> None:
    """url_value_preprocessor: the views never see `office_key`; the path still holds it."""
    if values:
        values.pop(KEY_ARG, None)


def keep_key(_endpoint: str, values: dict) -> None:
    """url_defaults: an address built while serving `/o/<key>/…` stays under `/o/<key>/`."""
    if KEY_ARG in values or not has_request_context():
        return
    match = PREFIX.match(request.path)
    if match:
        values[KEY_ARG] = match.group(1)


def inner_path() -> str:
    """The request's path and query without any `/o/<key>` prefix: the same page elsewhere."""
    path = PREFIX.sub("", request.path) or "/"
    query = request.query_string.decode("latin-1")
    return path + (f"?{query}" if query else "")
