"""What the console's office pages share: only g.office's rows (any other id is 404, and nothing
is changed), a page drawn in the office's digits, and a short Thai notice after a change."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for

from bot.thai.dates import Numerals


def owned(model, row_id: int):
    """The row of `model` with this id if it belongs to g.office; otherwise 404."""
    row = g.db.get(model, row_id)
    if row is None or getattr(row, "office_id", None) != g.office.id:
        abort(404)
    return row


def page(template: str, **context):
    return render_template(template, nm=Numerals.of(g.office.digits), **context)


def done(endpoint: str, message: str, category: str = "ok", **values):
    """Commit the change, say so on the next page (POST → redirect → GET)."""
    g.db.commit()
    flash(message, category)
    return redirect(url_for(endpoint, **values))


def refused(endpoint: str, message: str, **values):
    """Nothing changes; the admin reads why."""
    g.db.rollback()
    flash(message, "error")
    return redirect(url_for(endpoint, **values))
