"""Directors decide from the approval card: approve, return for correction, reject (with reasons).

A tap on an old card gets the truth about the item as it is now (bot/workflow/stale.py): which
version waits, and a button that re-sends that card; or who decided, when, and where it is now.
"""

from __future__ import annotations

from bot.office.org import is_director, roles_of
from bot.privacy.check import check_of, return_reason
from bot.spine import messages, postback
from bot.spine.context import EventContext
from bot.spine.postback import Postback
from bot.thai.glossary import label
from bot.thai.text import clip
from bot.workflow import cards, machine, notify
from bot.workflow.events import Refused, refusal
from bot.workflow.stale import STALE_REASONS, StaleTap, stale_tap
from handlers.common import refuse_tap, user_in_chat
from handlers.prompt import Prompt
from handlers.router import Handler
from models import ApprovalStep, Submission

COMMON_REASONS = {
    "return": ["ข้อมูลไม่ครบถ้วน", "ขอแก้ไขชื่อเรื่อง", "ไฟล์ไม่ชัดเจน", "เลือกหมวดไม่ถูกต้อง"],
    "reject": ["ไม่เหมาะสมที่จะเผยแพร่", "ซ้ำกับที่เผยแพร่แล้ว", "มีข้อมูลส่วนบุคคล"],
    "approve": ["เห็นชอบ", "ดำเนินการตามเสนอ"],
}
CANCEL = "ยกเลิก"
ASK_COMMENT = "กรุณาพิมพ์ความเห็น ภายใน {limit} นาทีค่ะ (พิมพ์ \"{cancel}\" เพื่อกลับไปที่การ์ด)"
ASK_REASON = ("กรุณาระบุเหตุผล เลือกจากปุ่มด้านล่างหรือพิมพ์เอง ภายใน {limit} นาทีค่ะ "
              "(พิมพ์ \"{cancel}\" เพื่อกลับไปที่การ์ด)")
REASON_CANCELLED = "ยกเลิกแล้วค่ะ การ์ดพิจารณายังใช้ได้ตามเดิม"
OPEN_LATEST = "เปิดการ์ดฉบับล่าสุด"
OPEN_CARD = "เปิดการ์ดพิจารณา"
# an old card: its version was superseded
SUPERSEDED_MINE = ("การ์ดนี้เป็นเรื่อง #{id} ฉบับที่ {old} ซึ่งผู้ส่งแก้ไขแล้วค่ะ\n"
                   "ฉบับที่ {new} รอท่านพิจารณาอยู่ กด “เปิดการ์ดฉบับล่าสุด” ได้เลยค่ะ")
SUPERSEDED = "การ์ดนี้เป็นเรื่อง #{id} ฉบับที่ {old} ซึ่งไม่ใช้แล้วค่ะ มีฉบับที่ {new} แล้ว\nตอนนี้: {now}"
# a card whose step was decided
DECIDED = "เรื่อง #{id} “{title}” {verb}แล้วโดย {who} เมื่อ {when} ค่ะ\nตอนนี้: {now}"
DECIDED_MINE = "\nขั้นต่อไปรอท่านพิจารณาอยู่ค่ะ"
NOT_NEEDED = "เรื่อง #{id} ไม่ต้องพิจารณาในขั้นนี้แล้วค่ะ\nตอนนี้: {now}"
STEP_VERBS = {"approved": "อนุมัติ", "returned": "ส่งกลับแก้ไข", "rejected": "ไม่อนุมัติ"}
NOTHING_PENDING = "ไม่มีเรื่องรออนุมัติค่ะ 🎉"
# รออนุมัติ from someone who decides nothing: what they can look at instead
NOT_A_DIRECTOR = ("\"รออนุมัติ\" เป็นเมนูสำหรับผู้อำนวยการที่พิจารณาเรื่องค่ะ\n"
                  "เรื่องที่ท่านส่งเอง ดูสถานะได้ที่ \"รายการของฉัน\"")
MY_ITEMS = "รายการของฉัน"


PERSONAL_DATA_LABEL = "ลบข้อมูลส่วนบุคคล"


