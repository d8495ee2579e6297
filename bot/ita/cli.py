"""`flask --app webhook ita …`: tag an item with an OIT indicator (or untag it), print the year's
readiness and its private link, write the indicator → URL table.

Tagging is a command, not a button on the approval card: it is rare (only indicators no category
feeds, or an item that serves two), done by the ICT staff who keep the ITA evidence, and keeping it
here leaves the approval cards — what every director taps daily — as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from bot.ita import evidence, export
from bot.ita.links import public_url, readiness_url
from bot.office.org import OrgError, person_by_key
from bot.publishing import procedure
from bot.publishing.addresses import links
from bot.spine import audit
from bot.spine.db import transaction
from bot.thai.dates import fiscal_year_of, thai_date
from models import Office, Publication, utcnow


def _office(session, office_id: int | None) -> Office:
    query = select(Office).order_by(Office.id)
    office = session.scalars(query.where(Office.id == office_id) if office_id else query).first()
    if office is None:
        raise click.ClickException("no office yet: run `flask --app webhook org load FILE.yaml` first")
    return office


def _tagger(session, key: str, office_id: int) -> int:
    try:
        person = person_by_key(session, key, office_id)
    except OrgError as exc:
        raise click.ClickException(str(exc)) from None
    if not procedure.can_publish(session, person, office_id):
        raise click.ClickException(f"{key} is not ICT or admin, so cannot tag ITA evidence")
    return person.id


def ita_command(get_runtime: Callable[[], object]) -> click.Group:
    @click.group("ita", cls=AppGroup)
    def ita_cli():
        """ITA/OIT evidence: tags, readiness, export."""

    @ita_cli.command("tag")
    @click.argument("publication_id", type=int)
    @click.argument("code")
    @click.option("--by", "by_key", required=True, help="Person key of the ICT staff tagging it.")
    @click.option("--remove", is_flag=True, help="Take the tag off instead.")
    @with_appcontext
    def tag_cli(publication_id: int, code: str, by_key: str, remove: bool):
        """Count publication N for indicator CODE (O1…) of its fiscal year's list."""
        code = code.strip().upper()
        with transaction(get_runtime().factory) as session:
            pub = session.get(Publication, publication_id)
            if pub is None:
                raise click.ClickException(f"no publication {publication_id}")
            actor = _tagger(session, by_key, pub.office_id)
            if remove:
                changed = evidence.untag(session, pub.id, code)
            else:
                try:
                    changed = evidence.tag(session, pub, code, actor)
                except LookupError:
                    year = fiscal_year_of(pub.published_at)
                    raise click.ClickException(
                        f"{code} is not an indicator of the fiscal year {year} list") from None
            if changed:
                audit.record(session, "ita.untagged" if remove else "ita.tagged",
                             office_id=pub.office_id, submission_id=pub.submission_id,
                             actor_id=actor, data={"publication": pub.id, "indicator": code})
        verb = "untagged" if remove else "tagged"
        click.echo(f"publication {publication_id} {verb} {code}" if changed
                   else f"publication {publication_id} was already {verb} {code}: nothing changed")

    @ita_cli.command("status")
    @click.option("--year", "fiscal_year", type=int, help="Fiscal year (B.E.); default: this one.")
    @click.option("--office", "office_id", type=int, help="Office id (only needed with several).")
    @with_appcontext
    def status_cli(fiscal_year: int | None, office_id: int | None):
        """Print each indicator's readiness, and the private readiness link."""
        rt = get_runtime()
        now = utcnow()
        year = fiscal_year or fiscal_year_of(now)
        with rt.factory() as session:
            office = _office(session, office_id)
            r = evidence.readiness(session, office, year, now, limit=1)
            if r is None:
                raise click.ClickException(f"no indicator list for fiscal year {year}")
            click.echo(f"{r.year.list.title}"
                       + (f" (the {r.year.list.fiscal_year} list)" if r.year.borrowed else ""))
            for i in r.indicators:
                latest = thai_date(i.latest, short=True) if i.latest else "-"
                click.echo(f"  {i.indicator.code:<4} {i.status_label:<16} {i.count:>5}  {latest:<14} "
                           f"{i.indicator.name} [{', '.join(i.suppliers) or '-'}]")
            base = links(session, rt.config, office.id).base
            click.echo(f"public page: {public_url(base, year)}")
            click.echo(f"readiness (private, 30 days): {readiness_url(rt.config, office.id, year, base)}")

    @ita_cli.command("export")
    @click.option("--year", "fiscal_year", type=int, help="Fiscal year (B.E.); default: this one.")
    @click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx",
                  show_default=True)
    @click.option("--out", type=click.Path(dir_okay=False), help="File to write.")
    @click.option("--office", "office_id", type=int, help="Office id (only needed with several).")
    @with_appcontext
    def export_cli(fiscal_year: int | None, fmt: str, out: str | None, office_id: int | None):
        """Write the indicator → URL table for the ITA system."""
        rt = get_runtime()
        now = utcnow()
        year = fiscal_year or fiscal_year_of(now)
        with rt.factory() as session:
            r = evidence.readiness(session, _office(session, office_id), year, now, limit=None)
            if r is None:
                raise click.ClickException(f"no indicator list for fiscal year {year}")
            item_url = links(session, rt.config, r.office.id).item
        data = export.csv_bytes(r, item_url) if fmt == "csv" else export.xlsx_bytes(r, item_url)
        path = Path(out or f"ita-oit-{year}.{fmt}")
        path.write_bytes(data)
        click.echo(f"wrote {path} ({len(data)} bytes, {len(r.indicators)} indicators)")

    return ita_cli
