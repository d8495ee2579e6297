"""Flex cards and the short Thai texts that go with the procedure's transitions.

Every term comes from bot.thai.glossary, every number is written in the office's one digit style
(Office.digits, bot.thai.dates.Numerals), every title is shortened after a whole word, and every
notice ends with what happens next.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from bot.files.links import attachment_url, gallery_url
from bot.files.media import human_size
from bot.office import categories
from bot.office.address import office_address
from bot.office.org import is_director, roles_of
from bot.privacy.check import check_of
from bot.render import flex
from bot.render.palette import ALERT
from bot.spine import messages, postback
from bot.spine.config import Config
from bot.thai import glossary as g
from bot.thai.dates import Numerals
from bot.thai.text import clip
from bot.workflow.chain import approver_for, chain_for, current_step, steps_of
from bot.workflow.machine import ACTIONS
from bot.workflow.submissions import KIND_NAMES, category_name, photos_of
from models import ActingAssignment, ApprovalStep, Office, Person, Submission, Unit

PICKER_BUTTONS = 6  # per bubble; a carousel holds 12 bubbles (orgfile caps the list to fit)
ACTION_LABELS = {"approve": g.APPROVE, "return": g.RETURN, "reject": g.REJECT}
STATE_WORDS = {
    "draft": "ร่าง (ยังไม่ได้ส่ง)", "pending": "รอพิจารณา", "returned": "ส่งกลับแก้ไข รอผู้ส่งแก้ไขและส่งใหม่",
    "approved": "อนุมัติแล้ว รอเผยแพร่", "published": "เผยแพร่แล้ว", "rejected": "ไม่อนุมัติ",
    "withdrawn": "ถอนเรื่องแล้ว", "cancelled": "ยกเลิกแล้ว", "expired": "หมดอายุ", "retracted": "ถอนการเผยแพร่แล้ว",
}


def _bubble(title: str, rows: list[dict], buttons: list[dict], *, hero_url: str | None = None,
            subtitle: str | None = None, size: str | None = None) -> dict:
    """The workflow's card: title (and subtitle) over a rule, the rows, the buttons below."""
    heading = [flex.title(title)] + ([flex.note(subtitle)] if subtitle else [])
    hero = flex.image(hero_url, ratio="20:13") if hero_url else None
    return flex.bubble(body=heading + [flex.separator()] + rows, hero=hero, footer=buttons,
                       size=size)


_short = clip  # titles and names shortened after a whole word, with "…"


def numerals(session: Session, office_id: int | None) -> Numerals:
    """The office's one digit style for everything its people read."""
    office = session.get(Office, office_id) if office_id else None
    return Numerals.of(office.digits if office else None)


def called(session: Session, person: Person) -> str:
    """How a message addresses `person`: ท่านผู้อำนวยการ… or คุณ + given name."""
    return g.address(person.name, position=person.position or "",
                     director=is_director(roles_of(session, person)))


def _person(session: Session, person_id: int | None) -> Person | None:
    return session.get(Person, person_id) if person_id else None


def _unit_name(session: Session, unit_id: int | None) -> str:
    unit = session.get(Unit, unit_id) if unit_id else None
    return unit.name if unit else "-"


