"""`flask --app webhook …` commands for administrators and operators."""

from __future__ import annotations

import re
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from bot.digest.cli import digest_command
from bot.ita.cli import ita_command
from bot.ita.lists import ListError, check_setting
from bot.office.channels import set_channel
from bot.office.org import (
    OrgError,
    create_group_code,
    create_invite,
    person_by_key,
    roles_of,
    set_acting,
)
from bot.office.orgfile import OrgFileError, apply, parse
from bot.office.richmenus import relink_changed, unlink
from bot.publishing import cli as publishing_cli
from bot.schedule.jobs import JOBS
from bot.schedule.scheduler import start_scheduler, stop_scheduler, tend_scheduler
from bot.spine import outbox
from bot.spine.audit import export_rows, export_text, history, verify
from bot.spine.config import MAX_SENDER_THREADS
from bot.spine.db import transaction
from bot.spine.sealed import SealError
from bot.spine.sender import describe
from bot.workflow import notify
from bot.workflow.machine import reassign_open_steps
from models import ActingAssignment, InboundEvent, Office, OutboxMessage, Person, Unit, utcnow

BOT_USER_ID = re.compile(r"U[0-9a-f]{32}")
CHANNEL_ID = re.compile(r"[0-9]{1,20}")
SCHEDULER_CHECK_SECONDS = 60.0  # how often a worker without the scheduler tries to take it over


def runtime():
    """The app's Runtime: the one place commands (here and in the domains) get it from."""
    return current_app.extensions["prakat"]


@click.group("outbox", cls=AppGroup, invoke_without_command=True)
@click.pass_context
@with_appcontext
def outbox_cli(ctx):
    """List pending and failed outbox rows."""
    if ctx.invoked_subcommand:
        return
    with runtime().factory() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.status.in_(("pending", "sending", "failed")))
            .order_by(OutboxMessage.id)
        ).all()
    if not rows:
        click.echo("outbox is empty: nothing pending or failed")
    for row in rows:
        click.echo(describe(row))


@outbox_cli.command("retry")
@click.argument("row_id", type=int)
def outbox_retry(row_id: int):
    """Requeue one failed row (it keeps its retry key, so LINE will not deliver twice)."""
    with transaction(runtime().factory) as session:
        row = session.get(OutboxMessage, row_id)
        if row is None:
            raise click.ClickException(f"no outbox row {row_id}")
        try:
            outbox.requeue(row, utcnow())
        except outbox.RequeueRefused as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"row {row_id} requeued")


@click.command("events")
@with_appcontext
def events_cli():
    """How many recorded events stand at each outcome; the waiting and failed ones, newest first."""
    with runtime().factory() as session:
        counts = session.execute(select(InboundEvent.outcome, func.count())
                                 .group_by(InboundEvent.outcome).order_by(InboundEvent.outcome)).all()
        troubled = session.scalars(
            select(InboundEvent).where(InboundEvent.outcome.in_(("pending", "error")))
            .order_by(InboundEvent.id.desc()).limit(20)).all()
    if not counts:
        click.echo("no events recorded yet")
    click.echo("  ".join(f"{outcome}={count}" for outcome, count in counts))
    for row in troubled:
        click.echo(f"#{row.id} {row.outcome:<7} {row.type:<10} attempts={row.attempts} "
                   f"received={row.received_at:%Y-%m-%d %H:%M:%S}Z {(row.last_error or '')[:120]}")


@click.command("worker")
@with_appcontext
@click.option("--no-scheduler", is_flag=True, help="Only handle events and send the outbox.")
@click.option("--senders", type=click.IntRange(1, MAX_SENDER_THREADS), default=None,
              help="Sender threads (default: SENDER_THREADS, 8).")
def worker_cli(no_scheduler: bool, senders: int | None):
    """Handle recorded events, send the outbox (and run the scheduler, if no other process holds
    it) until stopped."""
    rt = runtime()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if senders:
        rt.config = replace(rt.config, sender_threads=senders)  # before the LINE clients are made
    scheduler = None
    if not no_scheduler:
        scheduler = start_scheduler(rt, JOBS)
    rt.start_handlers()
    pool = rt.sender_pool(stop=stop).start()
    click.echo(f"worker started ({rt.config.sender_threads} senders)")
    try:
        while not stop.wait(SCHEDULER_CHECK_SECONDS):
            if not no_scheduler:  # take the jobs over if their holder has gone
                scheduler = tend_scheduler(rt, JOBS, scheduler)
    finally:
        pool.stop()
        if scheduler is not None:
            stop_scheduler(rt, scheduler)
        rt.stop()
    click.echo("worker stopped")




# --- the office ----------------------------------------------------------------------------

def _office(session, key: str | None = None):
    """The office KEY names; without a key, the only office (several: say which)."""
    if key is not None:
        office = session.scalars(select(Office).where(Office.key == key)).first()
        if office is None:
            raise click.ClickException(f"no office with key '{key}' (see `flask --app webhook org list`)")
        return office
    offices = session.scalars(select(Office).order_by(Office.id).limit(2)).all()
    if not offices:
        raise click.ClickException("no office yet: run `flask --app webhook org load FILE.yaml` first")
    if len(offices) > 1:
        raise click.ClickException("several offices: say which with --office KEY "
                                   "(see `flask --app webhook org list`)")
    return offices[0]


