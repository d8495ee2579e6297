"""Publications: what the portal shows, retracted with a reason by the same path as the chat and
`flask unpublish` (the portal then answers 410 with it; PR is told), the ITA publication
record of each as a PDF, and approved items published by hand when the office's ICT staff
publish (`publish_mode: ict`) and nobody tapped the card."""

from __future__ import annotations

from flask import Response, g, request
from sqlalchemy import select

from bot.admin.auth import admin_required
from bot.admin.rows import done, owned, page, refused
from bot.publishing import procedure
from bot.publishing.addresses import links
from bot.publishing.errors import PublishError
from bot.publishing.record import record_pdf
from bot.spine.ids import parse_id
from models import Publication, Submission, utcnow

PER_PAGE = 50
MAX_PAGE = 10_000  # far past any office's history; keeps the offset small


def register(bp, runtime) -> None:
    @bp.get("/publications")
    @admin_required
    def publications():
        number = min(parse_id(request.args.get("page", "")) or 1, MAX_PAGE)
        rows = g.db.scalars(select(Publication).where(Publication.office_id == g.office.id)
                            .order_by(Publication.published_at.desc(), Publication.id.desc())
                            .offset((number - 1) * PER_PAGE).limit(PER_PAGE + 1)).all()
        approved = g.db.scalars(select(Submission).where(
            Submission.office_id == g.office.id, Submission.status == "approved")
            .order_by(Submission.finished_at, Submission.id)).all()
        return page("admin/publications.html", publications=rows[:PER_PAGE], number=number,
                    more=len(rows) > PER_PAGE, links=links(g.db, runtime.config, g.office.id), approved=approved)

    @bp.post("/publications/publish/<id:submission_id>")
    @admin_required
    def publish(submission_id: int):
        """Publish an approved item now (ict mode, nobody tapped the card; `flask publish N`)."""
        submission = owned(Submission, submission_id)
        try:
            procedure.publish(g.db, submission, publisher_id=g.admin.id, event_id=None, now=utcnow(),
                              config=runtime.config)
        except PublishError as exc:
            return refused("admin.publications", str(exc))
        return done("admin.publications", f"เผยแพร่เรื่อง \"{submission.version().title}\" แล้วค่ะ")

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
