"""One CSRF token per browser session, required on every POST the console answers."""

from __future__ import annotations

import hmac
import secrets

from flask import request, session
from markupsafe import Markup

FIELD = "csrf_token"


def token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_field() -> Markup:
    """The hidden input every console form carries (a Jinja global)."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{token()}">')


def valid() -> bool:
    expected, given = session.get("csrf"), request.form.get(FIELD, "")
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())
