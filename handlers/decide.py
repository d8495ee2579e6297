"""Directors decide from the approval card: approve, return for correction, reject (with reasons)."""

from __future__ import annotations

from bot.office.org import is_director, roles_of
from bot.spine import messages, postback
from bot.spine.context import EventContext
from bot.spine.postback import Postback
from bot.thai.glossary import label
from bot.workflow import cards, machine, notify
from bot.workflow.events import Refused, refusal
from handlers.common import NO_ROLE, refuse_tap, text_of, user_in_chat
from handlers.prompt import Prompt
from handlers.router import Handler
from models import ApprovalStep, Submission

COMMON_REASONS = {
    "return": ["ข้อมูลไม่ครบถ้วน", "ขอแก้ไขชื่อเรื่อง", "ไฟล์ไม่ชัดเจน", "เลือกหมวดไม่ถูกต้อง"],
    "reject": ["ไม่เหมาะสมที่จะเผยแพร่", "ซ้ำกับที่เผยแพร่แล้ว", "มีข้อมูลส่วนบุคคล"],
    "approve": ["เห็นชอบ", "ดำเนินการตามเสนอ"],
}
CANCEL = "ยกเลิก"


def _ask_reason(ctx: EventContext, step_id: int, version: int, action: str) -> None:
    REASON.ask(ctx, step_id=step_id, version=version, action=action)
    minutes = int(REASON.wait.total_seconds() // 60)
    limit = cards.numerals(ctx.session, ctx.office_id).n(minutes)
    prompt = ("กรุณาพิมพ์ความเห็น" if action == "approve"
              else "กรุณาระบุเหตุผล เลือกจากปุ่มด้านล่างหรือพิมพ์เอง")
    labels = COMMON_REASONS[action] + [CANCEL]
    ctx.reply(messages.text(f"{prompt} ภายใน {limit} นาทีค่ะ (พิมพ์ \"{CANCEL}\" เพื่อกลับไปที่การ์ด)",
                            [messages.quick(messages.message_action(label(t), t)) for t in labels]))


def _authorised(ctx: EventContext, step_id: int, version: int, action: str):
    """(step, submission, acting) when this person may act on the step now; else answer the refusal."""
    checked = machine.authorise(ctx.session, step_id=step_id, version=version, action=action,
                                 actor=ctx.person, actor_line_user_id=ctx.user_id, event_id=ctx.event_id,
                                 now=ctx.now)
    if isinstance(checked, Refused):
        ctx.row.outcome = "refused"
        ctx.reply(messages.text(notify.dispatch(ctx.session, [checked], config=ctx.config,
                                                    event_id=ctx.event_id)))
        return None
    return checked


def _decide(ctx: EventContext, step_id: int, version: int, action: str, comment: str | None) -> None:
    happened = machine.decide(ctx.session, step_id=step_id, version=version, action=action,
                              actor=ctx.person, actor_line_user_id=ctx.user_id, comment=comment,
                              event_id=ctx.event_id, now=ctx.now)
    answer = notify.dispatch(ctx.session, happened, config=ctx.config, event_id=ctx.event_id,
                             reply=ctx.reply)
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


def _on_reason(ctx: EventContext, data: dict, text: str) -> None:
    # The machine re-checks the step, the version and this person's right to decide it now.
    _decide(ctx, data["step_id"], data["version"], data["action"], text.strip()[:2000])


REASON = Prompt(state="decide_reason", on_answer=_on_reason,
                cancelled="ยกเลิกแล้วค่ะ การ์ดพิจารณายังใช้ได้ตามเดิม")


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
        ctx.reply(cards.approval_card(ctx.session, submission, step, acting, ctx.config))


def _on_pending_list(ctx: EventContext) -> None:
    if not is_director(roles_of(ctx.session, ctx.person)):
        refuse_tap(ctx, NO_ROLE, "not_director")
        return
    items = machine.pending_for(ctx.session, ctx.person, ctx.now)
    if not items:
        ctx.reply(messages.text("ไม่มีเรื่องรออนุมัติค่ะ 🎉"))
        return
    ctx.reply(cards.pending_list(ctx.session, items))


PENDING_TEXT = "รออนุมัติ"


def _check(ctx: EventContext) -> Postback | str | None:
    if not user_in_chat(ctx):
        return None
    tap = ctx.postback
    if tap is not None:
        mine = tap.action in ("decide", "card") or (tap.action == "menu" and tap.params.get("m") == "pending")
        return tap if mine else None
    # typed instead of tapped (a menu linked before a role change); at a reason prompt it is the reason
    return PENDING_TEXT if text_of(ctx) == PENDING_TEXT else None


def _handle(ctx: EventContext, found: Postback | str) -> None:
    if not isinstance(found, Postback):
        _on_pending_list(ctx)
    elif found.action == "decide":
        _on_decide_tap(ctx, found.params)
    elif found.action == "card":
        _on_open_card(ctx, found.params)
    else:
        _on_pending_list(ctx)


HANDLER = Handler("decide", _check, _handle)
REASON_HANDLER = REASON.handler("decide_reason")
