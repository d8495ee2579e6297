"""ICT's taps on publication cards: publish (ict mode), retract with a reason, get the record.

Every tap re-checks the tapper's role and the item's state on the server; a stranger's tap or
a second tap gets a clear Thai answer, an audit entry, and changes nothing.
"""

from __future__ import annotations

from bot.publishing import cards as cards
from bot.publishing import procedure
from bot.publishing.addresses import links, record_url
from bot.publishing.errors import PublishError
from bot.publishing.item import AUTO_PUBLISHER, describe
from bot.publishing.requests import record_refusal
from bot.spine import messages
from bot.spine.context import EventContext
from bot.spine.postback import PayloadError, Postback, int_param
from bot.thai.dates import thai_datetime
from bot.thai.text import clip
from handlers.common import NO_ROLE, user_in_chat
from handlers.prompt import PROMPT_WAIT, Prompt
from handlers.router import Handler
from models import Publication, Submission

ACTIONS = ("publish", "retract", "publish_record")
AUDITED_AS = {"publish": "publish", "retract": "retract", "publish_record": "record"}  # "<x>_refused"
REASON_STATE = "publish_retract_reason"
REASON_WAIT = PROMPT_WAIT

NOT_FOUND = "ไม่พบเรื่องนี้ในระบบค่ะ ปุ่มนี้อาจมาจากการ์ดเก่า"
BAD_BUTTON = "ปุ่มนี้ใช้ไม่ได้แล้วค่ะ กรุณาใช้การ์ดล่าสุด"
ASK_REASON = ("กรุณาพิมพ์เหตุผลที่ถอนการเผยแพร่เรื่อง “{title}” ในข้อความถัดไปค่ะ\n"
              "เหตุผลจะแสดงบนหน้าเว็บแทนเนื้อหาเดิม (พิมพ์ \"ยกเลิก\" หากไม่ต้องการถอน)")
CANCELLED = "ยกเลิกการถอนแล้วค่ะ เรื่องนี้ยังเผยแพร่อยู่ตามเดิม"
TIMED_OUT = ("คำขอถอนการเผยแพร่หมดเวลาแล้วค่ะ ข้อความนี้จึงยังไม่ได้ใช้เป็นเหตุผล "
             "หากยังต้องการถอน กรุณากดปุ่ม \"ถอนการเผยแพร่\" บนการ์ดอีกครั้ง")
TEXT_PLEASE = "กรุณาพิมพ์เหตุผลเป็นข้อความค่ะ (หรือพิมพ์ \"ยกเลิก\")"


def _check(ctx: EventContext) -> Postback | None:
    tap = ctx.postback
    return tap if user_in_chat(ctx) and tap is not None and tap.action in ACTIONS else None


def _refuse(ctx: EventContext, action: str, text: str, *, submission_id: int | None,
            reason: str) -> None:
    ctx.row.outcome = "refused"
    record_refusal(ctx.session, ctx.person, action, submission_id=submission_id, reason=reason,
                   line_user_id=ctx.user_id, event_id=ctx.event_id)
    ctx.reply(messages.text(text))


def _handle(ctx: EventContext, tap: Postback) -> None:
    try:
        ident = int_param(tap.params, "p")
    except PayloadError:
        _refuse(ctx, AUDITED_AS[tap.action], BAD_BUTTON, submission_id=None, reason="bad_payload")
        return
    {"publish": _publish, "retract": _ask_reason, "publish_record": _record}[tap.action](ctx, ident)


def _publish(ctx: EventContext, submission_id: int) -> None:
    session = ctx.session
    submission = session.get(Submission, submission_id)
    if submission is None or submission.office_id != ctx.person.office_id:
        _refuse(ctx, "publish", NOT_FOUND, submission_id=None, reason="not_found")
        return
    if not procedure.can_publish(session, ctx.person, submission.office_id):
        _refuse(ctx, "publish", NO_ROLE, submission_id=submission.id, reason="role")
        return
    try:
        procedure.publish(session, submission, publisher_id=ctx.person.id, event_id=ctx.event_id,
                           now=ctx.now, reply=ctx.reply, config=ctx.config)
    except PublishError as exc:
        pub = procedure.publication_of(session, submission.id)
        text = _already_published(ctx, pub) if exc.code == "already_published" and pub else str(exc)
        _refuse(ctx, "publish", text, submission_id=submission.id, reason=exc.code)


