"""`flask --app webhook record N`, `unpublish N --reason …` and `publish N` for ICT and auditors."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from bot.office.org import OrgError, person_by_key
from bot.publishing import procedure
from bot.publishing.procedure import PublishError
from bot.spine.db import transaction
from models import Publication, Submission, utcnow


def _runtime():
    return current_app.extensions["prakat"]


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


@click.command("record")
@with_appcontext
@click.argument("publication_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Where to write the PDF (default: record-N.pdf here).")
def record_cli(publication_id: int, output: str | None):
    """Write the ITA publication record (request to publish, approvals, publisher) as a PDF."""
    rt = _runtime()
    with rt.factory() as session:
        pub = session.get(Publication, publication_id)
        if pub is None:
            raise click.ClickException(f"no publication {publication_id}")
        data = procedure.record_pdf(session, pub, rt.config)
        retracted = pub.retracted_at is not None
    path = Path(output or f"record-{publication_id}.pdf")
    path.write_bytes(data)
    note = " (the item has since been retracted)" if retracted else ""
    click.echo(f"wrote {path} ({len(data)} bytes){note}")


@click.command("unpublish")
@with_appcontext
@click.argument("publication_id", type=int)
@click.option("--reason", required=True, help="Why; shown on the portal in place of the item.")
@click.option("--by", "by_key", help="Key of the ICT person or admin doing it (for the audit log).")
def unpublish_cli(publication_id: int, reason: str, by_key: str | None):
    """Retract a publication: the portal answers 410 Gone with the reason; PR is told."""
    rt = _runtime()
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


@click.command("publish")
@with_appcontext
@click.argument("submission_id", type=int)
@click.option("--by", "by_key", required=True, help="Key of the ICT person or admin publishing it.")
def publish_cli(submission_id: int, by_key: str):
    """Publish an approved submission now (ict mode, when nobody can tap the card)."""
    rt = _runtime()
    try:
        with transaction(rt.factory) as session:
            submission = session.get(Submission, submission_id)
            if submission is None:
                raise click.ClickException(f"no submission {submission_id}")
            actor_id = _actor(session, by_key, submission.office_id)
            pub = procedure.publish(session, submission, publisher_id=actor_id, event_id=None,
                                     now=utcnow(), config=rt.config)
            url = procedure.links(rt.config).item(pub.id)
    except PublishError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"published as {url}")


def register(app: Flask) -> None:
    for command in (record_cli, unpublish_cli, publish_cli):
        app.cli.add_command(command)