OFFICE_OPTION = click.option("--office", "office_key", default=None,
                             help="The office's key (needed when the deployment has several).")


@click.group("org", cls=AppGroup)
def org_cli():
    """Load, list or show the offices; store an office's LINE channel."""


@org_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def org_load(path: str):
    """Create or update the office from a YAML file (all or nothing)."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()

    try:
        spec = parse(text, Path(path).resolve().parent)
        check_setting(spec.ita)  # every OIT list it names must load
        rt = runtime()
        with transaction(rt.factory) as session:
            summary = apply(session, spec)
            session.flush()
            moved = reassign_open_steps(session, summary["office_id"], utcnow())
            notify.dispatch(session, moved, config=rt.config, event_id=None)
            relink_changed(session, summary["office_id"])
    except (OrgFileError, ListError) as exc:
        raise click.ClickException(f"{path}: {exc}; nothing was changed") from None
    with rt.factory() as session:
        key = session.get(Office, summary["office_id"]).key
    rt.channels.invalidate()
    click.echo(f"loaded {path} as office '{key}' ({'new' if summary['created'] else 'updated'}): "
               f"{summary['units']} units, {summary['people']} people, "
               f"{summary['deactivated']} deactivated, {len(moved)} open approval step(s) moved to a new director")


@org_cli.command("list")
def org_list():
    """Every office: key, name, whether it has its own LINE channel, people, portal hosts."""
    with runtime().factory() as session:
        offices = session.scalars(select(Office).order_by(Office.id)).all()
        people = dict(session.execute(select(Person.office_id, func.count()).where(
            Person.active.is_(True)).group_by(Person.office_id)).all())
        linked = dict(session.execute(select(Person.office_id, func.count()).where(
            Person.active.is_(True), Person.line_user_id.is_not(None)).group_by(Person.office_id)).all())
    if not offices:
        click.echo("no office yet: run `flask --app webhook org load FILE.yaml` first")
    for office in offices:
        channel = (f"channel {office.line_channel_id} ({office.line_bot_user_id})"
                   if office.line_bot_user_id else "no channel of its own (LINE_CHANNEL_* settings)")
        click.echo(f"{office.key:<16} {office.name} — {channel} — {people.get(office.id, 0)} people, "
                   f"{linked.get(office.id, 0)} linked — hosts: {', '.join(office.hosts or []) or '-'}")


@org_cli.command("channel")
@click.argument("key")
@click.option("--channel-id", required=True, help="The channel's id (LINE Developers console).")
@click.option("--bot-user-id", required=True,
              help="The bot's user id, U + 32 hex digits: the webhook body's `destination`.")
def org_channel(key: str, channel_id: str, bot_user_id: str):
    """Store office KEY's own LINE channel. The channel secret and the access token are read
    from standard input, one a line (never from arguments, never shown): for example
    `printf '%s\\n%s\\n' "$SECRET" "$TOKEN" | flask --app webhook org channel KEY …`."""
    if not BOT_USER_ID.fullmatch(bot_user_id):
        raise click.ClickException("--bot-user-id must be U followed by 32 hex digits")
    if not CHANNEL_ID.fullmatch(channel_id):
        raise click.ClickException("--channel-id must be the channel's digits")
    stream = sys.stdin
    secret, token = stream.readline().strip(), stream.readline().strip()
    if not secret or not token:
        raise click.ClickException("give the channel secret and the access token on standard "
                                   "input, one a line; nothing was changed")
    rt = runtime()
    try:
        with transaction(rt.factory) as session:
            office = _office(session, key)
            other = session.scalars(select(Office).where(
                Office.line_bot_user_id == bot_user_id, Office.id != office.id)).first()
            if other is not None:
                raise click.ClickException(f"bot {bot_user_id} is already office '{other.key}''s channel")
            set_channel(session, office, channel_id=channel_id, secret=secret, token=token,
                        bot_user_id=bot_user_id, sealing_key=rt.config.prakat_secret_key)
    except SealError as exc:
        raise click.ClickException(f"{exc}; nothing was changed") from None
    rt.channels.invalidate()
    click.echo(f"office '{key}' now has its own LINE channel {channel_id}; set its webhook URL to "
               f"{rt.config.public_base_url}/callback/{key}")


@org_cli.command("show")
@OFFICE_OPTION
def org_show(office_key: str | None):
    """Print the office, who holds which role and who is linked."""
    with runtime().factory() as session:
        office = _office(session, office_key)
        click.echo(f"{office.name} ({office.short_name}) — publish mode: {office.publish_mode}")
        click.echo(f"office director: {office.director.name if office.director else '-'}")
        for unit in session.scalars(select(Unit).where(Unit.office_id == office.id).order_by(Unit.id)):
            state = "" if unit.active else " [inactive]"
            click.echo(f"  unit {unit.key}: {unit.name} — director {unit.director.name if unit.director else '-'}{state}")
        for person in session.scalars(select(Person).where(Person.office_id == office.id).order_by(Person.id)):
            roles = ",".join(sorted(roles_of(session, person))) or "-"
            linked = "linked" if person.line_user_id else "not linked"
            state = "" if person.active else " [inactive]"
            click.echo(f"  {person.key:<14} {person.name} — {roles} — {linked}{state}")


@click.command("invite")
@with_appcontext
@click.argument("key")
@OFFICE_OPTION
def invite_cli(key: str, office_key: str | None):
    """Print a one-time code (valid 7 days) that links KEY's LINE account."""
    try:
        with transaction(runtime().factory) as session:
            office_id = _office(session, office_key).id if office_key else None
            person = person_by_key(session, key, office_id)
            code = create_invite(session, person, utcnow())
    except OrgError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Code for {person.name}: send it to the bot in a 1:1 chat within 7 days.")
    click.echo(code)


