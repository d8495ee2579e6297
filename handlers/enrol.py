"""Linking a LINE account to a person with a one-time code, and what strangers are told.

A stranger (a citizen, more often than not) is greeted once a day with who this account belongs
to, what it is for, and how to reach the office: the office's own data, never this code's.
Their other messages that day get no answer: the greeting said there is nobody reading.
"""

from __future__ import annotations

from dataclasses import dataclass

from linebot.v3.webhooks import FollowEvent, MessageEvent, PostbackEvent

from bot.office import richmenus
from bot.office.org import (
    ATTEMPTS_PER_HOUR,
    ROLE_NAMES,
    attempts_left,
    normalise_code,
    redeem_invite,
    roles_of,
)
from bot.publishing.addresses import links
from bot.spine import messages
from bot.spine.context import EventContext
from bot.thai.dates import to_bangkok
from bot.workflow import cards
from handlers.common import NOT_LINKED, in_user_chat, refuse_tap, text_of
from handlers.help import help_text
from handlers.router import Handler
from models import Office

REFUSALS = {
    "wrong": "รหัสไม่ถูกต้องค่ะ กรุณาตรวจสอบแล้วพิมพ์ใหม่อีกครั้ง (เหลือ {left} ครั้งในชั่วโมงนี้)",
    "expired": "รหัสนี้หมดอายุแล้วค่ะ กรุณาขอรหัสใหม่จากผู้ดูแลระบบ",
    "used": "รหัสนี้ถูกใช้ไปแล้วค่ะ กรุณาขอรหัสใหม่จากผู้ดูแลระบบ",
    "inactive": "รายชื่อที่ผูกกับรหัสนี้ไม่ได้ใช้งานแล้วค่ะ กรุณาติดต่อผู้ดูแลระบบ",
    "rate_limited": f"พิมพ์รหัสผิดครบ {ATTEMPTS_PER_HOUR} ครั้งแล้วค่ะ กรุณารอ 1 ชั่วโมงแล้วลองใหม่",
}
ANOTHER_PERSON = ("บัญชี LINE นี้เชื่อมกับ{name} อยู่แล้วค่ะ หนึ่งบัญชีใช้ได้กับหนึ่งคนเท่านั้น "
                  "หากต้องการเปลี่ยน กรุณาติดต่อผู้ดูแลระบบ")
ALREADY_YOURS = ("บัญชี LINE นี้เชื่อมกับ{name} เรียบร้อยแล้วค่ะ ไม่ต้องพิมพ์รหัสอีก\n"
                 "พิมพ์ \"วิธีใช้\" เพื่อดูสิ่งที่ทำได้ค่ะ")
# What a stranger reads: the office's name, what the account is for, how to reach a person.
GREETING = ("สวัสดีค่ะ ที่นี่คือบัญชี LINE ของ{office}\n"
            "บัญชีนี้ให้บุคลากรของสำนักงานส่งข้อมูลขออนุญาตเผยแพร่ และตอบกลับอัตโนมัติ "
            "ไม่มีเจ้าหน้าที่อ่านข้อความในแชตนี้ค่ะ")
GREETING_NO_OFFICE = "สำนักงาน"
GREETING_NEWS = "ข่าวและประกาศของสำนักงาน: {url}"
GREETING_PHONE = "ติดต่อสำนักงาน: โทร {phone}"
GREETING_WEBSITE = "เว็บไซต์สำนักงาน: {url}"
GREETING_STAFF = "บุคลากรของสำนักงานที่ยังไม่ได้เชื่อมบัญชี: ขอรหัสเชื่อมบัญชีจากผู้ดูแลระบบ (กลุ่ม ICT) แล้วพิมพ์รหัสในแชตนี้ค่ะ"
GREETED_ON = "greeted_on"  # the Bangkok date of a stranger's last greeting, in their chat state


@dataclass(frozen=True)
class Linking:
    """What the check saw: a follow, or a message with (maybe) a linking code in it."""

    follow: bool = False
    code: str | None = None  # normalised; None when the text cannot be a code


