"""/f/<token>: a submitted file (or its photo preview) behind a signed, expiring link."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from bot.files.links import attachment_token, store
from bot.files.media import make_preview
from bot.files.names import content_disposition
from models import Attachment


def files_blueprint(runtime) -> Blueprint:
    bp = Blueprint("files", __name__)

    @bp.get("/f/<token>")
    def attachment(token: str):
        signed = attachment_token(runtime.config, token)
        if signed is None:
            abort(403)
        attachment_id, preview = signed
        with runtime.factory() as session:
            row = session.get(Attachment, attachment_id)
            if row is None or row.status != "stored":
                abort(404)
            data = store(runtime.config).open(row.sha256)
            mime, name = row.mime, row.filename
        if preview and mime and mime.startswith("image/"):
            data, mime = make_preview(data), "image/jpeg"
        response = Response(data, mimetype=mime or "application/octet-stream")
        response.headers["Content-Disposition"] = content_disposition(name or "file", inline=True)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, max-age=3600"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    return bp
