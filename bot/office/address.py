"""Where an office's pages live: its own host name, PUBLIC_BASE_URL for the one office of a
deployment, else PUBLIC_BASE_URL/o/<key>. Every link the bot hands out for an office (its
portal, the files on its cards) starts here, so a reader stays on that office's address."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Office


def office_base(public_base_url: str, office: Office, *, alone: bool) -> str:
    """`office`'s address: its first host name (with PUBLIC_BASE_URL's scheme), else
    PUBLIC_BASE_URL itself when it is the deployment's only office, else PUBLIC_BASE_URL/o/<key>."""
    if office.hosts:
        scheme = public_base_url.split("://", 1)[0]
        return f"{scheme}://{office.hosts[0]}"
    if alone:
        return public_base_url
    return f"{public_base_url}/o/{office.key}"


def host_base(public_base_url: str, office: Office) -> str:
    """The office's own host name (PUBLIC_BASE_URL's scheme), else PUBLIC_BASE_URL: for pages
    served at the same path whatever the office (the digest's reports), never under /o/<key>."""
    if office.hosts:
        return f"{public_base_url.split('://', 1)[0]}://{office.hosts[0]}"
    return public_base_url


def is_alone(session: Session) -> bool:
    """The deployment holds one office (its addresses need no /o/<key>)."""
    return len(session.scalars(select(Office.id).limit(2)).all()) == 1


def office_address(session: Session, public_base_url: str, office_id: int) -> str:
    """The address of office `office_id` (see office_base)."""
    office = session.get(Office, office_id)
    if office is None:
        raise ValueError(f"no office {office_id}")
    return office_base(public_base_url, office, alone=is_alone(session))