def _already_published(ctx: EventContext, pub: Publication) -> str:
    who = pub.published_by.name if pub.published_by else AUTO_PUBLISHER
    return (f"เรื่องนี้เผยแพร่แล้วค่ะ โดย{who} "
            f"เมื่อ {thai_datetime(pub.published_at)}\n{links(ctx.session, ctx.config, pub.office_id).item(pub.id)}")


def _publication(ctx: EventContext, publication_id: int, action: str) -> Publication | None:
    pub = ctx.session.get(Publication, publication_id)
    if pub is None or pub.office_id != ctx.person.office_id:
        _refuse(ctx, action, NOT_FOUND, submission_id=None, reason="not_found")
        return None
    return pub


def _retractable_by_them(ctx: EventContext, publication_id: int) -> Publication | None:
    """The publication when this person may retract it now; otherwise refused and None."""
    pub = _publication(ctx, publication_id, "retract")
    if pub is not None and not procedure.can_publish(ctx.session, ctx.person, pub.office_id):
        _refuse(ctx, "retract", NO_ROLE, submission_id=pub.submission_id, reason="role")
        return None
    return pub


def _ask_reason(ctx: EventContext, publication_id: int) -> None:
    pub = _retractable_by_them(ctx, publication_id)
    if pub is None:
        return
    if pub.retracted_at is not None:
        _refuse(ctx, "retract", f"เรื่องนี้ถูกถอนการเผยแพร่ไปแล้วค่ะ\nเหตุผล: {pub.retract_reason}",
                submission_id=pub.submission_id, reason="already_retracted")
        return
    RETRACT_REASON.ask(ctx, publication_id=pub.id)


def _question(ctx: EventContext, data: dict) -> dict:
    pub = ctx.session.get(Publication, int(data.get("publication_id", 0)))
    title = clip(pub.submission.version(pub.version).title, 80) if pub else ""
    return messages.text(ASK_REASON.format(title=title),
                         [messages.quick(messages.message_action("ยกเลิก", "ยกเลิก"))])


def _reason_text(ctx: EventContext, data: dict, text: str) -> None:
    publication_id = int(data.get("publication_id", 0))
    # The tap was checked, but roles change (an org reload) while the prompt waits: check again.
    pub = _retractable_by_them(ctx, publication_id)
    if pub is None:
        return
    try:
        procedure.retract(ctx.session, pub, actor_id=ctx.person.id, reason=text,
                           event_id=ctx.event_id, now=ctx.now, reply=ctx.reply, config=ctx.config)
    except PublishError as exc:
        if exc.code in ("no_reason", "long_reason"):
            ctx.reply(messages.text(str(exc)))
            RETRACT_REASON.ask(ctx, publication_id=pub.id)  # let them type it again
            return
        _refuse(ctx, "retract", str(exc), submission_id=pub.submission_id, reason=exc.code)


def _record(ctx: EventContext, publication_id: int) -> None:
    pub = _publication(ctx, publication_id, "record")
    if pub is None:
        return
    if not procedure.can_read_record(ctx.session, ctx.person, pub.office_id):
        _refuse(ctx, "record", NO_ROLE, submission_id=pub.submission_id, reason="role")
        return
    view = describe(ctx.session, pub.submission, pub)
    ctx.reply(cards.record_link_message(view, record_url(ctx.config, pub.id, links(ctx.session, ctx.config, pub.office_id))))


RETRACT_REASON = Prompt(state=REASON_STATE, on_answer=_reason_text, cancelled=CANCELLED,
                        question=_question, expired=TIMED_OUT, not_text=TEXT_PLEASE)

HANDLER = Handler("publish", _check, _handle)
REASON_HANDLER = RETRACT_REASON.handler("publish_reason")
STEPS = [RETRACT_REASON.step()]
