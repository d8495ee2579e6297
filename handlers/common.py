"""Small predicates and Thai texts shared by the conversation handlers."""

from __future__ import annotations

from linebot.v3.webhooks import MessageEvent, PostbackEvent, TextMessageContent

from bot.spine import audit, messages
from bot.spine.context import EventContext
from bot.thai.text import printable

NOT_LINKED = (
    "สวัสดีค่ะ บัญชี LINE นี้ยังไม่ได้เชื่อมกับรายชื่อบุคลากรของสำนักงาน\n"
    "กรุณาขอรหัสเชื่อมบัญชีจากผู้ดูแลระบบ (กลุ่ม ICT) แล้วพิมพ์รหัสนั้นส่งมาในแชตนี้ค่ะ"
)
# A refusal says what the person can do instead: their own items are always theirs to see.
NO_ROLE = ("ขออภัยค่ะ คำสั่งนี้สำหรับผู้มีหน้าที่เกี่ยวข้องเท่านั้น เรื่องที่ท่านส่งเอง ดูได้ที่ \"รายการของฉัน\"\n"
           "หากคิดว่าเป็นความผิดพลาด กรุณาติดต่อผู้ดูแลระบบค่ะ")


def in_user_chat(ctx: EventContext) -> bool:
    return ctx.row.source_type == "user" and ctx.user_id is not None


def in_group(ctx: EventContext) -> bool:
    return ctx.row.source_type in ("group", "room")


def text_of(ctx: EventContext) -> str | None:
    """What the person typed, as every handler takes it (titles, descriptions, activity names,
    reasons, feedback): control characters dropped here, so none is ever stored."""
    event = ctx.event
    if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
        return printable(event.message.text, lines=True).strip()
    return None


# Words that always mean "show me how to use this", whatever the step (handlers/prompt.py).
HELP_WORDS = {"วิธีใช้", "help", "ช่วยเหลือ", "เมนู", "?"}


THANKS = ("ขอบคุณ", "ขอบใจ", "thank", "thx")
THANKS_MAX = 40  # longer than this it is a message, not a thanks
THANKS_BACK = "ยินดีค่ะ 😊"


def is_thanks(text: str | None) -> bool:
    return bool(text) and len(text) <= THANKS_MAX and text.lower().startswith(THANKS)


def user_in_chat(ctx: EventContext) -> bool:
    """A linked person talking to the bot one to one: what most handlers serve."""
    return in_user_chat(ctx) and ctx.person is not None


def refuse_tap(ctx: EventContext, text: str, reason: str, *, submission_id: int | None = None,
               outcome: str = "refused", buttons: list[dict] | None = None) -> None:
    """Answer a refused tap and put it on the record: who tapped, what data, and why not.

    `submission_id` only for an item already loaded: ids in the data are the tapper's claim."""
    ctx.row.outcome = outcome
    tapped = ctx.event.postback.data if isinstance(ctx.event, PostbackEvent) else None
    audit.record(ctx.session, "refused", office_id=ctx.office_id, submission_id=submission_id,
                 actor_id=ctx.person.id if ctx.person else None, actor_line_user_id=ctx.user_id,
                 event_id=ctx.event_id, data={"reason": reason, "data": (tapped or "")[:300]})
    ctx.reply(messages.text(text, buttons))
