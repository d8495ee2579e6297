"""ICT's taps on publication cards: publish (ict mode), retract with a reason, get the record.

Every tap re-checks the tapper's role and the item's state on the server; a stranger's tap or
a second tap gets a clear Thai answer, an audit entry, and changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from linebot.v3.webhooks import MessageEvent

from bot.publishing import cards as cards
from bot.publishing import procedure
from bot.publishing.addresses import links, record_url
from bot.publishing.errors import PublishError
from bot.publishing.item import AUTO_PUBLISHER, describe
from bot.spine import audit, messages
from bot.spine.context import EventContext
from bot.spine.postback import PayloadError, int_param
from bot.thai.dates import thai_datetime
from bot.thai.text import clip
from handlers.common import HELP_WORDS, NO_ROLE, in_user_chat, postback_of, text_of
from handlers.router import Handler
from models import Publication, Submission

ACTIONS = ("publish", "retract", "publish_record")
REASON_STATE = "publish_retract_reason"
REASON_WAIT = timedelta(minutes=15)
CANCEL_WORDS = {"ยกเลิก", "cancel"}

NOT_FOUND = "ไม่พบเรื่องนี้ในระบบค่ะ ปุ่มนี้อาจมาจากการ์ดเก่า"
BAD_BUTTON = "ปุ่มนี้ใช้ไม่ได้แล้วค่ะ กรุณาใช้การ์ดล่าสุด"
ASK_REASON = ("กรุณาพิมพ์เหตุผลที่ถอนการเผยแพร่เรื่อง “{title}” ในข้อความถัดไปค่ะ\n"
              "เหตุผลจะแสดงบนหน้าเว็บแทนเนื้อหาเดิม (พิมพ์ \"ยกเลิก\" หากไม่ต้องการถอน)")
CANCELLED = "ยกเลิกการถอนแล้วค่ะ เรื่องนี้ยังเผยแพร่อยู่ตามเดิม"
TIMED_OUT = ("คำขอถอนการเผยแพร่หมดเวลาแล้วค่ะ ข้อความนี้จึงยังไม่ได้ใช้เป็นเหตุผล "
             "หากยังต้องการถอน กรุณากดปุ่ม \"ถอนการเผยแพร่\" บนการ์ดอีกครั้ง")
TEXT_PLEASE = "กรุณาพิมพ์เหตุผลเป็นข้อความค่ะ (หรือพิมพ์ \"ยกเลิก\")"


def _check(ctx: EventContext) -> bool:
    if not in_user_chat(ctx) or ctx.person is None:
        return False
    postback = postback_of(ctx)
    if postback is not None:
        return postback[0] in ACTIONS
    text = text_of(ctx)
    return (isinstance(ctx.event, MessageEvent) and ctx.conversation().state == REASON_STATE
            and (text is None or text.lower() not in HELP_WORDS))


def _refuse(ctx: EventContext, action: str, text: str, *, submission_id: int | None,
            reason: str) -> None:
    ctx.row.outcome = "refused"
    audit.record(ctx.session, f"{action}_refused", office_id=ctx.office_id,
                 submission_id=submission_id, actor_id=ctx.person.id,
                 actor_line_user_id=ctx.user_id, event_id=ctx.event_id, data={"reason": reason})
    ctx.reply(messages.text(text))


def _handle(ctx: EventContext) -> None:
    postback = postback_of(ctx)
    if postback is None:
        _reason_text(ctx)
        return
    action, params = postback
    try:
        ident = int_param(params, "p")
    except PayloadError:
        ctx.row.outcome = "refused"
        ctx.reply(messages.text(BAD_BUTTON))
        return
    {"publish": _publish, "retract": _ask_reason, "publish_record": _record}[action](ctx, ident)


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
            f"เมื่อ {thai_datetime(pub.published_at)}\n{links(ctx.config).item(pub.id)}")


def _publication(ctx: EventContext, publication_id: int, action: str) -> Publication | None:
    pub = ctx.session.get(Publication, publication_id)
    if pub is None or pub.office_id != ctx.person.office_id:
        _refuse(ctx, action, NOT_FOUND, submission_id=None, reason="not_found")
        return None
    return pub


def _ask_reason(ctx: EventContext, publication_id: int) -> None:
    pub = _publication(ctx, publication_id, "retract")
    if pub is None:
        return
    if not procedure.can_publish(ctx.session, ctx.person, pub.office_id):
        _refuse(ctx, "retract", NO_ROLE, submission_id=pub.submission_id, reason="role")
        return
    if pub.retracted_at is not None:
        _refuse(ctx, "retract", f"เรื่องนี้ถูกถอนการเผยแพร่ไปแล้วค่ะ\nเหตุผล: {pub.retract_reason}",
                submission_id=pub.submission_id, reason="already_retracted")
        return
    title = clip(pub.submission.version(pub.version).title, 80)
    ctx.set_state(REASON_STATE, publication_id=pub.id)
    ctx.reply(messages.text(ASK_REASON.format(title=title),
                            [messages.quick(messages.message_action("ยกเลิก", "ยกเลิก"))]))


def _reason_text(ctx: EventContext) -> None:
    conv = ctx.conversation()
    publication_id = int(conv.data.get("publication_id", 0))
    if ctx.now - conv.updated_at > REASON_WAIT:
        ctx.set_state("idle")
        ctx.reply(messages.text(TIMED_OUT))
        return
    text = text_of(ctx)
    if text is None:
        ctx.reply(messages.text(TEXT_PLEASE))
        return
    if text.lower() in CANCEL_WORDS:
        ctx.set_state("idle")
        ctx.reply(messages.text(CANCELLED))
        return
    ctx.set_state("idle")
    pub = _publication(ctx, publication_id, "retract")
    if pub is None:
        return
    if not procedure.can_publish(ctx.session, ctx.person, pub.office_id):
        _refuse(ctx, "retract", NO_ROLE, submission_id=pub.submission_id, reason="role")
        return
    try:
        procedure.retract(ctx.session, pub, actor_id=ctx.person.id, reason=text,
                           event_id=ctx.event_id, now=ctx.now, reply=ctx.reply, config=ctx.config)
    except PublishError as exc:
        if exc.code in ("no_reason", "long_reason"):
            ctx.set_state(REASON_STATE, publication_id=pub.id)  # let them type it again
            ctx.reply(messages.text(str(exc)))
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
    ctx.reply(cards.record_link_message(view, record_url(ctx.config, pub.id)))


HANDLER = Handler("publish", _check, _handle)
