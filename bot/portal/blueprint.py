"""The portal as one Flask blueprint, built around the Runtime the app factory hands it."""

from __future__ import annotations

from flask import Blueprint

from bot.portal import feeds, files, ita, pages, search, signed
from bot.portal.web import Portal, install


def portal_blueprint(runtime) -> Blueprint:
    """Every public and signed portal route, reaching the app only through ``runtime``."""
    bp = Blueprint("portal", __name__)
    portal = Portal(runtime)
    install(bp, portal)
    for module in (pages, search, feeds, signed, files, ita):
        module.add_routes(bp, portal)
    return bp