def _check(ctx: EventContext) -> Linking | None:
    """Follows, anything a stranger sends (it is all about linking), and a linked user's code."""
    if not in_user_chat(ctx) or not isinstance(ctx.event, (MessageEvent, PostbackEvent, FollowEvent)):
        return None
    if isinstance(ctx.event, FollowEvent):
        return Linking(follow=True)
    text = text_of(ctx)
    code = normalise_code(text) if text else None
    if ctx.person is None:
        return Linking(code=code)
    return Linking(code=code) if code and ctx.chat_state().state == "idle" else None


# Roles beyond what the position already says (a director's position names the unit they direct).
EXTRA_ROLES = ("ict", "pr", "admin")


def welcome(ctx: EventContext) -> str:
    """คุณ + given name (ท่านผู้อำนวยการ… for a director), who they are once, the unit once."""
    person = ctx.person
    roles = roles_of(ctx.session, person)
    position = person.position or ROLE_NAMES["staff"]
    unit = person.unit.name if person.unit else ""
    where = position if not unit or unit in position else f"{position} {unit}"
    extra = " และ".join(ROLE_NAMES[r] for r in EXTRA_ROLES if r in roles)
    lines = [f"สวัสดีค่ะ {cards.called(ctx.session, person)}",
             f"เชื่อมบัญชีเรียบร้อยแล้วค่ะ: {person.name} · {where}"]
    if extra:
        lines.append(f"ได้รับหน้าที่{extra}ด้วยค่ะ")
    return "\n".join(lines) + f"\n\n{help_text(roles)}"


def greeting(ctx: EventContext) -> str:
    """The public greeting, from the data of the office whose bot was written to."""
    office = ctx.session.get(Office, ctx.office_id) if ctx.office_id is not None else None
    lines = [GREETING.format(office=office.name if office else GREETING_NO_OFFICE)]
    if office is not None and office.phone:
        lines.append(GREETING_PHONE.format(phone=office.phone))
    if office is not None and office.website_url:
        lines.append(GREETING_WEBSITE.format(url=office.website_url))
    lines.append(GREETING_NEWS.format(url=links(ctx.config).home()))
    lines.append(GREETING_STAFF)
    return "\n".join(lines)


def _greet_once_a_day(ctx: EventContext) -> None:
    today = to_bangkok(ctx.now).date().isoformat()
    if ctx.chat_state().data.get(GREETED_ON) == today:
        ctx.row.outcome = "ignored"  # greeted already today: no reply, no quota spent
        return
    ctx.set_state("idle", **{GREETED_ON: today})
    ctx.row.outcome = "refused"
    ctx.reply(messages.text(greeting(ctx)))


def _handle(ctx: EventContext, found: Linking) -> None:
    if found.follow:
        if ctx.person:
            ctx.reply(messages.text(welcome(ctx)))
        else:
            ctx.set_state("idle", **{GREETED_ON: to_bangkok(ctx.now).date().isoformat()})
            ctx.reply(messages.text(greeting(ctx)))
        return
    code = found.code
    if code is None and ctx.postback is not None:  # a card's button in a stranger's hands
        refuse_tap(ctx, NOT_LINKED, "not_linked")
        return
    if code is None:
        _greet_once_a_day(ctx)
        return
    result = redeem_invite(ctx.session, ctx.user_id, code, ctx.now, ctx.office_id)
    if result.reason in ("already_linked", "already_yours"):
        template = ALREADY_YOURS if result.reason == "already_yours" else ANOTHER_PERSON
        ctx.reply(messages.text(template.format(name=cards.called(ctx.session, result.person))))
        return
    if not result.ok:
        left = attempts_left(ctx.session, ctx.user_id, ctx.now)
        ctx.reply(messages.text(REFUSALS[result.reason].format(left=left)))
        return
    ctx.person = result.person
    ctx.session.flush()
    ctx.reply(messages.text(welcome(ctx)))
    richmenus.queue_link(ctx.session, ctx.person, roles_of(ctx.session, ctx.person),
                         event_id=ctx.event_id)


HANDLER = Handler("enrol", _check, _handle)