@click.command("unlink")
@with_appcontext
@click.argument("key")
def unlink_cli(key: str):
    """Remove KEY's LINE link (a person transferred away)."""
    try:
        with transaction(runtime().factory) as session:
            person = person_by_key(session, key)
            previous = unlink(session, person)
    except OrgError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{key} unlinked" if previous else f"{key} was not linked")


@click.command("group-code")
@with_appcontext
@click.argument("purpose", type=click.Choice(["pr", "management"]))
@OFFICE_OPTION
def group_code_cli(purpose: str, office_key: str | None):
    """Print a one-time code; typed in a group chat with the office's bot, it registers that
    group for PURPOSE."""
    with transaction(runtime().factory) as session:
        code = create_group_code(session, _office(session, office_key), purpose, utcnow())
    click.echo("Type this code in the group chat within 2 days:")
    click.echo(code)


@click.group("acting", cls=AppGroup)
def acting_cli():
    """Acting directors (รักษาราชการแทน)."""


@acting_cli.command("set")
@click.option("--for", "absent_key", required=True, help="Key of the absent director.")
@click.option("--by", "acting_key", required=True, help="Key of the person acting.")
@click.option("--from", "starts", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "ends", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--order", "order_text", default="", help="The order that appoints them.")
def acting_set(absent_key, acting_key, starts, ends, order_text):
    try:
        with transaction(runtime().factory) as session:
            absent = person_by_key(session, absent_key)
            acting = person_by_key(session, acting_key)
            set_acting(session, absent, acting, starts.date(), ends.date(), order_text)
    except OrgError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{acting.name} acts for {absent.name} from {starts:%Y-%m-%d} to {ends:%Y-%m-%d}")


@acting_cli.command("list")
def acting_list():
    with runtime().factory() as session:
        for a in session.scalars(select(ActingAssignment).order_by(ActingAssignment.starts_on)):
            click.echo(f"#{a.id} {a.acting.key} for {a.absent.key}: {a.starts_on} – {a.ends_on} {a.order_text}")


def register_org_cli(app: Flask) -> None:
    for command in (org_cli, invite_cli, unlink_cli, group_code_cli, acting_cli):
        app.cli.add_command(command)


def register_cli(app: Flask) -> None:
    app.cli.add_command(outbox_cli)
    app.cli.add_command(worker_cli)
    app.cli.add_command(events_cli)
    register_org_cli(app)
    for command in publishing_cli.commands(runtime):
        app.cli.add_command(command)
    app.cli.add_command(audit_cli)
    app.cli.add_command(digest_command(runtime))
    app.cli.add_command(ita_command(runtime))


# --- audit -----------------------------------------------------------------------------------

@click.group("audit", cls=AppGroup)
def audit_cli():
    """Check or export the audit log."""


@audit_cli.command("verify")
@OFFICE_OPTION
def audit_verify(office_key: str | None):
    """Walk the hash chains (every office's, or one's); name the first row that was changed or
    removed."""
    with runtime().factory() as session:
        result = verify(session, _office(session, office_key).id) if office_key else verify(session)
    whose = f"office '{office_key}''s audit chain" if office_key else "every office's audit chain"
    if not result.ok:
        raise click.ClickException(f"{whose} is broken at row {result.broken_id}: "
                                   f"{result.reason} ({result.checked} rows before it are intact)")
    click.echo(f"{whose} is intact: {result.checked} rows")


@audit_cli.command("export")
@click.option("--item", "item", type=int, required=True, help="Submission number.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@click.option("--out", type=click.Path(dir_okay=False), default=None)
def audit_export(item: int, fmt: str, out: str | None):
    """Write one item's history (who, acting for whom, what, when, which LINE event)."""
    with runtime().factory() as session:
        entries = history(session, item)
        if not entries:
            raise click.ClickException(f"no audit entries for item {item}")
        rows = export_rows(session, entries)
    text = export_text(rows, fmt)
    if out:
        with open(out, "w", encoding="utf-8-sig" if fmt == "csv" else "utf-8") as fh:
            fh.write(text)
        click.echo(f"wrote {len(rows)} entries to {out}")
    else:
        click.echo(text)