def attachment_rows(session: Session, submission: Submission, config,
                    audience: str) -> tuple[list[dict], str | None, list[dict]]:
    """Rows describing the files, a hero image URL for photos, and a button whose link opens
    for ``audience`` (bot.files.links.AUDIENCES) while the item's state allows: the file, or
    every photo on one page ("ดูภาพทั้งหมด (n ภาพ)") so nobody approves photos they did not see."""
    version = submission.version()
    nm = numerals(session, submission.office_id)
    base = office_address(session, config.public_base_url, submission.office_id)  # the office's own
    if submission.kind == "photos":
        photos = [p for p in photos_of(version) if p.status in ("stored", "waiting")]
        stored = [p for p in photos if p.status == "stored"]
        https = base.startswith("https://")  # LINE shows images only over https
        hero = (attachment_url(config, stored[0].id, audience=audience, preview=True, base=base)
                if stored and https else None)
        waiting = len(photos) - len(stored)
        count = g.photos(nm.n(len(photos))) + (f" (กำลังรับอีก {g.photos(nm.n(waiting))})" if waiting else "")
        rows = [flex.row(g.PHOTO, count)]
        if version.activity_date:
            rows.append(flex.row("วันที่จัด", nm.date(version.activity_date)))
        buttons = []
        if stored:
            buttons.append(flex.button(flex.uri(
                f"ดูภาพทั้งหมด ({g.photos(nm.n(len(stored)))})",
                gallery_url(config, version.id, audience=audience, base=base))))
        return rows, hero, buttons
    if submission.kind == "announcement":
        return [], None, []
    files = [a for a in version.attachments if a.status == "stored"]
    if not files:
        pending = [a for a in version.attachments if a.status == "waiting"]
        note = f"{_short(pending[0].filename, 80)} (กำลังรับไฟล์จาก LINE)" if pending else "ยังไม่มีไฟล์ที่ใช้ได้"
        return [flex.row("ไฟล์", note)], None, []
    a = files[0]
    detail = f"{(a.kind or '').upper()} · {nm.digits(human_size(a.size or 0))}"
    if a.page_count:
        detail += f" · {nm.n(a.page_count)} หน้า"
    rows = [flex.row("ไฟล์", _short(a.filename, 80)), flex.row("ชนิด/ขนาด", detail)]
    button = flex.button(flex.uri("เปิดดูไฟล์", attachment_url(config, a.id, audience=audience, base=base)))
    return rows, None, [button]


PRIVACY_LABEL = "ข้อมูลส่วนบุคคล"
FIX_HINT = "ควรลบหรือปิดทับก่อนเผยแพร่: กด \"แก้ไข\" แล้วส่งไฟล์ใหม่ได้ค่ะ"
LAWFUL_HINT = "หากจำเป็นต้องเผยแพร่ตามกฎหมาย อนุมัติได้ ระบบจะบันทึกไว้"


def privacy_rows(session: Session, submission: Submission, hint: str) -> list[dict]:
    """The personal-data check's row; what was found stands out, with what to do about it."""
    check = check_of(session, submission.version(), submission.kind)
    # the card's digits for counts and pages; a quoted value keeps its own
    nm = numerals(session, submission.office_id)
    summary = "".join(part if part.startswith("(เช่น ") else nm.digits(part)
                      for part in re.split(r"(\(เช่น [^)]*\))", check.summary()))
    if not check.found:
        return [flex.row(PRIVACY_LABEL, summary)]
    return [flex.box([flex.text(PRIVACY_LABEL, color=ALERT, weight="bold"),
                      flex.text(summary, color=ALERT), flex.note(hint)], spacing="xs",
                     margin="md")]


def _trail(session: Session, submission: Submission) -> list[str]:
    nm = numerals(session, submission.office_id)
    lines = []
    for step in steps_of(session, submission.id):
        if step.status in ("approved", "returned", "rejected"):
            who = _person(session, step.decided_by_id)
            verb = {"approved": g.APPROVE, "returned": g.RETURN, "rejected": g.REJECT}[step.status]
            acting = f" (รักษาราชการแทน {_person(session, step.acting_for_id).name})" if step.acting_for_id else ""
            lines.append(f"{verb} โดย {who.name}{acting} {nm.date(step.decided_at, short=True)} "
                         f"({g.VERSION} {nm.n(step.version)})")
        elif step.status == "skipped":
            lines.append(f"ข้ามขั้นที่ {nm.n(step.position)} (ผู้ส่งเป็นผู้พิจารณาเอง)")
    return lines


