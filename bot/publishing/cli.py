"""`flask --app webhook record N`, `unpublish N --reason …` and `publish N` for ICT and auditors.

Each command's work is a function of the running app's Runtime; `commands(runtime)` wraps them
as click commands, given how the composition root (bot.app.cli) reaches the Runtime.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask.cli import with_appcontext

from bot.office.org import OrgError, person_by_key
from bot.publishing import procedure
from bot.publishing.addresses import links
from bot.publishing.errors import PublishError
from bot.publishing.record import record_pdf
from bot.spine.db import transaction
from models import Publication, Submission, utcnow


def _actor(session, key: str | None, office_id: int) -> int | None:
    if key is None:
        return None
    try:
        person = person_by_key(session, key, office_id)
    except OrgError as exc:
        raise click.ClickException(str(exc)) from None
    if not procedure.can_publish(session, person, office_id):
        raise click.ClickException(f"{key} is not ICT or admin, so cannot publish or retract")
    return person.id


def write_record(rt, publication_id: int, output: str | None) -> None:
    """Write the ITA publication record (request to publish, approvals, publisher) as a PDF."""
    with rt.factory() as session:
        pub = session.get(Publication, publication_id)
        if pub is None:
            raise click.ClickException(f"no publication {publication_id}")
        data = record_pdf(session, pub, rt.config)
        retracted = pub.retracted_at is not None
    path = Path(output or f"record-{publication_id}.pdf")
    path.write_bytes(data)
    note = " (the item has since been retracted)" if retracted else ""
    click.echo(f"wrote {path} ({len(data)} bytes){note}")


def unpublish(rt, publication_id: int, reason: str, by_key: str | None) -> None:
    """Retract a publication: the portal answers 410 Gone with the reason; PR is told."""
    try:
        with transaction(rt.factory) as session:
            pub = session.get(Publication, publication_id)
            if pub is None:
                raise click.ClickException(f"no publication {publication_id}")
            actor_id = _actor(session, by_key, pub.office_id)
            procedure.retract(session, pub, actor_id=actor_id, reason=reason, event_id=None,
                              now=utcnow(), config=rt.config)
    except PublishError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"publication {publication_id} retracted; the portal now answers 410 with the reason")


def publish_now(rt, submission_id: int, by_key: str) -> None:
    """Publish an approved submission now (ict mode, when nobody can tap the card)."""
    try:
        with transaction(rt.factory) as session:
            submission = session.get(Submission, submission_id)
            if submission is None:
                raise click.ClickException(f"no submission {submission_id}")
            actor_id = _actor(session, by_key, submission.office_id)
            pub = procedure.publish(session, submission, publisher_id=actor_id, event_id=None,
                                    now=utcnow(), config=rt.config)
            url = links(rt.config).item(pub.id)
    except PublishError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"published as {url}")


def commands(runtime: Callable[[], object]) -> list[click.Command]:
    """The click commands, each handing its work the Runtime that ``runtime()`` returns."""

    @click.command("record")
    @with_appcontext
    @click.argument("publication_id", type=int)
    @click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
                  help="Where to write the PDF (default: record-N.pdf here).")
    def record_cli(publication_id: int, output: str | None):
        """Write the ITA publication record (request to publish, approvals, publisher) as a PDF."""
        write_record(runtime(), publication_id, output)

    @click.command("unpublish")
    @with_appcontext
    @click.argument("publication_id", type=int)
    @click.option("--reason", required=True, help="Why; shown on the portal in place of the item.")
    @click.option("--by", "by_key", help="Key of the ICT person or admin doing it (for the audit log).")
    def unpublish_cli(publication_id: int, reason: str, by_key: str | None):
        """Retract a publication: the portal answers 410 Gone with the reason; PR is told."""
        unpublish(runtime(), publication_id, reason, by_key)

    @click.command("publish")
    @with_appcontext
    @click.argument("submission_id", type=int)
    @click.option("--by", "by_key", required=True, help="Key of the ICT person or admin publishing it.")
    def publish_cli(submission_id: int, by_key: str):
        """Publish an approved submission now (ict mode, when nobody can tap the card)."""
        publish_now(runtime(), submission_id, by_key)

    return [record_cli, unpublish_cli, publish_cli]
