"""Linking a LINE account to a person with a one-time code, and what strangers are told."""

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
from bot.spine import messages
from bot.spine.context import EventContext
from bot.workflow import cards
from handlers.common import NOT_LINKED, in_user_chat, refuse_tap, text_of
from handlers.help import help_text
from handlers.router import Handler

REFUSALS = {
    "wrong": "รหัสไม่ถูกต้องค่ะ กรุณาตรวจสอบแล้วพิมพ์ใหม่อีกครั้ง (เหลือ {left} ครั้งในชั่วโมงนี้)",
    "expired": "รหัสนี้หมดอายุแล้วค่ะ กรุณาขอรหัสใหม่จากผู้ดูแลระบบ",
    "used": "รหัสนี้ถูกใช้ไปแล้วค่ะ กรุณาขอรหัสใหม่จากผู้ดูแลระบบ",
    "inactive": "รายชื่อที่ผูกกับรหัสนี้ไม่ได้ใช้งานแล้วค่ะ กรุณาติดต่อผู้ดูแลระบบ",
    "rate_limited": f"พิมพ์รหัสผิดครบ {ATTEMPTS_PER_HOUR} ครั้งแล้วค่ะ กรุณารอ 1 ชั่วโมงแล้วลองใหม่",
}


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


def _handle(ctx: EventContext, found: Linking) -> None:
    if found.follow:
        ctx.reply(messages.text(welcome(ctx) if ctx.person else NOT_LINKED))
        return
    code = found.code
    if code is None and ctx.postback is not None:  # a card's button in a stranger's hands
        refuse_tap(ctx, NOT_LINKED, "not_linked")
        return
    if code is None:
        ctx.row.outcome = "refused"
        ctx.reply(messages.text(NOT_LINKED))
        return
    result = redeem_invite(ctx.session, ctx.user_id, code, ctx.now)
    if result.reason == "already_linked":
        ctx.reply(messages.text(
            f"บัญชี LINE นี้เชื่อมกับ{cards.called(ctx.session, result.person)} อยู่แล้วค่ะ หนึ่งบัญชีใช้ได้กับหนึ่งคนเท่านั้น "
            "หากต้องการเปลี่ยน กรุณาติดต่อผู้ดูแลระบบ"))
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
