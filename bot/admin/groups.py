"""Group chats: issue the one-time code that registers a LINE group as the office's PR or
management group (typed in that group), and see which groups serve the office now."""

from __future__ import annotations

from flask import g, make_response, request
from sqlalchemy import select

from bot.admin import changes
from bot.admin.auth import admin_required
from bot.admin.invites import spaced
from bot.admin.rows import page, refused
from bot.office.org import GROUP_CODE_VALID, GROUP_PURPOSES, OrgError, create_group_code
from models import GroupChat, utcnow


def register(bp, runtime) -> None:
    @bp.get("/groups")
    @admin_required
    def groups():
        rows = g.db.scalars(select(GroupChat).where(GroupChat.office_id == g.office.id)
                            .order_by(GroupChat.active.desc(), GroupChat.registered_at.desc())).all()
        serving = {row.purpose: row for row in rows if row.active and row.purpose}
        return page("admin/groups.html", groups=rows, serving=serving, purposes=GROUP_PURPOSES)

    @bp.post("/groups/code")
    @admin_required
    def group_code():
        purpose = request.form.get("purpose", "")
        now = utcnow()
        try:
            code = create_group_code(g.db, g.office, purpose, now)
        except OrgError as exc:
            return refused("admin.groups", exc.thai)
        changes.record(g.db, g.admin, "admin.group_code", purpose=purpose)
        g.db.commit()
        response = make_response(page("admin/group_code.html", code=code, spaced=spaced(code),
                                      purpose=GROUP_PURPOSES[purpose], expires=now + GROUP_CODE_VALID))
        response.headers["Cache-Control"] = "no-store"
        return response