def approval_card(session: Session, submission: Submission, step: ApprovalStep,
                  delegation: ActingAssignment | None, config: Config) -> dict:
    version = submission.version()
    submitter = _person(session, submission.submitter_id)
    category = categories.category(session, submission.office_id, submission.category_code)
    total = len(chain_for(session, submission))
    nm = numerals(session, submission.office_id)
    rows = [
        flex.row("ประเภท", KIND_NAMES[submission.kind]),
        flex.row("หมวด", f"{nm.digits(category.code)} {category.short_name}"),
        flex.row("เรื่อง", _short(version.title, 200)),
    ]
    if version.description:
        rows.append(flex.row("รายละเอียด", _short(version.description, 300)))
    rows += [
        flex.row("ผู้ส่ง", f"{submitter.name} ({_unit_name(session, submission.unit_id)})"),
        flex.row("วันที่ส่ง", nm.date(submission.submitted_at)),
        flex.row("ขั้นตอน", f"ขั้นที่ {nm.n(step.position)} จาก {nm.n(total)} · "
                            f"{g.VERSION} {nm.n(submission.current_version)}"),
    ]
    for line in _trail(session, submission):
        rows.append(flex.note("✓ " + line))
    file_rows, hero, file_buttons = attachment_rows(session, submission, config, "approver")
    rows += file_rows + privacy_rows(session, submission, LAWFUL_HINT)
    if delegation is not None:
        rows.append(flex.note(f"ส่งถึงท่านในฐานะผู้รักษาราชการแทน {delegation.absent.name}"))
    buttons = file_buttons + [
        flex.button(messages.postback_action(
            ACTION_LABELS[action], postback.encode("decide", s=step.id, v=submission.current_version, a=action),
            ACTION_LABELS[action]), "primary" if action == "approve" else "secondary")
        for action in ACTIONS
    ] + [flex.button(messages.postback_action(
        "อนุมัติพร้อมความเห็น",
        postback.encode("decide", s=step.id, v=submission.current_version, a="approve", c=1),
        "อนุมัติพร้อมความเห็น"), "link")]
    bubble = _bubble(f"{g.ASK}ข้อมูล", rows, buttons, hero_url=hero,
                     subtitle=f"{g.ITEM} #{nm.n(submission.id)}")
    return messages.flex(f"{g.ASK}: {_short(version.title, 100)}", bubble)


def _item(nm: Numerals, submission: Submission, limit: int = 60) -> str:
    """เรื่อง #๑ "ชื่อเรื่อง…": how every notice names an item."""
    return f"{g.ITEM} #{nm.n(submission.id)} \"{_short(submission.version().title, limit)}\""


def fyi_text(session: Session, submission: Submission, step: ApprovalStep,
             delegation: ActingAssignment) -> dict:
    nm = numerals(session, submission.office_id)
    order = f" ตาม{delegation.order_text}" if delegation.order_text else ""
    return messages.text(
        f"เพื่อทราบค่ะ {_item(nm, submission)} ส่งให้ {delegation.acting.name} "
        f"พิจารณาแทนท่าน (รักษาราชการแทน{order}) ท่านไม่ต้องดำเนินการใดค่ะ")


def _previous_decider(session: Session, submission: Submission, step: ApprovalStep) -> Person | None:
    """Who approved the step before `step` in this version (None when it was skipped)."""
    before = [s for s in steps_of(session, submission.id)
              if s.position < step.position and s.version == submission.current_version]
    decided = [s for s in before if s.status == "approved"]
    return _person(session, decided[-1].decided_by_id) if decided else None


def progress_text(session: Session, submission: Submission, step: ApprovalStep) -> dict | None:
    """Told to the submitter when the item moves on after an approval; None when nobody approved
    before this step (it was skipped): the answer to the submission already said who has it."""
    decider = _previous_decider(session, submission, step)
    if decider is None:
        return None
    nm = numerals(session, submission.office_id)
    approver = _person(session, step.approver_id)
    total = len(chain_for(session, submission))
    return messages.text(
        f"{_item(nm, submission)} ผ่านการพิจารณาของ {decider.name} แล้วค่ะ\n"
        f"ตอนนี้รอ {approver.name} พิจารณา (ขั้นที่ {nm.n(step.position)} จาก {nm.n(total)}) "
        f"จะแจ้งผลให้ทราบทันทีค่ะ")


def approved_text(session: Session, submission: Submission) -> dict:
    nm = numerals(session, submission.office_id)
    return messages.text(f"{_item(nm, submission)} ได้รับอนุมัติครบทุกขั้นแล้วค่ะ "
                         "จะแจ้งอีกครั้งเมื่อเผยแพร่บนเว็บไซต์แล้วค่ะ")


