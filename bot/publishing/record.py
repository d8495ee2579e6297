"""The two documents a publication leaves on paper: the ITA publication record (who asked, who
approved, who published) and the A4 notice for the office's board."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.publishing.addresses import Links, links
from bot.publishing.item import ItemView, Signer, describe, summary_lines
from bot.spine.config import Config
from bot.thai.dates import be_year, thai_date
from models import Publication


def item_number(publication: Publication) -> str:
    return f"{publication.id}/{be_year(publication.published_at)}"


# bot.render.pdf loads fpdf2 (about a second): imported when a document is first drawn.


def _signatory(s: Signer, *, decision: str = "อนุมัติ"):
    from bot.render.pdf import Signatory  # fpdf2 and the fonts load only when a PDF is made

    return Signatory(name=s.name, position=s.position, role_label=s.role_label,
                     decided_on=thai_date(s.at) if s.at else "-", note=s.note, unit=s.unit,
                     decision=decision)


def record_data(session: Session, publication: Publication, config: Config):
    """The ITA "request to publish" form (bot.render.pdf.RecordData): who supplied the item,
    who approved it, who published it, when."""
    from bot.render.pdf import RecordData  # fpdf2 and the fonts load only when a PDF is made

    view = describe(session, publication.submission, publication)
    return RecordData(
        office_name=view.office_name, item_no=item_number(publication), title=view.title,
        summary=view.description or view.title,
        category=f"{view.category_code} {view.category_name}",
        url=links(session, config, publication.office_id).item(publication.id),
        submitted_on=thai_date(view.submitter.at) if view.submitter.at else "-",
        requester=_signatory(view.submitter, decision="เสนอขออนุญาตเผยแพร่"),
        approvers=[_signatory(a) for a in view.approvals],
        publisher=_signatory(view.publisher, decision="เผยแพร่") if view.publisher else None,
        published_on=thai_date(publication.published_at),
    )


def record_pdf(session: Session, publication: Publication, config: Config) -> bytes:
    # fpdf2 and the fonts load only when a PDF is made.
    from bot.render.pdf import publication_record_pdf

    return publication_record_pdf(record_data(session, publication, config))


def notice_data(view: ItemView, urls: Links):
    """What the A4 notice for the board says (bot.render.pdf.NoticeData)."""
    from bot.render.pdf import NoticeData  # fpdf2 and the fonts load only when a PDF is made

    return NoticeData(
        office_name=view.office_name, title=view.title,
        category=f"{view.category_code} {view.category_name}",
        summary=view.description or summary_lines(view), unit_name=view.unit_name or "-",
        published_on=thai_date(view.published_at) if view.published_at else "-",
        url=urls.item(view.publication_id),
        office_address=view.office_address, office_phone=view.office_phone, logo_path=view.office_logo,
    )

