"""Directors decide from the approval card: approve, return for correction, reject (with reasons)."""

from __future__ import annotations

from linebot.v3.webhooks import PostbackEvent

from bot.office.org import is_director, roles_of
from bot.spine import messages, postback
from bot.spine.context import EventContext
from bot.workflow import cards, machine, notify
from bot.workflow.events import Refused, refusal
from handlers.common import (
    NO_ROLE,
    awaiting_text,
    in_user_chat,
    postback_of,
    prompt_expired,
    text_of,
)
from handlers.router import Handler
from models import ApprovalStep, Submission

COMMON_REASONS = {
    "return": ["ข้อมูลไม่ครบถ้วน", "ขอแก้ไขชื่อเรื่อง", "ไฟล์ไม่ชัดเจน", "เลือกหมวดไม่ถูกต้อง"],
    "reject": ["ไม่เหมาะสมที่จะเผยแพร่", "ซ้ำกับที่เผยแพร่แล้ว", "มีข้อมูลส่วนบุคคล"],
    "approve": ["เห็นชอบ", "ดำเนินการตามเสนอ"],
}
CANCEL = "ยกเลิก"


def _ask_reason(ctx: EventContext, step_id: int, version: int, action: str) -> None:
    ctx.set_state("decide_reason", step_id=step_id, version=version, action=action)
    prompt = "กรุณาพิมพ์ความเห็น" if action == "approve" else "กรุณาระบุเหตุผล (เลือกหรือพิมพ์เอง)"
    labels = COMMON_REASONS[action] + [CANCEL]
    ctx.reply(messages.text(prompt + "ค่ะ", [messages.quick(messages.message_action(t[:20], t)) for t in labels]))


def _authorised(ctx: EventContext, step_id: int, version: int, action: str):
    """(step, submission, acting) when this person may act on the step now; else answer the refusal."""
    checked = machine.authorise(ctx.session, step_id=step_id, version=version, action=action,
                                 actor=ctx.person, actor_line_user_id=ctx.user_id, event_id=ctx.event_id,
                                 now=ctx.now)
    if isinstance(checked, Refused):
        ctx.row.outcome = "refused"
        ctx.reply(messages.text(notify.dispatch(ctx.session, [checked], event_id=ctx.event_id)))
        return None
    return checked


def _decide(ctx: EventContext, step_id: int, version: int, action: str, comment: str | None) -> None:
    happened = machine.decide(ctx.session, step_id=step_id, version=version, action=action,
                              actor=ctx.person, actor_line_user_id=ctx.user_id, comment=comment,
                              event_id=ctx.event_id, now=ctx.now)
    answer = notify.dispatch(ctx.session, happened, event_id=ctx.event_id, reply=ctx.reply)
    if refusal(happened):
        ctx.row.outcome = "refused"
    ctx.reply(messages.text(answer))


def _on_decide_tap(ctx: EventContext, params: dict) -> None:
    try:
        step_id, version = postback.int_param(params, "s"), postback.int_param(params, "v")
    except postback.PayloadError:
        step_id, version = 0, 0
    action = params.get("a", "")
    wants_text = action in ("return", "reject") or params.get("c") == "1"
    if not wants_text:
        _decide(ctx, step_id, version, action, None)
        return
    if _authorised(ctx, step_id, version, action) is not None:
        _ask_reason(ctx, step_id, version, action)


def _on_reason(ctx: EventContext, text: str) -> None:
    if prompt_expired(ctx):
        return
    data = ctx.conversation().data
    ctx.set_state("idle")
    if text == CANCEL:
        ctx.reply(messages.text("ยกเลิกแล้วค่ะ การ์ดพิจารณายังใช้ได้ตามเดิม"))
        return
    _decide(ctx, data["step_id"], data["version"], data["action"], text.strip()[:2000])


def _on_open_card(ctx: EventContext, params: dict) -> None:
    """From the pending list: show the full approval card again (only to whom it belongs)."""
    try:
        step = ctx.session.get(ApprovalStep, postback.int_param(params, "s"))
    except postback.PayloadError:
        step = None
    submission = ctx.session.get(Submission, step.submission_id) if step else None
    checked = _authorised(ctx, step.id if step else 0, submission.current_version if submission else 0,
                          "approve")
    if checked is not None:
        step, submission, acting = checked
        ctx.reply(cards.approval_card(ctx.session, submission, step, acting))


def _on_pending_list(ctx: EventContext) -> None:
    if not is_director(roles_of(ctx.session, ctx.person)):
        ctx.row.outcome = "refused"
        ctx.reply(messages.text(NO_ROLE))
        return
    items = machine.pending_for(ctx.session, ctx.person, ctx.now)
    if not items:
        ctx.reply(messages.text("ไม่มีรายการรออนุมัติค่ะ 🎉"))
        return
    ctx.reply(cards.pending_list(ctx.session, items))


def _check(ctx: EventContext) -> bool:
    if not in_user_chat(ctx) or ctx.person is None:
        return False
    if isinstance(ctx.event, PostbackEvent):
        action, params = postback_of(ctx)
        return action in ("decide", "card") or (action == "menu" and params.get("m") == "pending")
    return text_of(ctx) == "รออนุมัติ" or awaiting_text(ctx, "decide_reason")


def _handle(ctx: EventContext) -> None:
    if isinstance(ctx.event, PostbackEvent):
        action, params = postback_of(ctx)
        if action == "decide":
            _on_decide_tap(ctx, params)
        elif action == "card":
            _on_open_card(ctx, params)
        else:
            _on_pending_list(ctx)
        return
    if text_of(ctx) == "รออนุมัติ" and ctx.conversation().state != "decide_reason":
        _on_pending_list(ctx)  # typed instead of tapped (a menu linked before a role change)
        return
    _on_reason(ctx, text_of(ctx))


HANDLER = Handler("decide", _check, _handle)
