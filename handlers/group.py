"""Group chats: join → how to register; a registration code → PR or management group; leave."""

from __future__ import annotations

from linebot.v3.webhooks import JoinEvent, LeaveEvent

from bot.office.groups import register_by_text
from bot.office.org import GROUP_PURPOSES, group_joined, group_left
from bot.spine import messages
from bot.spine.context import EventContext
from handlers.common import in_group, refuse_tap, text_of
from handlers.router import Handler

# A card's buttons are for the person it was sent to; a copy forwarded into a group is refused.
GROUP_TAP = "ปุ่มนี้ใช้ได้เฉพาะในแชตส่วนตัวกับบอทค่ะ กรุณาเปิดการ์ดจากแชตส่วนตัวของท่าน"

JOIN_TEXT = (
    "สวัสดีค่ะ ขอบคุณที่เชิญเข้ากลุ่ม\nหากต้องการใช้กลุ่มนี้รับแจ้งการเผยแพร่ (งานประชาสัมพันธ์) "
    "หรือรับรายงานรายไตรมาส (ผู้บริหาร) ให้ผู้ดูแลระบบสร้างรหัสลงทะเบียนกลุ่ม แล้วพิมพ์รหัสนั้นในกลุ่มนี้ค่ะ"
)


def _check(ctx: EventContext) -> str | None:
    """Every group event is ours (most are silently ignored): the group's id."""
    return ctx.row.group_id if in_group(ctx) else None


def _handle(ctx: EventContext, group_id: str) -> None:
    if isinstance(ctx.event, JoinEvent):
        group_joined(ctx.session, group_id, ctx.now, ctx.office_id)
        ctx.reply(messages.text(JOIN_TEXT))
        return
    if isinstance(ctx.event, LeaveEvent):
        group_left(ctx.session, group_id, ctx.now, ctx.office_id)
        return
    if ctx.postback is not None:
        refuse_tap(ctx, GROUP_TAP, "group_chat")
        return
    group = register_by_text(ctx.session, group_id, text_of(ctx), ctx.now, ctx.office_id)
    if group is None:
        ctx.row.outcome = "ignored"  # silent: no reply, no quota spent
        return
    ctx.reply(messages.text(f"ลงทะเบียนกลุ่มนี้เป็น {GROUP_PURPOSES[group.purpose]} เรียบร้อยแล้วค่ะ"))
HANDLER = Handler("group", _check, _handle)
