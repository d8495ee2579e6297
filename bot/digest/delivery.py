"""Getting the quarterly report (ข้อ ๔) to people: asking unit directors for problems and
suggestions before the quarter ends, pushing the digest once per office and quarter, serving the
full report behind signed expiring links, and the `flask digest` command.

Every step decides from the data, so running it late, twice or from two processes is harmless:
a unit is asked once (QuarterFeedback.asked_at), reminded once (reminded_at), and a quarter's
digest goes out once (the unique DigestRun row is written in the same transaction as the pushes).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import click
from flask import Blueprint, Response, abort, current_app, request
from flask.cli import with_appcontext
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.digest import render
from bot.digest.compute import compute_digest
from bot.digest.render import ReportLinks, flex_summary
from bot.office.org import acting_for, registered_group
from bot.spine import audit, messages, outbox
from bot.spine.config import Config
from bot.spine.db import transaction
from bot.spine.postback import encode
from bot.thai.dates import BANGKOK, FiscalQuarter, WorkingCalendar, thai_datetime
from models import ActingAssignment, DigestRun, Office, Person, QuarterFeedback, Unit, utcnow

log = logging.getLogger("prakat.digest")

REMIND_DAYS_BEFORE = 2
DIGEST_HOUR = 9  # on the first working day after the quarter, Bangkok time
LINK_VALID = timedelta(days=120)  # until well after the next quarter's digest
MAX_FEEDBACK_CHARS = 2000
FORMATS = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
}
ACCENT, MUTED, WARN = "#1f5fa8", "#52606d", "#c2413b"


# --- calendar ------------------------------------------------------------------------------

def working_calendar(config: Config) -> WorkingCalendar:
    """Weekdays minus the public holidays of HOLIDAYS_FILE (the approval reminders' calendar)."""
    from bot.workflow.reminders import calendar

    return calendar(config)


def digest_due(quarter: FiscalQuarter, calendar: WorkingCalendar) -> datetime:
    """09:00 Bangkok on the first working day after the quarter's last day."""
    day = calendar.next_working_day(quarter.last_day)
    return datetime.combine(day, time(DIGEST_HOUR), tzinfo=BANGKOK)


def digest_sent(session: Session, office_id: int, quarter: FiscalQuarter) -> DigestRun | None:
    return session.scalars(select(DigestRun).where(DigestRun.office_id == office_id,
                                                   DigestRun.quarter == quarter.code)).first()


# --- signed links --------------------------------------------------------------------------

def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="prakat-report")


def report_token(secret: str, office_id: int, quarter: FiscalQuarter, now: datetime) -> str:
    expires = int((now + LINK_VALID).timestamp())
    return _serializer(secret).dumps({"o": office_id, "q": quarter.code, "x": expires})


def token_problem(secret: str, token: str, office_id: int, quarter: FiscalQuarter,
                  now: datetime) -> str | None:
    """None when the token opens this office's report for this quarter, else why not."""
    try:
        claims = _serializer(secret).loads(token)
    except BadSignature:
        return "invalid"
    if not isinstance(claims, dict) or claims.get("o") != office_id or claims.get("q") != quarter.code:
        return "invalid"
    if not isinstance(claims.get("x"), int) or claims["x"] <= now.timestamp():
        return "expired"
    return None


def links_for(config: Config, office_id: int, quarter: FiscalQuarter, token: str) -> ReportLinks:
    base = f"{config.public_base_url}/reports/{office_id}/{quarter.code}"
    return ReportLinks(*(f"{base}.{ext}?t={token}" for ext in ("html", "pdf", "xlsx", "png")))


def report_links(config: Config, office_id: int, quarter: FiscalQuarter,
                 now: datetime) -> ReportLinks:
    return links_for(config, office_id, quarter,
                     report_token(config.secret_key, office_id, quarter, now))


# --- the digest ----------------------------------------------------------------------------

@dataclass
class SendResult:
    sent: bool
    reason: str  # sent | already_sent | no_recipients
    run: DigestRun | None = None
    recipients: int = 0


def _reachable(session: Session, person_id: int | None, on: date) -> list[Person]:
    """The person, and whoever acts for them on `on`, if linked to LINE."""
    person = session.get(Person, person_id) if person_id else None
    if person is None:
        return []
    acting = acting_for(session, person.id, on)
    people = [person] + ([acting.acting] if acting else [])
    return [p for p in people if p.active and p.line_user_id]


def digest_recipients(session: Session, office: Office, now: datetime) -> list[str]:
    """The management group chat, and the office director (and an acting director) 1:1."""
    targets = []
    group = registered_group(session, office.id, "management")
    if group is not None:
        targets.append(group.group_id)
    for person in _reachable(session, office.director_id, now.astimezone(BANGKOK).date()):
        if person.line_user_id not in targets:
            targets.append(person.line_user_id)
    return targets


