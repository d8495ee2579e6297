"""Publications: what the portal shows, retracted with a reason by the same path as the chat and
`flask unpublish` (the portal then answers 410 with it; PR is told), and the ITA publication
record of each as a PDF."""

from __future__ import annotations

from flask import Response, g, request
from sqlalchemy import select

from bot.admin.auth import admin_required
from bot.admin.rows import done, owned, page, refused
from bot.publishing import procedure
from bot.publishing.addresses import links
from bot.publishing.errors import PublishError
from bot.publishing.record import record_pdf
from models import Publication, utcnow

PER_PAGE = 50


def register(bp, runtime) -> None:
    @bp.get("/publications")
    @admin_required
    def publications():
        try:
            number = max(1, int(request.args.get("page", "1")))
        except ValueError:
            number = 1
        rows = g.db.scalars(select(Publication).where(Publication.office_id == g.office.id)
                            .order_by(Publication.published_at.desc(), Publication.id.desc())
                            .offset((number - 1) * PER_PAGE).limit(PER_PAGE + 1)).all()
        return page("admin/publications.html", publications=rows[:PER_PAGE], number=number,
                    more=len(rows) > PER_PAGE, links=links(runtime.config))

    @bp.post("/publications/<id:publication_id>/retract")
    @admin_required
    def retract(publication_id: int):
        publication = owned(Publication, publication_id)
        try:
            procedure.retract(g.db, publication, actor_id=g.admin.id, reason=request.form.get("reason", ""),
                              event_id=None, now=utcnow(), config=runtime.config)
        except PublishError as exc:
            return refused("admin.publications", str(exc))
        return done("admin.publications", f"ถอนการเผยแพร่เรื่อง \"{publication.submission.version().title}\" "
                    "แล้วค่ะ หน้าเว็บจะแสดงเหตุผลแทนเนื้อหา")

    @bp.get("/publications/<id:publication_id>/record.pdf")
    @admin_required
    def record(publication_id: int):
        publication = owned(Publication, publication_id)
        data = record_pdf(g.db, publication, runtime.config)
        return Response(data, mimetype="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="record-{publication.id}.pdf"',
            "Cache-Control": "private, no-store"})
