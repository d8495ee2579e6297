"""Who may use the console: an active person with the `admin` role in the office they chose.

The signed-in LINE user id lives in the session (set by login.py once LINE Login's ID token is
verified); the office is chosen there too. Every console page goes through `admin_required`.
"""

from __future__ import annotations

import time
from functools import wraps

from flask import current_app, g, redirect, render_template, request, session, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.admin import changes
from bot.spine.db import transaction
from models import Office, Person

SUB, OFFICE, SEEN = "admin_sub", "admin_office", "admin_seen"


def admin_roles(session_: Session, line_user_id: str) -> list[Person]:
    """The active admin records of this LINE user, one per office (a person may serve several)."""
    people = session_.scalars(select(Person).where(
        Person.line_user_id == line_user_id, Person.active.is_(True)).order_by(Person.office_id))
    return [p for p in people if "admin" in (p.roles or [])]


def sign_in(line_user_id: str) -> None:
    """A fresh session for a verified LINE user: nothing of the one before it survives."""
    session.clear()
    session[SUB], session[SEEN] = line_user_id, time.time()


def sign_out() -> None:
    session.clear()


def forbidden():
    return render_template("admin/forbidden.html"), 403


def record_refusal(reason: str) -> None:
    """Put a refused request on the audit log: who (if signed in), where, and why not. A POST's
    session writes already; a GET's is read-only, so the entry gets its own transaction."""
    detail = {"line_user_id": session.get(SUB), "office_id": session.get(OFFICE),
              "path": request.path, "method": request.method}
    if request.method == "POST":
        g.db.rollback()
        changes.refused(g.db, reason, **detail)
        g.db.commit()
        return
    with transaction(current_app.extensions["prakat"].factory) as writer:
        changes.refused(writer, reason, **detail)


def idle_expired() -> bool:
    limit = current_app.extensions["prakat"].config.admin_idle_minutes * 60
    return time.time() - float(session.get(SEEN) or 0) > limit


def admin_required(view):
    """Sets g.admin (the admin's Person in g.office) and g.office, or refuses: not signed in →
    the sign-in page; idle too long → signed out; not this office's admin → the Thai 403."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        sub = session.get(SUB)
        if not sub:
            return redirect(url_for("admin.login", next=request.full_path if request.method == "GET"
                                    else None))
        if idle_expired():
            sign_out()
            return redirect(url_for("admin.login", expired=1))
        session[SEEN] = time.time()
        admins = admin_roles(g.db, sub)
        office_id = session.get(OFFICE)
        admin = next((p for p in admins if p.office_id == office_id), None)
        if admin is None and office_id is None and len(admins) == 1:
            admin = admins[0]
            session[OFFICE] = admin.office_id
        if admin is None:
            if office_id is None and len(admins) > 1:
                return redirect(url_for("admin.choose_office"))
            record_refusal("not an admin of this office")
            return forbidden()
        g.admin, g.office = admin, g.db.get(Office, admin.office_id)
        return view(*args, **kwargs)

    return wrapper