def send_digest(session: Session, config: Config, office_id: int, quarter: FiscalQuarter, *,
                now: datetime, sent_by: str) -> SendResult:
    """Queue the digest for the office's management once; a second call changes nothing."""
    if (run := digest_sent(session, office_id, quarter)) is not None:
        return SendResult(False, "already_sent", run)
    office = session.get(Office, office_id)
    targets = digest_recipients(session, office, now)
    if not targets:
        return SendResult(False, "no_recipients")
    try:
        with session.begin_nested():  # another process may be inserting the same row
            run = DigestRun(office_id=office_id, quarter=quarter.code, sent_at=now, sent_by=sent_by)
            session.add(run)
    except IntegrityError:
        return SendResult(False, "already_sent", digest_sent(session, office_id, quarter))
    digest = compute_digest(session, office_id, quarter, now)
    message = flex_summary(digest, report_links(config, office_id, quarter, now))
    for target in targets:
        outbox.push(session, target, [message], office_id=office_id, purpose=f"digest:{quarter.code}")
    audit.record(session, "digest.sent", office_id=office_id,
                 data={"quarter": quarter.code, "recipients": len(targets), "by": sent_by,
                       "published": digest.total.published})
    return SendResult(True, "sent", run, len(targets))


def send_due_digests(runtime, now: datetime) -> list[tuple[int, SendResult]]:
    """Send the last quarter's digest for every office once its due time has come."""
    quarter = FiscalQuarter.of(now).previous()
    if now < digest_due(quarter, working_calendar(runtime.config)):
        return []
    with runtime.factory() as session:
        offices = session.execute(select(Office.id, Office.created_at)).all()
    results = []
    for office_id, created_at in offices:
        if created_at >= quarter.end:
            continue  # the office did not exist in that quarter
        with transaction(runtime.factory) as session:
            result = send_digest(session, runtime.config, office_id, quarter, now=now,
                                 sent_by="scheduler")
        if result.reason == "no_recipients":
            log.warning("digest %s for office %s: no management group or linked director yet",
                        quarter.code, office_id)
        results.append((office_id, result))
    return results


# --- problems and suggestions --------------------------------------------------------------

class FeedbackRefused(Exception):
    """reason: not_director | ambiguous | unknown_unit | not_started | closed"""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _button(label: str, data: str, display: str, primary: bool) -> dict:
    return {"type": "button", "style": "primary" if primary else "secondary", "height": "sm",
            "color": ACCENT if primary else "#e4e7eb",
            "action": messages.postback_action(label, data, display)}


def feedback_card(unit: Unit, quarter: FiscalQuarter, due: datetime, *,
                  reminder: bool = False) -> dict:
    """ปัญหาอุปสรรคและข้อเสนอแนะ ไตรมาสที่ … with ไม่มี / ตอบ."""
    label = quarter.label()
    contents = [
        {"type": "text", "text": "ปัญหาอุปสรรคและข้อเสนอแนะ", "weight": "bold", "size": "lg",
         "wrap": True, "color": ACCENT},
        {"type": "text", "text": label, "size": "sm", "wrap": True},
        {"type": "text", "text": unit.name, "size": "sm", "color": MUTED, "wrap": True},
        {"type": "separator", "margin": "md"},
        {"type": "text", "size": "sm", "wrap": True, "margin": "md",
         "text": "ในไตรมาสนี้ การเผยแพร่ข้อมูลผ่านเว็บไซต์ของกลุ่มมีปัญหาอุปสรรคหรือข้อเสนอแนะไหมคะ "
                 f"คำตอบจะรวมอยู่ในรายงานถึงผู้บริหาร ซึ่งส่งวันที่ {thai_datetime(due)}"},
    ]
    if reminder:
        contents.insert(0, {"type": "text", "text": "เตือนความจำ: ยังไม่ได้รับคำตอบค่ะ",
                            "size": "xs", "color": WARN, "wrap": True})
    bubble = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": contents},
        "footer": {"type": "box", "layout": "horizontal", "spacing": "sm", "contents": [
            _button("ไม่มี", encode("fb", q=quarter.code, u=unit.id, a="none"),
                    "ไม่มีปัญหาอุปสรรคและข้อเสนอแนะ", primary=False),
            _button("ตอบ", encode("fb", q=quarter.code, u=unit.id, a="answer"),
                    "ตอบปัญหาอุปสรรคและข้อเสนอแนะ", primary=True),
        ]},
    }
    prefix = "เตือน: " if reminder else ""
    return messages.flex(f"{prefix}ปัญหาอุปสรรคและข้อเสนอแนะ {label} ({unit.name})", bubble)


