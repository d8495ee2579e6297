"""The approval queue: everything waiting, on whom (the acting director while one holds), since
when in working days; and a reminder sent now, through the outbox like the daily ones."""

from __future__ import annotations

from flask import g
from sqlalchemy import select

from bot.admin import changes
from bot.admin.auth import admin_required
from bot.admin.rows import done, page, refused
from bot.workflow.queue import NotWaiting, remind_now, waiting
from models import Unit, utcnow


def register(bp, runtime) -> None:
    @bp.get("/queue")
    @admin_required
    def queue():
        units = dict(g.db.execute(select(Unit.id, Unit.name).where(Unit.office_id == g.office.id)).all())
        return page("admin/queue.html", queue=waiting(g.db, runtime.config, g.office.id, utcnow()),
                    units=units, after=runtime.config.reminder_after_working_days)

    @bp.post("/queue/<id:step_id>/remind")
    @admin_required
    def remind(step_id: int):
        try:
            holder = remind_now(g.db, runtime.config, step_id, g.office.id, utcnow())
        except NotWaiting as exc:
            return refused("admin.queue", str(exc))
        changes.record(g.db, g.admin, "admin.reminder", step=step_id, to=holder.key)
        return done("admin.queue", f"ส่งการเตือนถึง{holder.name}แล้วค่ะ")