def submitted_text(session: Session, submission: Submission) -> dict:
    """The answer to ส่งขออนุญาตเผยแพร่: sent, who has it now, where to follow it."""
    nm = numerals(session, submission.office_id)
    version = submission.current_version
    done = g.SENT if version == 1 else f"ส่ง{g.VERSION} {nm.n(version)} {g.ASK}แล้วค่ะ"
    step = current_step(session, submission.id)
    if step is not None:
        total = len(chain_for(session, submission))
        holder = _person(session, step.approver_id)
        where = (f"ตอนนี้รอ {holder.name} พิจารณา (ขั้นที่ {nm.n(step.position)} จาก {nm.n(total)}) "
                 "จะแจ้งผลให้ทราบทันทีค่ะ")
    else:
        where = f"สถานะ: {state_words(session, submission)}"
    return messages.text(f"{done}\n{_item(nm, submission)}\n{where}\n"
                         f"ติดตามได้ที่เมนู \"{g.MY_ITEMS}\" ค่ะ",
                         [messages.quick(messages.message_action(g.MY_ITEMS, g.MY_ITEMS))])


def revise_button_action(submission: Submission) -> dict:
    return messages.postback_action(g.REVISE, postback.encode("mine", s=submission.id, a="revise"), g.REVISE)


def decision_for_submitter(session: Session, submission: Submission, step: ApprovalStep, action: str,
                           reason: str | None) -> dict:
    """A return or a rejection, told to the submitter with the reason and what to do now."""
    who = _person(session, step.decided_by_id)
    nm = numerals(session, submission.office_id)
    submitter = _person(session, submission.submitter_id)
    if action == "return":
        body = (f"{called(session, submitter)}คะ {_item(nm, submission, 80)} {g.RETURN}โดย {who.name}\n"
                f"เหตุผล: {reason}\n"
                f"แตะ \"{g.REVISE}\" เพื่อแก้ตามเหตุผลแล้วส่ง{g.VERSION} {nm.n(submission.current_version + 1)} "
                f"หรือทำภายหลังได้จากเมนู \"{g.MY_ITEMS}\" ค่ะ")
        return messages.text(body, [messages.quick(revise_button_action(submission))])
    return messages.text(
        f"{called(session, submitter)}คะ {_item(nm, submission, 80)} {g.REJECT}โดย {who.name}\n"
        f"เหตุผล: {reason}\n"
        f"{g.ITEM}นี้ปิดแล้วค่ะ หากปรับแล้วต้องการเผยแพร่ ส่งเป็น{g.ITEM}ใหม่ได้ "
        f"หรือสอบถาม {who.name} ได้โดยตรงค่ะ",
        [messages.quick(messages.message_action(g.MY_ITEMS, g.MY_ITEMS))])


def acting_label(assignment: ActingAssignment) -> str:
    order = f" ({assignment.order_text})" if assignment.order_text else ""
    return f"{assignment.acting.name} รักษาราชการแทน {assignment.absent.name}{order}"


def _now_with(session: Session, submission: Submission, action: str) -> str:
    """Where the item is after this director's decision: who has it, and what comes next."""
    nm = numerals(session, submission.office_id)
    submitter = _person(session, submission.submitter_id)
    if action == "return":
        return (f"ตอนนี้{g.ITEM}กลับไปที่ {submitter.name} เพื่อ{g.REVISE} "
                "ท่านจะได้รับการ์ดฉบับใหม่เมื่อส่งกลับมาค่ะ")
    if action == "reject":
        return f"{g.ITEM}นี้ปิดแล้ว ได้แจ้งเหตุผลให้ {submitter.name} ทราบแล้วค่ะ"
    step = current_step(session, submission.id)
    if step is not None:
        total = len(chain_for(session, submission))
        return (f"ตอนนี้{g.ITEM}อยู่ที่ {_person(session, step.approver_id).name} "
                f"(ขั้นที่ {nm.n(step.position)} จาก {nm.n(total)}) ได้แจ้ง {submitter.name} แล้วค่ะ")
    office = session.get(Office, submission.office_id)
    if office is not None and office.publish_mode == "ict":
        return (f"อนุมัติครบทุกขั้นแล้ว {g.ITEM}ส่งต่อให้เจ้าหน้าที่ ICT นำขึ้นเว็บไซต์ "
                f"และได้แจ้ง {submitter.name} แล้วค่ะ")
    return f"อนุมัติครบทุกขั้นแล้ว {g.ITEM}เผยแพร่บนเว็บไซต์ และได้แจ้ง {submitter.name} แล้วค่ะ"


