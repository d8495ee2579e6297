"""Small predicates and Thai texts shared by the conversation handlers."""

from __future__ import annotations

from datetime import timedelta

from linebot.v3.webhooks import MessageEvent, PostbackEvent, TextMessageContent

from bot.spine import messages
from bot.spine.context import EventContext
from bot.spine.postback import PayloadError, decode

NOT_LINKED = (
    "สวัสดีค่ะ บัญชี LINE นี้ยังไม่ได้เชื่อมกับรายชื่อบุคลากรของสำนักงาน\n"
    "กรุณาขอรหัสเชื่อมบัญชีจากผู้ดูแลระบบ (กลุ่ม ICT) แล้วพิมพ์รหัสนั้นส่งมาในแชตนี้ค่ะ"
)
NO_ROLE = "ขออภัยค่ะ คำสั่งนี้สำหรับผู้มีหน้าที่เกี่ยวข้องเท่านั้น หากคิดว่าเป็นความผิดพลาด กรุณาติดต่อผู้ดูแลระบบค่ะ"


def in_user_chat(ctx: EventContext) -> bool:
    return ctx.row.source_type == "user" and ctx.user_id is not None


def in_group(ctx: EventContext) -> bool:
    return ctx.row.source_type in ("group", "room")


def text_of(ctx: EventContext) -> str | None:
    event = ctx.event
    if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
        return event.message.text.strip()
    return None


def postback_of(ctx: EventContext) -> tuple[str, dict[str, str]] | None:
    """(action, params) of a postback, or ("invalid", {}) for data this server did not write."""
    if not isinstance(ctx.event, PostbackEvent):
        return None
    try:
        return decode(ctx.event.postback.data)
    except PayloadError:
        return "invalid", {}


# A prompt for a typed reason or answer is only good this long: a text days later is chatter,
# and must never become a formal decision.
PROMPT_WAIT = timedelta(minutes=15)
PROMPT_EXPIRED = "คำขอให้พิมพ์ข้อความหมดเวลาแล้วค่ะ กรุณากดปุ่มบนการ์ดอีกครั้ง"
HELP_WORDS = {"วิธีใช้", "help", "ช่วยเหลือ", "เมนู", "?"}


def awaiting_text(ctx: EventContext, state: str) -> bool:
    """A text that answers our pending prompt `state` (help words never do)."""
    text = text_of(ctx)
    return (text is not None and text.lower() not in HELP_WORDS
            and ctx.conversation().state == state)


def prompt_expired(ctx: EventContext, wait: timedelta = PROMPT_WAIT) -> bool:
    """True (and the state reset, the user told) when the pending prompt is too old."""
    if ctx.now - ctx.conversation().updated_at <= wait:
        return False
    ctx.set_state("idle")
    ctx.reply(messages.text(PROMPT_EXPIRED))
    return True
