"""วิธีใช้: what this person can do, by role; also the answer to anything nobody else claims."""

from __future__ import annotations

from bot.office.org import is_director, roles_of
from bot.spine import messages
from bot.spine.context import EventContext
from handlers.common import HELP_WORDS, in_user_chat, postback_of, text_of
from handlers.router import Handler


def help_text(roles: set[str]) -> str:
    lines = [
        "สิ่งที่ทำได้ในแชตนี้:",
        "• ส่งเอกสาร: ส่งไฟล์ PDF/Word/Excel/PowerPoint มาได้เลย",
        "• ส่งภาพกิจกรรม: ส่งรูปภาพ (ได้หลายรูปพร้อมกัน)",
        "• ส่งประกาศ: พิมพ์ \"ส่งประกาศ\" เพื่อประกาศข้อความ",
        "• รายการของฉัน: ดูสถานะเรื่องที่ส่ง (กดเมนู หรือพิมพ์ \"รายการของฉัน\")",
    ]
    if is_director(roles):
        lines.append("• รออนุมัติ: ดูเรื่องที่รอท่านพิจารณา (กดเมนู หรือพิมพ์ \"รออนุมัติ\")")
    lines.append("พิมพ์ \"วิธีใช้\" เพื่อดูข้อความนี้อีกครั้งค่ะ")
    return "\n".join(lines)


def _is_help(ctx: EventContext) -> bool:
    text = text_of(ctx)
    if text is not None and text.lower() in HELP_WORDS:
        return True
    postback = postback_of(ctx)
    return postback is not None and postback[0] == "menu" and postback[1].get("m") == "help"


def _handle(ctx: EventContext) -> None:
    ctx.reply(messages.text(help_text(roles_of(ctx.session, ctx.person))))


def _fallback_check(ctx: EventContext) -> bool:
    return in_user_chat(ctx) and ctx.person is not None and getattr(ctx.event, "reply_token", None) is not None


def _fallback(ctx: EventContext) -> None:
    ctx.row.outcome = "unexpected"
    ctx.reply(messages.text("ขออภัยค่ะ ไม่เข้าใจข้อความนี้\n" + help_text(roles_of(ctx.session, ctx.person))))


HANDLER = Handler("help", lambda ctx: in_user_chat(ctx) and ctx.person is not None and _is_help(ctx), _handle)
FALLBACK = Handler("fallback", _fallback_check, _fallback)


def _invalid(ctx: EventContext) -> None:
    """Postback data this server never wrote (tampered or from an old version): refuse and record."""
    from bot.spine import audit

    ctx.row.outcome = "refused"
    audit.record(ctx.session, "refused", office_id=ctx.office_id, actor_id=ctx.person.id,
                 actor_line_user_id=ctx.user_id, event_id=ctx.event_id,
                 data={"reason": "bad_payload", "data": ctx.event.postback.data[:300]})
    ctx.reply(messages.text("ไม่พบรายการนี้ หรือปุ่มนี้ใช้ไม่ได้แล้วค่ะ"))


INVALID = Handler("invalid", lambda ctx: in_user_chat(ctx) and ctx.person is not None
                  and (postback_of(ctx) or ("",))[0] == "invalid", _invalid)
