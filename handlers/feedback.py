"""ปัญหาอุปสรรคและข้อเสนอแนะ: a unit director answers the quarter-end card (ข้อ ๔).

    card ──ไม่มี──▶ stored as "none"
    card ──ตอบ──▶ feedback_text ──next text──▶ stored ; "ยกเลิก" ──▶ idle

Every tap and every answer is re-checked against the database: the person must direct the unit
(or act for its director today), and the quarter's digest must not have gone out yet.
"""

from __future__ import annotations

from datetime import timedelta

from bot.digest.delivery import digest_due, working_calendar
from bot.digest.feedback import (
    MAX_FEEDBACK_CHARS,
    FeedbackRefused,
    check_feedback_open,
    feedback_row,
    feedback_unit,
    record_refusal,
    save_feedback,
)
from bot.spine import messages
from bot.spine.context import EventContext
from bot.spine.postback import PayloadError, Postback, int_param
from bot.thai.dates import BANGKOK, FiscalQuarter, thai_datetime
from handlers.common import user_in_chat
from handlers.prompt import Prompt
from handlers.router import Handler
from models import Office, Unit

STATE = "feedback_text"

REFUSALS = {
    "not_director": "ขออภัยค่ะ การ์ดนี้สำหรับผู้อำนวยการกลุ่ม/หน่วย หรือผู้รักษาราชการแทนเท่านั้น",
    "ambiguous": "ท่านรับผิดชอบมากกว่าหนึ่งกลุ่ม กรุณาตอบจากการ์ดของแต่ละกลุ่มค่ะ",
    "unknown_unit": "ขออภัยค่ะ ไม่พบกลุ่ม/หน่วยของการ์ดนี้แล้ว",
    "not_started": "ไตรมาสนี้ยังไม่เริ่มค่ะ",
    "closed": "รายงาน{label}ส่งถึงผู้บริหารแล้ว จึงแก้ไขคำตอบไม่ได้ค่ะ",
    "invalid": "ขออภัยค่ะ การ์ดนี้ใช้ไม่ได้แล้ว",
}


def _check(ctx: EventContext) -> Postback | None:
    if not user_in_chat(ctx) or ctx.postback is None or ctx.postback.action != "fb":
        return None
    return ctx.postback


def _due_text(ctx: EventContext, unit: Unit, quarter: FiscalQuarter) -> str:
    """When the unit's office's digest goes (its own holidays counted): answers close then."""
    office = ctx.session.get(Office, unit.office_id)
    return thai_datetime(digest_due(quarter, working_calendar(ctx.config, office)))


def _refuse(ctx: EventContext, reason: str, quarter: FiscalQuarter | None,
            unit_id: int | None) -> None:
    ctx.row.outcome = "refused"
    record_refusal(ctx.session, ctx.person, reason, quarter=quarter.code if quarter else None,
                   unit_id=unit_id, event_id=ctx.event_id)
    label = quarter.label() if quarter else ""
    ctx.reply(messages.text(REFUSALS[reason].format(label=label)))


def _authorise(ctx: EventContext, quarter: FiscalQuarter, unit_id: int | None):
    """(unit, acting assignment) when this person may answer now, else None after refusing."""
    try:
        unit, acting = feedback_unit(ctx.session, ctx.person, unit_id,
                                     ctx.now.astimezone(BANGKOK).date())
        check_feedback_open(ctx.session, unit.office_id, quarter, ctx.now)
    except FeedbackRefused as refused:
        _refuse(ctx, refused.reason, quarter, unit_id)
        return None
    return unit, acting


