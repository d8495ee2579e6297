"""Signed, expiring links to one office's report for one quarter.

The digest message carries them, so whoever holds the message may open the report for a while
without logging in; the token names the office and the quarter, and expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from bot.ita.links import readiness_url
from bot.office.address import host_base, office_address
from bot.spine.config import Config
from bot.thai.dates import FiscalQuarter
from models import Office

LINK_VALID = timedelta(days=120)  # until well after the next quarter's digest


@dataclass(frozen=True)
class ReportLinks:
    """The full report in each format, and its chart (the digest card's picture)."""

    html: str
    pdf: str
    xlsx: str
    chart: str
    ita: str = ""  # the private ITA readiness view of the quarter's fiscal year


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="prakat-report")


def report_token(secret: str, office_id: int, quarter: FiscalQuarter, now: datetime) -> str:
    expires = int((now + LINK_VALID).timestamp())
    return _serializer(secret).dumps({"o": office_id, "q": quarter.code, "x": expires})


def token_problem(secret: str, token: str, office_id: int, quarter: FiscalQuarter,
                  now: datetime) -> str | None:
    """None when the token opens this office's report for this quarter, else why not."""
    try:
        claims = _serializer(secret).loads(token)
    except BadSignature:
        return "invalid"
    if not isinstance(claims, dict) or claims.get("o") != office_id or claims.get("q") != quarter.code:
        return "invalid"
    if not isinstance(claims.get("x"), int) or claims["x"] <= now.timestamp():
        return "expired"
    return None


def links_for(config: Config, office_id: int, quarter: FiscalQuarter, token: str,
              session: Session | None = None) -> ReportLinks:
    """The report's addresses. With `session`, under the office's own address (its host name;
    the ITA view under its portal); without, under PUBLIC_BASE_URL, where they open too."""
    reports = portal = None
    office = session.get(Office, office_id) if session is not None else None
    if office is not None:
        reports = host_base(config.public_base_url, office)
        portal = office_address(session, config.public_base_url, office_id)
    base = f"{reports or config.public_base_url}/reports/{office_id}/{quarter.code}"
    return ReportLinks(*(f"{base}.{ext}?t={token}" for ext in ("html", "pdf", "xlsx", "png")),
                       ita=readiness_url(config, office_id, quarter.fiscal_year, portal))


def report_links(config: Config, office_id: int, quarter: FiscalQuarter,
                 now: datetime, session: Session | None = None) -> ReportLinks:
    return links_for(config, office_id, quarter,
                     report_token(config.secret_key, office_id, quarter, now), session)
