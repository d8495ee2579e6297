"""The portal as one Flask blueprint, built around the Runtime the app factory hands it."""

from __future__ import annotations

from flask import Blueprint

from bot.portal import feeds, files, ita, pages, search, signed
from bot.portal.place import KEY_ARG
from bot.portal.web import Portal, install


class OfficeBlueprint(Blueprint):
    """Every route twice: at its own path, for an office's host name (or the one office), and
    under `/o/<key>/`, for an office without one. Both rules share the endpoint, so url_for
    builds whichever the request came in on (bot.portal.place.keep_key)."""

    def add_url_rule(self, rule, endpoint=None, view_func=None, **options):
        super().add_url_rule(rule, endpoint, view_func, **options)
        endpoint = endpoint or (view_func.__name__ if view_func else None)
        super().add_url_rule(f"/o/<{KEY_ARG}>{rule}", endpoint, view_func, **options)


def portal_blueprint(runtime) -> Blueprint:
    """Every public and signed portal route, reaching the app only through ``runtime``."""
    bp = OfficeBlueprint("portal", __name__)
    portal = Portal(runtime)
    install(bp, portal)
    for module in (pages, search, feeds, signed, files, ita):
        module.add_routes(bp, portal)
    return bp
