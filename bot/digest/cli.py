"""`flask --app webhook digest`: preview a quarter's digest, or send it by hand."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from bot.digest import render
from bot.digest.compute import compute_digest
from bot.digest.delivery import send_digest
from bot.digest.links import LINK_VALID, report_links
from bot.spine.db import transaction
from bot.thai.dates import FiscalQuarter, thai_datetime
from models import Office, utcnow


def digest_command(get_runtime: Callable[[], object]) -> click.Command:
    """The command; `get_runtime` gives the app's runtime when it runs (inside the app context)."""

    @click.command("digest")
    @click.option("--quarter", "code", help="Fiscal quarter such as 2570Q1 (default: the last ended).")
    @click.option("--send", is_flag=True,
                  help="Push it to the management group and the office director (once per quarter).")
    @click.option("--format", "fmt", type=click.Choice(["text", "html", "pdf", "xlsx"]),
                  default="text", show_default=True)
    @click.option("--out", type=click.Path(dir_okay=False), help="File to write (pdf, xlsx: required).")
    @click.option("--office", "office_id", type=int, help="Office id (only needed with several).")
    @with_appcontext
    def digest_cli(code: str | None, send: bool, fmt: str, out: str | None, office_id: int | None):
        """Preview (or with --send, send) a quarter's digest."""
        runtime = get_runtime()
        now = utcnow()
        try:
            quarter = FiscalQuarter.parse(code) if code else FiscalQuarter.of(now).previous()
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--quarter") from None
        if fmt in ("pdf", "xlsx") and not out:
            raise click.UsageError(f"--format {fmt} needs --out FILE")
        with runtime.factory() as session:
            ids = list(session.scalars(select(Office.id).order_by(Office.id)))
            if office_id is None and len(ids) == 1:
                office_id = ids[0]
            if office_id not in ids:
                raise click.ClickException("no such office" if ids else
                                           "no office yet: run `flask --app webhook org load` first")
            digest = compute_digest(session, office_id, quarter, now)
            links = report_links(runtime.config, office_id, quarter, now, session)
        body: str | bytes = {
            "text": lambda: render.text_summary(digest),
            "html": lambda: render.report_html(digest, links),
            "pdf": lambda: render.report_pdf(digest),
            "xlsx": lambda: render.report_xlsx(digest),
        }[fmt]()
        if out:
            Path(out).write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
            click.echo(f"wrote {out} ({fmt}, {quarter.code})")
        else:
            click.echo(body)
        if send:
            _send(runtime, office_id, quarter, now)
        click.echo(f"links (valid {LINK_VALID.days} days): {links.html}", err=True)

    return digest_cli


def _send(runtime, office_id: int, quarter: FiscalQuarter, now) -> None:
    with transaction(runtime.factory) as session:
        result = send_digest(session, runtime.config, office_id, quarter, now=now, sent_by="cli")
    if result.reason == "sent":
        click.echo(f"digest {quarter.code} queued for {result.recipients} chat(s)")
    elif result.reason == "not_ended":
        raise click.ClickException(f"{quarter.code} has not ended yet: nothing sent (the scheduler sends "
                                   "each quarter's digest once it has ended)")
    elif result.reason == "already_sent":
        click.echo(f"digest {quarter.code} was already sent at "
                   f"{thai_datetime(result.run.sent_at)} by {result.run.sent_by}: nothing sent")
    else:
        raise click.ClickException("nobody to send to: register the management group "
                                   "(flask group-code management) or link the office director")