def feedback_row(session: Session, office_id: int, unit_id: int,
                 quarter: FiscalQuarter) -> QuarterFeedback:
    row = session.scalars(select(QuarterFeedback).where(
        QuarterFeedback.office_id == office_id, QuarterFeedback.unit_id == unit_id,
        QuarterFeedback.quarter == quarter.code)).first()
    if row is None:
        row = QuarterFeedback(office_id=office_id, unit_id=unit_id, quarter=quarter.code)
        session.add(row)
        session.flush()
    return row


def _asked_person(session: Session, unit: Unit, now: datetime) -> Person | None:
    """Who answers for the unit now: its director, or whoever acts for them."""
    on = now.astimezone(BANGKOK).date()
    acting = acting_for(session, unit.director_id, on) if unit.director_id else None
    person = acting.acting if acting else session.get(Person, unit.director_id)
    return person if person is not None and person.active and person.line_user_id else None


def request_feedback(session: Session, config: Config, office_id: int, now: datetime) -> int:
    """In the last days of the quarter, send each unit director the card once; how many sent."""
    quarter = FiscalQuarter.of(now)
    days = config.feedback_days_before
    if now < quarter.end - timedelta(days=days) or digest_sent(session, office_id, quarter):
        return 0
    due = digest_due(quarter, working_calendar(config))
    asked = 0
    for unit in session.scalars(select(Unit).where(
            Unit.office_id == office_id, Unit.active.is_(True), Unit.director_id.is_not(None))
            .order_by(Unit.id)):
        row = feedback_row(session, office_id, unit.id, quarter)
        if row.asked_at is not None or row.answered_at is not None:
            continue
        person = _asked_person(session, unit, now)
        if person is None:
            continue  # not linked to LINE yet: asked on a later run
        outbox.push(session, person.line_user_id, [feedback_card(unit, quarter, due)],
                    office_id=office_id, purpose=f"feedback:{quarter.code}")
        row.asked_at = now
        asked += 1
    return asked


def remind_feedback(session: Session, config: Config, office_id: int, now: datetime) -> int:
    """Two days before the quarter ends, remind once those asked earlier who have not answered."""
    quarter = FiscalQuarter.of(now)
    remind_from = quarter.end - timedelta(days=REMIND_DAYS_BEFORE)
    if now < remind_from or digest_sent(session, office_id, quarter):
        return 0
    due = digest_due(quarter, working_calendar(config))
    reminded = 0
    for row in session.scalars(select(QuarterFeedback).where(
            QuarterFeedback.office_id == office_id, QuarterFeedback.quarter == quarter.code,
            QuarterFeedback.asked_at < remind_from, QuarterFeedback.answered_at.is_(None),
            QuarterFeedback.reminded_at.is_(None)).order_by(QuarterFeedback.unit_id)):
        unit = session.get(Unit, row.unit_id)
        person = _asked_person(session, unit, now) if unit.active else None
        if person is None:
            continue
        outbox.push(session, person.line_user_id, [feedback_card(unit, quarter, due, reminder=True)],
                    office_id=office_id, purpose=f"feedback:{quarter.code}")
        row.reminded_at = now
        reminded += 1
    return reminded


def for_each_office(runtime, step, now: datetime) -> int:
    """Run `step(session, config, office_id, now)` for every office, one transaction each."""
    with runtime.factory() as session:
        office_ids = list(session.scalars(select(Office.id).order_by(Office.id)))
    total = 0
    for office_id in office_ids:
        with transaction(runtime.factory) as session:
            total += step(session, runtime.config, office_id, now)
    return total


def feedback_unit(session: Session, person: Person, unit_id: int | None,
                  on: date) -> tuple[Unit, ActingAssignment | None]:
    """The unit `person` may answer for: they direct it, or act for its director on `on`.
    Without a unit id, the one unit they answer for (refused if none or several)."""

    def standing(unit: Unit) -> tuple[bool, ActingAssignment | None]:
        if unit.director_id is None:
            return False, None
        if unit.director_id == person.id:
            return True, None
        acting = acting_for(session, unit.director_id, on)
        return (True, acting) if acting and acting.acting_id == person.id else (False, None)

    if unit_id is not None:
        unit = session.get(Unit, unit_id)
        if unit is None or unit.office_id != person.office_id or not unit.active:
            raise FeedbackRefused("unknown_unit")
        allowed, acting = standing(unit)
        if not allowed:
            raise FeedbackRefused("not_director")
        return unit, acting
    mine = [(u, *standing(u)) for u in session.scalars(select(Unit).where(
        Unit.office_id == person.office_id, Unit.active.is_(True)).order_by(Unit.id))]
    mine = [(u, acting) for u, allowed, acting in mine if allowed]
    if not mine:
        raise FeedbackRefused("not_director")
    if len(mine) > 1:
        raise FeedbackRefused("ambiguous")
    return mine[0]


