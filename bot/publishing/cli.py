"""`flask --app webhook record N`, `unpublish N --reason …`, `publish N` for ICT and auditors, and
`website password` / `website show` for the office's own website.

Each command's work is a function of the running app's Runtime; `commands(runtime)` wraps them
as click commands, given how the composition root (bot.app.cli) reaches the Runtime.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from bot.office import website as websites
from bot.office.org import OrgError, person_by_key
from bot.publishing import procedure
from bot.publishing.addresses import links
from bot.publishing.errors import PublishError
from bot.publishing.record import record_pdf
from bot.spine.db import transaction
from bot.spine.sealed import SealError, seal
from models import Office, Publication, Submission, utcnow


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
            url = links(session, rt.config, pub.office_id).item(pub.id)
    except PublishError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"published as {url}")


def _office(session) -> Office:
    """The deployment's office (one per deployment until several share one)."""
    offices = list(session.scalars(select(Office).order_by(Office.id)))
    if len(offices) != 1:
        raise click.ClickException("load the org file first (flask --app webhook org load FILE)"
                                   if not offices else "more than one office: not supported yet")
    return offices[0]


def store_website_password(rt, password: str) -> None:
    """Seal the website's application password and keep it on the office; never echo it."""
    password = " ".join(password.split())  # WordPress shows it in groups of four
    if not password:
        raise click.ClickException("no password on standard input")
    if not rt.config.prakat_secret_key:
        raise click.ClickException("set PRAKAT_SECRET_KEY first: the password is stored encrypted "
                                   "with it, and is not stored without it")
    with transaction(rt.factory) as session:
        office = _office(session)
        site = websites.of(office.website)
        if site is None:
            raise click.ClickException("the office has no website: add a `website:` section to the "
                                       "org file and load it")
        try:
            office.website_password = seal(rt.config.prakat_secret_key, password)
        except SealError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"stored the application password for {site.user} at {site.url} (encrypted)")


def show_website(rt) -> None:
    with rt.factory() as session:
        office = _office(session)
        site = websites.of(office.website)
        stored = bool(office.website_password)
    if site is None:
        click.echo("no website: publications go to the portal only")
        return
    click.echo(f"{site.kind} {site.url} user={site.user} on_retract={site.on_retract} "
               f"create_missing_categories={'yes' if site.create_missing_categories else 'no'}")
    for code, slug in site.categories.items():
        click.echo(f"  category {code} → {slug}")
    click.echo("application password: " + ("stored (encrypted)" if stored else
                                            "NOT stored: flask --app webhook website password"))


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

    @click.group("website", cls=AppGroup)
    def website_cli():
        """The office's own website (the org file's `website:` section)."""

    @website_cli.command("password")
    def website_password_cli():
        """Store the site's application password, read from standard input, encrypted."""
        store_website_password(runtime(), sys.stdin.read())

    @website_cli.command("show")
    def website_show_cli():
        """The website settings, and whether a password is stored (never the password)."""
        show_website(runtime())

    return [record_cli, unpublish_cli, publish_cli, website_cli]
