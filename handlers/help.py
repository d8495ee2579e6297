"""วิธีใช้: what this person can do, by role; also the answer to anything nobody else claims."""

from __future__ import annotations

from bot.office.org import is_director, roles_of
from bot.spine import messages
from bot.spine.context import EventContext
from bot.spine.postback import INVALID as INVALID_ACTION
from bot.spine.postback import Postback
from handlers.common import refuse_tap, user_in_chat
from handlers.router import Handler

NOT_UNDERSTOOD = "ขออภัยค่ะ ยังไม่เข้าใจข้อความนี้ แชตนี้ตอบอัตโนมัติ เลือกสิ่งที่ต้องการได้เลยค่ะ"
BAD_BUTTON = "ไม่พบเรื่องนี้ หรือปุ่มนี้ใช้ไม่ได้แล้วค่ะ"
# What the fallback offers, as words the commands understand (handlers/prompt.py).
CHOICES = ("วิธีใช้", "ส่งเอกสาร", "ส่งภาพกิจกรรม", "รายการของฉัน")
DIRECTOR_CHOICES = ("รออนุมัติ",)


def help_text(roles: set[str]) -> str:
    lines = [
        "สิ่งที่ทำได้ในแชตนี้:",
        "• ส่งเอกสาร: ส่งไฟล์ PDF/Word/Excel/PowerPoint มาได้เลย",
        "• ส่งภาพกิจกรรม: ส่งภาพมาได้เลย (ได้หลายภาพพร้อมกัน)",
        "• ส่งประกาศ: พิมพ์ \"ส่งประกาศ\" เพื่อประกาศข้อความ",
        "• รายการของฉัน: ดูสถานะเรื่องที่ส่ง (กดเมนู หรือพิมพ์ \"รายการของฉัน\")",
    ]
    if is_director(roles):
        lines.append("• รออนุมัติ: ดูเรื่องที่รอท่านพิจารณา (กดเมนู หรือพิมพ์ \"รออนุมัติ\")")
    lines.append("• ยกเลิก: พิมพ์ \"ยกเลิก\" ได้ทุกขั้นตอน")
    lines.append("พิมพ์ \"วิธีใช้\" เพื่อดูข้อความนี้อีกครั้งค่ะ")
    return "\n".join(lines)


def _fallback_check(ctx: EventContext) -> bool | None:
    """Whatever nobody claimed, from someone we can answer (an event with a reply token)."""
    return (user_in_chat(ctx) and getattr(ctx.event, "reply_token", None) is not None) or None


def _fallback(ctx: EventContext, _found: bool) -> None:
    """One short line and the choices as buttons, not the whole help text."""
    ctx.row.outcome = "unexpected"
    choices = CHOICES + (DIRECTOR_CHOICES if is_director(roles_of(ctx.session, ctx.person)) else ())
    ctx.reply(messages.text(NOT_UNDERSTOOD, [messages.quick(messages.message_action(c, c)) for c in choices]))


FALLBACK = Handler("fallback", _fallback_check, _fallback)


def _invalid_check(ctx: EventContext) -> Postback | None:
    tap = ctx.postback
    return tap if user_in_chat(ctx) and tap is not None and tap.action == INVALID_ACTION else None


def _invalid(ctx: EventContext, _tap: Postback) -> None:
    """Postback data this server never wrote (tampered or from an old version): refuse and record."""
    refuse_tap(ctx, BAD_BUTTON, "bad_payload")


INVALID = Handler("invalid", _invalid_check, _invalid)