def _tap(ctx: EventContext, params: dict[str, str]) -> None:
    try:
        quarter = FiscalQuarter.parse(params.get("q", ""))
        unit_id = int_param(params, "u") if "u" in params else None
        answer = params.get("a")
        if answer not in ("none", "answer"):
            raise PayloadError("bad answer")
    except (ValueError, PayloadError):
        _refuse(ctx, "invalid", None, None)
        return
    allowed = _authorise(ctx, quarter, unit_id)
    if allowed is None:
        return
    unit, acting = allowed
    due = _due_text(ctx, unit, quarter)
    if answer == "none":
        save_feedback(ctx.session, unit=unit, quarter=quarter, person=ctx.person, acting=acting,
                      text=None, now=ctx.now, event_id=ctx.event_id)
        ctx.set_state("idle")
        ctx.reply(messages.text(
            f"รับทราบค่ะ บันทึกว่า{unit.name}ไม่มีปัญหาอุปสรรคและข้อเสนอแนะใน{quarter.label()}\n"
            f"หากต้องการแก้ไข แตะ “ตอบ” ในการ์ดเดิมได้จนถึง {due}"))
        return
    ANSWER.ask(ctx, quarter=quarter.code, unit_id=unit.id)


def _question(ctx: EventContext, data: dict) -> dict:
    unit = ctx.session.get(Unit, int(data.get("unit_id", 0)))
    earlier = ""
    current = feedback_row(ctx.session, unit.office_id, unit.id,
                           FiscalQuarter.parse(str(data.get("quarter", "")))) if unit else None
    if current is not None and current.answered_at is not None:
        earlier = "\n\nคำตอบเดิม: " + ("ไม่มี" if current.none else current.text[:500])
        earlier += "\n(ข้อความใหม่จะแทนคำตอบเดิม)"
    return messages.text(
        f"กรุณาพิมพ์ปัญหาอุปสรรคและข้อเสนอแนะของ{unit.name if unit else ''} ส่งมาในข้อความถัดไปได้เลยค่ะ\n"
        f"พิมพ์ “ยกเลิก” หากยังไม่ต้องการตอบ{earlier}",
        [messages.quick(messages.message_action("ยกเลิก", "ยกเลิก"))])


def _answer(ctx: EventContext, data: dict, text: str) -> None:
    try:
        quarter = FiscalQuarter.parse(str(data.get("quarter", "")))
        unit_id = int(data["unit_id"])
    except (KeyError, TypeError, ValueError):
        _refuse(ctx, "invalid", None, None)
        return
    if len(text) > MAX_FEEDBACK_CHARS:
        ANSWER.wait_again(ctx, **data)  # still waiting for a shorter one
        ctx.reply(messages.text(f"ข้อความยาวเกินไปค่ะ (ไม่เกิน {MAX_FEEDBACK_CHARS:,} ตัวอักษร) "
                                "กรุณาสรุปให้สั้นลงแล้วส่งใหม่"))
        return
    allowed = _authorise(ctx, quarter, unit_id)  # the role and the quarter, again, at the answer
    if allowed is None:
        return
    unit, acting = allowed
    save_feedback(ctx.session, unit=unit, quarter=quarter, person=ctx.person, acting=acting,
                  text=text, now=ctx.now, event_id=ctx.event_id)
    ctx.reply(messages.text(
        f"บันทึกปัญหาอุปสรรคและข้อเสนอแนะของ{unit.name}แล้วค่ะ จะรวมไว้ในรายงาน{quarter.label()}\n"
        f"แก้ไขได้โดยแตะ “ตอบ” ในการ์ดเดิม จนถึง {_due_text(ctx, unit, quarter)}"))


# A director composes this answer (often a long one) in the chat: an hour, not the usual prompt
# wait, before a late text stops counting as the answer.
ANSWER = Prompt(state=STATE, on_answer=_answer, cancelled="ยกเลิกแล้วค่ะ ยังไม่ได้บันทึกข้อความนี้",
                question=_question, wait=timedelta(hours=1))


def _handle(ctx: EventContext, tap: Postback) -> None:
    _tap(ctx, tap.params)


HANDLER = Handler("feedback", _check, _handle)
ANSWER_HANDLER = ANSWER.handler("feedback_answer")
STEPS = [ANSWER.step()]