def check_feedback_open(session: Session, office_id: int, quarter: FiscalQuarter,
                        now: datetime) -> None:
    """Answers are taken from the quarter's start until its digest has gone out."""
    if now < quarter.start:
        raise FeedbackRefused("not_started")
    if digest_sent(session, office_id, quarter):
        raise FeedbackRefused("closed")


def save_feedback(session: Session, *, unit: Unit, quarter: FiscalQuarter, person: Person,
                  acting: ActingAssignment | None, text: str | None, now: datetime,
                  event_id: str | None = None) -> QuarterFeedback:
    """Store the unit's answer (text None: ไม่มี), replacing an earlier one; audited."""
    row = feedback_row(session, unit.office_id, unit.id, quarter)
    row.none, row.text = text is None, text or ""
    row.answered_at, row.answered_by_id = now, person.id
    audit.record(session, "feedback.answered", office_id=unit.office_id, actor_id=person.id,
                 actor_line_user_id=person.line_user_id,
                 acting_for_id=acting.absent_id if acting else None,
                 acting_order=acting.order_text if acting else None, event_id=event_id,
                 data={"quarter": quarter.code, "unit_id": unit.id, "none": text is None,
                       "chars": len(text or "")})
    return row


def record_refusal(session: Session, person: Person, reason: str, *, quarter: str | None,
                   unit_id: int | None, event_id: str | None) -> None:
    audit.record(session, "feedback.refused", office_id=person.office_id, actor_id=person.id,
                 actor_line_user_id=person.line_user_id, event_id=event_id,
                 data={"quarter": quarter, "unit_id": unit_id, "reason": reason})


# --- the report behind signed links --------------------------------------------------------

reports = Blueprint("reports", __name__)

REFUSED_PAGE = {
    "invalid": "ลิงก์รายงานนี้ไม่ถูกต้อง กรุณาเปิดจากข้อความรายงานใน LINE อีกครั้งค่ะ",
    "expired": "ลิงก์รายงานนี้หมดอายุแล้ว ขอรายงานฉบับใหม่ได้จากผู้ดูแลระบบค่ะ",
}


@reports.get("/reports/<int:office_id>/<quarter>.<fmt>")
def report_file(office_id: int, quarter: str, fmt: str):
    runtime = current_app.extensions["prakat"]
    if fmt not in FORMATS:
        abort(404)
    try:
        fq = FiscalQuarter.parse(quarter)
    except ValueError:
        abort(404)
    token = request.args.get("t", "")
    problem = token_problem(runtime.config.secret_key, token, office_id, fq, utcnow())
    if problem:
        return Response(REFUSED_PAGE[problem], 403, mimetype="text/plain")
    with runtime.factory() as session:
        if session.get(Office, office_id) is None:
            abort(404)
        digest = compute_digest(session, office_id, fq)
    if fmt == "png":
        body = render.chart_png(digest)
    elif fmt == "html":
        body = render.report_html(digest, links_for(runtime.config, office_id, fq, token))
    elif fmt == "pdf":
        body = render.report_pdf(digest)
    else:
        body = render.report_xlsx(digest)
    headers = {"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex",
               "Referrer-Policy": "no-referrer"}
    if fmt in ("pdf", "xlsx"):
        disposition = "inline" if fmt == "pdf" else "attachment"
        headers["Content-Disposition"] = f'{disposition}; filename="prakat-{fq.code}.{fmt}"'
    return Response(body, 200, headers=headers, content_type=FORMATS[fmt])


# --- flask --app webhook digest ------------------------------------------------------------

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
    runtime = current_app.extensions["prakat"]
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
    links = report_links(runtime.config, office_id, quarter, now)
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
        with transaction(runtime.factory) as session:
            result = send_digest(session, runtime.config, office_id, quarter, now=now,
                                 sent_by="cli")
        if result.reason == "sent":
            click.echo(f"digest {quarter.code} queued for {result.recipients} chat(s)")
        elif result.reason == "already_sent":
            click.echo(f"digest {quarter.code} was already sent at "
                       f"{thai_datetime(result.run.sent_at)} by {result.run.sent_by}: nothing sent")
        else:
            raise click.ClickException("nobody to send to: register the management group "
                                       "(flask group-code management) or link the office director")
    click.echo(f"links (valid {LINK_VALID.days} days): {links.html}", err=True)