def decided_confirmation(session: Session, submission: Submission, step: ApprovalStep, action: str,
                         acting: ActingAssignment | None) -> str:
    nm = numerals(session, submission.office_id)
    text = f"บันทึกแล้วค่ะ: {ACTION_LABELS[action]} {_item(nm, submission)}\n{_now_with(session, submission, action)}"
    return text + (f"\n({acting_label(acting)})" if acting else "")


REFUSALS = {
    "unknown": f"ไม่พบ{g.ITEM}นี้ หรือปุ่มนี้ใช้ไม่ได้แล้วค่ะ",
    "not_open": f"ไม่พบ{g.ITEM}นี้ หรือปุ่มนี้ใช้ไม่ได้แล้วค่ะ",
    "not_linked": f"ขออภัยค่ะ บัญชีนี้ไม่มีสิทธิ์พิจารณา{g.ITEM}นี้",
    "withdrawn": f"ผู้ส่ง{g.WITHDRAW}นี้แล้วค่ะ ไม่ต้องพิจารณาต่อ",
    "old_version": "การ์ดนี้เป็นฉบับเก่า มีฉบับแก้ไขใหม่ส่งมาแล้วค่ะ กรุณาพิจารณาจากการ์ดล่าสุด",
    "not_approver": f"ขออภัยค่ะ {g.ITEM}นี้ไม่ได้อยู่ในความรับผิดชอบของท่าน",
    "own_submission": f"ท่านเป็นผู้ส่ง{g.ITEM}นี้เอง จึงพิจารณา{g.ITEM}ของตนเองไม่ได้ค่ะ",
    "reason_required": "กรุณาระบุเหตุผลด้วยค่ะ",
    "not_owner": f"ถอนได้เฉพาะ{g.ITEM}ที่ท่านส่งเองค่ะ",
}
WITHDRAWN_ANSWER = f"{g.WITHDRAW}เรียบร้อยแล้วค่ะ ผู้พิจารณาได้รับแจ้งแล้ว"


def who_decided(session: Session, step: ApprovalStep) -> str:
    person = session.get(Person, step.decided_by_id) if step.decided_by_id else None
    submission = session.get(Submission, step.submission_id)
    nm = numerals(session, submission.office_id if submission else None)
    when = nm.datetime(step.decided_at) if step.decided_at else ""
    verb = {"approved": g.APPROVE, "returned": g.RETURN, "rejected": g.REJECT,
            "cancelled": "ยกเลิก", "skipped": "ข้าม"}.get(step.status, step.status)
    return f"{verb}ไปแล้วโดย {person.name if person else 'ระบบ'} เมื่อ {when}".strip()


def refusal_text(session: Session, reason: str, step_id: int | None,
                 submission_id: int | None = None) -> str:
    """What the person whose attempt was refused is told (a decided step says who decided it,
    an item that can no longer be withdrawn says where it stands)."""
    if reason in ("already_decided", "lost_race"):
        return f"{g.ITEM}นี้{who_decided(session, session.get(ApprovalStep, step_id))}ค่ะ"
    submission = session.get(Submission, submission_id) if submission_id else None
    if reason == "cannot_withdraw" and submission is not None:
        return f"{g.ITEM}นี้อยู่ในสถานะ \"{STATE_WORDS[submission.status]}\" แล้ว จึงถอนไม่ได้ค่ะ"
    return REFUSALS[reason]


def withdrawn_text(session: Session, submission: Submission) -> dict:
    submitter = _person(session, submission.submitter_id)
    nm = numerals(session, submission.office_id)
    return messages.text(f"เพื่อทราบค่ะ {submitter.name} ถอน{_item(nm, submission, 80)} "
                         "แล้ว ท่านไม่ต้องพิจารณาต่อค่ะ")


