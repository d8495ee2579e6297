"""The console's blueprint: /admin, its session cookie, the per-request database session, the
CSRF check on every POST, and the pages. Each module in PAGES adds its routes with
`register(bp, runtime)`; a new page is a new module listed here."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from bot.admin import (
    acting,
    audit,
    auth,
    csrf,
    digest,
    groups,
    invites,
    login,
    office_page,
    outbox,
    people_page,
    publications,
    queue,
)
from bot.admin.format import FILTERS

PAGES = [login, office_page, people_page, invites, groups, acting, queue, publications, outbox,
         audit, digest]
# GET routes that write (the sign-in callback puts the sign-in on the audit log).
WRITING_GETS = {"admin.callback"}


def admin_blueprint(runtime) -> Blueprint:
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.record_once
    def _setup(state) -> None:
        app = state.app
        app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                          SESSION_COOKIE_SECURE=runtime.config.public_base_url.startswith("https://"))
        app.jinja_env.globals["csrf_field"] = csrf.csrf_field
        app.jinja_env.filters.update(FILTERS)

    @bp.before_request
    def _open():
        writes = request.method == "POST" or request.endpoint in WRITING_GETS
        g.db = (runtime.factory if writes else runtime.read_factory)()
        if request.method == "POST" and not csrf.valid():
            auth.record_refusal("csrf token missing or wrong")
            return render_template("admin/bad_request.html"), 400
        return None

    @bp.teardown_request
    def _close(_exc) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.close()  # rolls back whatever a page did not commit

    @bp.after_request
    def _no_store(response):
        response.headers["Cache-Control"] = "no-store"  # a shared computer keeps no console page
        response.headers["X-Frame-Options"] = "DENY"
        return response

    for page in PAGES:
        page.register(bp, runtime)
    return bp
