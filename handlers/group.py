"""Group chats: join → how to register; a registration code → PR or management group; leave."""

from __future__ import annotations

from linebot.v3.webhooks import JoinEvent, LeaveEvent

from bot.office.org import GROUP_PURPOSES, group_joined, group_left, normalise_code, register_group
from bot.spine import messages
from bot.spine.context import EventContext
from handlers.common import in_group, text_of
from handlers.router import Handler
from models import GroupChat

JOIN_TEXT = (
    "สวัสดีค่ะ ขอบคุณที่เชิญเข้ากลุ่ม\nหากต้องการใช้กลุ่มนี้รับแจ้งการเผยแพร่ (งานประชาสัมพันธ์) "
    "หรือรับรายงานรายไตรมาส (ผู้บริหาร) ให้ผู้ดูแลระบบสร้างรหัสลงทะเบียนกลุ่ม แล้วพิมพ์รหัสนั้นในกลุ่มนี้ค่ะ"
)


def _handle(ctx: EventContext) -> None:
    group_id = ctx.row.group_id
    if isinstance(ctx.event, JoinEvent):
        group_joined(ctx.session, group_id, ctx.now)
        ctx.reply(messages.text(JOIN_TEXT))
        return
    if isinstance(ctx.event, LeaveEvent):
        group_left(ctx.session, group_id, ctx.now)
        return
    text = text_of(ctx)
    code = normalise_code(text) if text else None
    current = ctx.session.query(GroupChat).filter_by(group_id=group_id).first()
    if code is None or (current is not None and current.purpose):
        ctx.row.outcome = "ignored"  # silent: no reply, no quota spent
        return
    group = register_group(ctx.session, group_id, code, ctx.now)
    if group is None:
        ctx.row.outcome = "ignored"
        return
    ctx.reply(messages.text(f"ลงทะเบียนกลุ่มนี้เป็น {GROUP_PURPOSES[group.purpose]} เรียบร้อยแล้วค่ะ"))


HANDLER = Handler("group", in_group, _handle)