def reminder_text(session: Session, holder: Person,
                  items: list[tuple[ApprovalStep, Submission]]) -> dict:
    """The day's one reminder for a director: every item waiting too long for them."""
    nm = numerals(session, holder.office_id)
    lines = [f"เรียนเตือนค่ะ {called(session, holder)} มี {nm.n(len(items))} {g.ITEM}รอท่านพิจารณา"]
    for step, submission in items[:10]:
        lines.append(f"• {_item(nm, submission, 40)} รอตั้งแต่ {nm.datetime(step.waiting_since)}")
    if len(items) > 10:
        lines.append(f"และอีก {nm.n(len(items) - 10)} {g.ITEM}")
    if len(items) == 1:
        step = items[0][0]
        lines.append(f"แตะ \"{g.OPEN_CARD}\" เพื่อพิจารณาได้เลยค่ะ")
        action = messages.postback_action(g.OPEN_CARD, postback.encode("card", s=step.id), g.OPEN_CARD)
    else:
        lines.append(f"แตะ \"{g.PENDING}\" เพื่อเปิดการ์ดพิจารณาทีละ{g.ITEM}ค่ะ")
        action = messages.postback_action(g.PENDING, postback.encode("menu", m="pending"), g.PENDING)
    return messages.text("\n".join(lines), [messages.quick(action)])


def overdue_text(session: Session, director: Person,
                 items: list[tuple[ApprovalStep, Submission, Person]]) -> dict:
    """The office director's one note a day about items still waiting after two reminders."""
    nm = numerals(session, director.office_id)
    lines = [f"เพื่อทราบค่ะ มี {nm.n(len(items))} {g.ITEM}รอพิจารณานานแล้ว (เตือนแล้ว {nm.n(2)} ครั้ง)"]
    for step, submission, holder in items[:10]:
        lines.append(f"• {_item(nm, submission, 40)} รอ {holder.name} ตั้งแต่ {nm.datetime(step.waiting_since)}")
    if len(items) > 10:
        lines.append(f"และอีก {nm.n(len(items) - 10)} {g.ITEM}")
    lines.append("ท่านไม่ต้องดำเนินการ เว้นแต่ต้องการติดตามกับผู้พิจารณาโดยตรงค่ะ")
    return messages.text("\n".join(lines))


# --- the submitter's side -------------------------------------------------------------------------

def category_picker(session: Session, submission: Submission) -> dict:
    """The office's categories, six to a bubble of a carousel (quick replies stop at 13)."""
    offered = categories.office_categories(session, submission.office_id)
    nm = numerals(session, submission.office_id)  # the codes in the office's digits; the data keeps them as stored
    bubbles = []
    for start in range(0, len(offered), PICKER_BUTTONS):
        buttons = [
            flex.button(messages.postback_action(
                _short(f"{nm.digits(c.code)} {c.short_name}", 40), postback.encode("cat", d=submission.id, c=c.code),
                f"หมวด {nm.digits(c.code)} {c.short_name}"))
            for c in offered[start : start + PICKER_BUTTONS]
        ]
        bubbles.append(flex.bubble(body=[flex.title("เลือกหมวดข้อมูล", size="sm"), *buttons],
                                   size="kilo"))
    span = f" (ข้อ {nm.digits(offered[0].code)}–{nm.digits(offered[-1].code)})" if len(offered) > 1 else ""
    return messages.flex(f"เลือกหมวดข้อมูล{span}", flex.carousel(bubbles))