def _question(ctx: EventContext, data: dict) -> dict:
    action = data.get("action", "")
    choices = [(label(t), t) for t in COMMON_REASONS.get(action, [])]
    step = ctx.session.get(ApprovalStep, data.get("step_id")) if action == "return" else None
    if step is not None:  # what the personal-data check found, ready to send back
        submission = ctx.session.get(Submission, step.submission_id)
        check = check_of(ctx.session, submission.version(), submission.kind, ctx.now)
        if check.found:
            choices.insert(0, (PERSONAL_DATA_LABEL, return_reason(check)))
    choices.append((CANCEL, CANCEL))
    limit = cards.numerals(ctx.session, ctx.office_id).n(int(REASON.wait.total_seconds() // 60))
    ask = ASK_COMMENT if action == "approve" else ASK_REASON
    return messages.text(ask.format(limit=limit, cancel=CANCEL),
                         [messages.quick(messages.message_action(shown, t)) for shown, t in choices])


def _authorised(ctx: EventContext, step_id: int, version: int, action: str):
    """(step, submission, acting) when this person may act on the step now; else answer the refusal."""
    checked = machine.authorise(ctx.session, step_id=step_id, version=version, action=action,
                                 actor=ctx.person, actor_line_user_id=ctx.user_id, event_id=ctx.event_id,
                                 now=ctx.now)
    if isinstance(checked, Refused):
        ctx.row.outcome = "refused"
        _answer_refusal(ctx, [checked], step_id, version)
        return None
    return checked


def _answer_refusal(ctx: EventContext, happened: list, step_id: int, version: int) -> None:
    refused = refusal(happened)
    if refused is not None and refused.reason in STALE_REASONS and ctx.person is not None:
        found = stale_tap(ctx.session, step_id=step_id, version=version, actor=ctx.person, now=ctx.now)
        # a live step tapped with a version it never had is a forgery, not an old card
        if found is not None and (found.superseded or found.tapped.status != "waiting"):
            ctx.reply(_stale_answer(ctx, found))
            return
    ctx.reply(messages.text(notify.dispatch(ctx.session, happened, config=ctx.config,
                                            event_id=ctx.event_id)))


def _stale_answer(ctx: EventContext, found: StaleTap) -> dict:
    item = found.submission
    where = cards.state_words(ctx.session, item)
    say = cards.numerals(ctx.session, item.office_id)  # one digit style in the whole answer
    button = [messages.quick(messages.postback_action(
        OPEN_LATEST, postback.encode("card", s=found.waiting.id), OPEN_LATEST))] if found.waiting_for_actor else []
    if found.superseded:
        template = SUPERSEDED_MINE if found.waiting_for_actor else SUPERSEDED
        return messages.text(template.format(id=say.digits(str(item.id)), old=say.digits(str(found.tapped_version)),
                                             new=say.digits(str(item.current_version)), now=where), button)
    step = found.tapped
    if step.status not in STEP_VERBS:
        return messages.text(NOT_NEEDED.format(id=say.digits(str(item.id)), now=where), button)
    text = DECIDED.format(id=say.digits(str(item.id)), title=clip(item.version().title, 40),
                          verb=STEP_VERBS[step.status],
                          who=found.decided_by.name if found.decided_by else "-",
                          when=say.datetime(step.decided_at) if step.decided_at else "-", now=where)
    return messages.text(text + (DECIDED_MINE if found.waiting_for_actor else ""), button)


def _decide(ctx: EventContext, step_id: int, version: int, action: str, comment: str | None) -> None:
    happened = machine.decide(ctx.session, step_id=step_id, version=version, action=action,
                              actor=ctx.person, actor_line_user_id=ctx.user_id, comment=comment,
                              event_id=ctx.event_id, now=ctx.now)
    if refusal(happened):
        ctx.row.outcome = "refused"
        _answer_refusal(ctx, happened, step_id, version)
        return
    answer = notify.dispatch(ctx.session, happened, config=ctx.config, event_id=ctx.event_id,
                             reply=ctx.reply)
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
        REASON.ask(ctx, step_id=step_id, version=version, action=action)


def _on_reason(ctx: EventContext, data: dict, text: str) -> None:
    # The machine re-checks the step, the version and this person's right to decide it now.
    _decide(ctx, data["step_id"], data["version"], data["action"], text.strip()[:2000])


REASON = Prompt(state="decide_reason", on_answer=_on_reason, cancelled=REASON_CANCELLED,
                question=_question)


def _on_open_card(ctx: EventContext, params: dict) -> None:
    """From the pending list or a stale answer: the full approval card again (only to whom it
    belongs, and only while it waits)."""
    try:
        step = ctx.session.get(ApprovalStep, postback.int_param(params, "s"))
    except postback.PayloadError:
        step = None
    submission = ctx.session.get(Submission, step.submission_id) if step else None
    version = submission.current_version if submission else 0
    checked = _authorised(ctx, step.id if step else 0, version, "approve")
    if checked is not None:
        step, submission, acting = checked
        ctx.reply(cards.approval_card(ctx.session, submission, step, acting, ctx.config))


def pending_list(ctx: EventContext) -> None:
    """รออนุมัติ, tapped or typed: what waits for this director; others are pointed elsewhere."""
    if not is_director(roles_of(ctx.session, ctx.person)):
        refuse_tap(ctx, NOT_A_DIRECTOR, "not_director",
                   buttons=[messages.quick(messages.message_action(MY_ITEMS, MY_ITEMS))])
        return
    items = machine.pending_for(ctx.session, ctx.person, ctx.now)
    if not items:
        ctx.reply(messages.text(NOTHING_PENDING))
        return
    ctx.reply(cards.pending_list(ctx.session, items))


def _check(ctx: EventContext) -> Postback | None:
    tap = ctx.postback
    return tap if user_in_chat(ctx) and tap is not None and tap.action in ("decide", "card") else None


def _handle(ctx: EventContext, found: Postback) -> None:
    if found.action == "decide":
        _on_decide_tap(ctx, found.params)
    else:
        _on_open_card(ctx, found.params)


HANDLER = Handler("decide", _check, _handle)
REASON_HANDLER = REASON.handler("decide_reason")
STEPS = [REASON.step()]