def confirmation_card(session: Session, submission: Submission, config) -> dict:
    version = submission.version()
    rows = [flex.row("ประเภท", KIND_NAMES[submission.kind]),
            flex.row("หมวด", numerals(session, submission.office_id).digits(
                category_name(session, submission.office_id, submission.category_code))),
            flex.row("เรื่อง", _short(version.title, 200))]
    if version.description:
        label = "เนื้อหา" if submission.kind == "announcement" else "รายละเอียด"
        rows.append(flex.row(label, _short(version.description, 300)))
    file_rows, hero, _ = attachment_rows(session, submission, config, "submitter")
    rows += file_rows + privacy_rows(session, submission, FIX_HINT)
    approvers = []
    for role in chain_for(session, submission):
        person = approver_for(session, submission, role)
        if person and person.id != submission.submitter_id:
            approvers.append(person.name)
    rows.append(flex.row("ผู้พิจารณา", " → ".join(approvers) or "ไม่ต้องผ่านผู้พิจารณา"))
    revising = submission.status == "returned"
    buttons = [
        flex.button(messages.postback_action(g.SEND, postback.encode("draft", d=submission.id, a="submit"),
                                             g.SEND), "primary"),
        flex.button(messages.postback_action(g.EDIT, postback.encode("draft", d=submission.id, a="edit"), g.EDIT)),
        flex.button(messages.postback_action("ยกเลิก", postback.encode("draft", d=submission.id, a="cancel"),
                                         "ยกเลิก")),
    ]
    nm = numerals(session, submission.office_id)
    title = (f"ตรวจสอบ{g.VERSION} {nm.n(submission.current_version)} ก่อนส่ง" if revising
             else f"ตรวจสอบก่อน{g.SEND}")
    return messages.flex(f"{title}: {_short(version.title, 100)}",
                         _bubble(title, rows, buttons, hero_url=hero))


def state_words(session: Session, submission: Submission) -> str:
    words = STATE_WORDS[submission.status]
    if submission.status == "pending":
        step = current_step(session, submission.id)
        if step is not None:
            approver = _person(session, step.approver_id)
            nm = numerals(session, submission.office_id)
            words = f"รอ {approver.name} พิจารณา ตั้งแต่ {nm.datetime(step.waiting_since)}"
    elif submission.status in ("returned", "rejected"):
        reason = submission.final_reason or _last_reason(session, submission)
        words += f" — เหตุผล: {reason}"
    return words


def _last_reason(session: Session, submission: Submission) -> str:
    decided = [s for s in steps_of(session, submission.id) if s.status in ("returned", "rejected")]
    return decided[-1].comment if decided and decided[-1].comment else "-"


def my_items(session: Session, submissions: list[Submission], public_url) -> dict:
    bubbles = []
    for submission in submissions[:10]:
        version = submission.version()
        nm = numerals(session, submission.office_id)
        rows = [flex.row("หมวด", nm.digits(submission.category_code or "-")),
                flex.row("สถานะ", state_words(session, submission)),
                flex.row("ปรับปรุง", nm.date(submission.updated_at, short=True))]
        buttons = []
        if submission.status == "published" and public_url(submission):
            buttons.append(flex.button(flex.uri("ดูหน้าที่เผยแพร่", public_url(submission))))
        if submission.status == "returned":
            buttons.append(flex.button(revise_button_action(submission), "primary"))
        if submission.status in ("pending", "returned"):
            buttons.append(flex.button(messages.postback_action(
                g.WITHDRAW, postback.encode("mine", s=submission.id, a="withdraw"), g.WITHDRAW)))
        bubble = _bubble(_short(version.title or KIND_NAMES[submission.kind], 60), rows, buttons,
                         subtitle=f"#{nm.n(submission.id)} · {KIND_NAMES[submission.kind]}", size="kilo")
        bubbles.append(bubble)
    return messages.flex(g.MY_ITEMS, flex.carousel(bubbles))


def pending_list(session: Session, items: list[tuple[ApprovalStep, Submission]]) -> dict:
    bubbles = []
    nm = numerals(session, items[0][1].office_id if items else None)
    for step, submission in items[:10]:
        submitter = _person(session, submission.submitter_id)
        rows = [flex.row("ผู้ส่ง", submitter.name), flex.row("หมวด", nm.digits(submission.category_code or "-")),
                flex.row("รอตั้งแต่", nm.datetime(step.waiting_since))]
        buttons = [flex.button(messages.postback_action(
            g.OPEN_CARD, postback.encode("card", s=step.id), g.OPEN_CARD), "primary")]
        bubble = _bubble(_short(submission.version().title, 60), rows, buttons,
                         subtitle=f"#{nm.n(submission.id)} · {KIND_NAMES[submission.kind]}", size="kilo")
        bubbles.append(bubble)
    return messages.flex(f"{g.PENDING} {nm.n(len(items))} {g.ITEM}", flex.carousel(bubbles))
