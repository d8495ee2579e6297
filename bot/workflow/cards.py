"""Flex cards and the short Thai texts that go with the procedure's transitions."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.files.links import attachment_url
from bot.files.media import human_size
from bot.office.categories import CATEGORIES, SHORT_NAMES
from bot.privacy.check import check_of
from bot.render import flex
from bot.render.palette import ALERT
from bot.spine import messages, postback
from bot.spine.config import Config
from bot.thai.dates import thai_date, thai_datetime
from bot.workflow.chain import approver_for, chain_for, current_step, steps_of
from bot.workflow.machine import ACTIONS
from bot.workflow.submissions import KIND_NAMES, category_name, photos_of
from models import ActingAssignment, ApprovalStep, Category, Person, Submission, Unit

ACTION_LABELS = {"approve": "อนุมัติ", "return": "ส่งกลับแก้ไข", "reject": "ไม่อนุมัติ"}
STATE_WORDS = {
    "draft": "ร่าง (ยังไม่ได้ส่ง)", "pending": "รอพิจารณา", "returned": "ส่งกลับแก้ไข",
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


def _short(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _person(session: Session, person_id: int | None) -> Person | None:
    return session.get(Person, person_id) if person_id else None


def _unit_name(session: Session, unit_id: int | None) -> str:
    unit = session.get(Unit, unit_id) if unit_id else None
    return unit.name if unit else "-"


def attachment_rows(session: Session, submission: Submission, config,
                    audience: str) -> tuple[list[dict], str | None, list[dict]]:
    """Rows describing the files, a hero image URL for photos, and an open-file button whose
    link opens for ``audience`` (bot.files.links.AUDIENCES) while the item's state allows."""
    version = submission.version()
    if submission.kind == "photos":
        photos = [p for p in photos_of(version) if p.status in ("stored", "waiting")]
        stored = [p for p in photos if p.status == "stored"]
        https = config.public_base_url.startswith("https://")  # LINE shows images only over https
        hero = (attachment_url(config, stored[0].id, audience=audience, preview=True)
                if stored and https else None)
        waiting = len(photos) - len(stored)
        rows = [flex.row("รูปภาพ", f"{len(photos)} รูป" + (f" (กำลังรับอีก {waiting} รูป)" if waiting else ""))]
        if version.activity_date:
            rows.append(flex.row("วันที่จัด", thai_date(version.activity_date)))
        return rows, hero, []
    if submission.kind == "announcement":
        return [], None, []
    files = [a for a in version.attachments if a.status == "stored"]
    if not files:
        pending = [a for a in version.attachments if a.status == "waiting"]
        note = f"{_short(pending[0].filename, 80)} (กำลังรับไฟล์จาก LINE)" if pending else "ยังไม่มีไฟล์ที่ใช้ได้"
        return [flex.row("ไฟล์", note)], None, []
    a = files[0]
    detail = f"{(a.kind or '').upper()} · {human_size(a.size or 0)}"
    if a.page_count:
        detail += f" · {a.page_count} หน้า"
    rows = [flex.row("ไฟล์", _short(a.filename, 80)), flex.row("ชนิด/ขนาด", detail)]
    button = flex.button(flex.uri("เปิดดูไฟล์", attachment_url(config, a.id, audience=audience)))
    return rows, None, [button]


PRIVACY_LABEL = "ข้อมูลส่วนบุคคล"
FIX_HINT = "ควรลบหรือปิดทับก่อนเผยแพร่: กด \"แก้ไข\" แล้วส่งไฟล์ใหม่ได้ค่ะ"
LAWFUL_HINT = "หากจำเป็นต้องเผยแพร่ตามกฎหมาย อนุมัติได้ ระบบจะบันทึกไว้"


def privacy_rows(session: Session, submission: Submission, hint: str) -> list[dict]:
    """The personal-data check's row; what was found stands out, with what to do about it."""
    check = check_of(session, submission.version(), submission.kind)
    if not check.found:
        return [flex.row(PRIVACY_LABEL, check.summary())]
    return [flex.box([flex.text(PRIVACY_LABEL, color=ALERT, weight="bold"),
                      flex.text(check.summary(), color=ALERT), flex.note(hint)], spacing="xs",
                     margin="md")]


def _trail(session: Session, submission: Submission) -> list[str]:
    lines = []
    for step in steps_of(session, submission.id):
        if step.status in ("approved", "returned", "rejected"):
            who = _person(session, step.decided_by_id)
            verb = {"approved": "อนุมัติ", "returned": "ส่งกลับแก้ไข", "rejected": "ไม่อนุมัติ"}[step.status]
            acting = f" (รักษาราชการแทน {_person(session, step.acting_for_id).name})" if step.acting_for_id else ""
            lines.append(f"{verb} โดย {who.name}{acting} {thai_date(step.decided_at, short=True)} (ฉบับที่ {step.version})")
        elif step.status == "skipped":
            lines.append(f"ข้ามขั้นที่ {step.position} (ผู้ส่งเป็นผู้พิจารณาเอง)")
    return lines


def approval_card(session: Session, submission: Submission, step: ApprovalStep,
                  delegation: ActingAssignment | None, config: Config) -> dict:
    version = submission.version()
    submitter = _person(session, submission.submitter_id)
    category = session.get(Category, submission.category_code)
    total = len(chain_for(session, submission))
    rows = [
        flex.row("ประเภท", KIND_NAMES[submission.kind]),
        flex.row("หมวด", f"{category.code} {SHORT_NAMES[category.code]}"),
        flex.row("เรื่อง", _short(version.title, 200)),
    ]
    if version.description:
        rows.append(flex.row("รายละเอียด", _short(version.description, 300)))
    rows += [
        flex.row("ผู้ส่ง", f"{submitter.name} ({_unit_name(session, submission.unit_id)})"),
        flex.row("วันที่ส่ง", thai_date(submission.submitted_at)),
        flex.row("ขั้นตอน", f"ขั้นที่ {step.position} จาก {total} · ฉบับที่ {submission.current_version}"),
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
    bubble = _bubble("ขออนุญาตเผยแพร่ข้อมูล", rows, buttons, hero_url=hero,
                     subtitle=f"เรื่องที่ #{submission.id}")
    return messages.flex(f"ขออนุมัติเผยแพร่: {_short(version.title, 100)}", bubble)


def fyi_text(submission: Submission, step: ApprovalStep, delegation: ActingAssignment) -> dict:
    return messages.text(
        f"เพื่อทราบค่ะ เรื่อง #{submission.id} \"{_short(submission.version().title, 80)}\" "
        f"ส่งให้ {delegation.acting.name} พิจารณาแทนท่าน (รักษาราชการแทน"
        f"{' ตาม' + delegation.order_text if delegation.order_text else ''})")


def progress_text(session: Session, submission: Submission, step: ApprovalStep) -> dict:
    approver = _person(session, step.approver_id)
    return messages.text(f"เรื่อง #{submission.id} \"{_short(submission.version().title, 80)}\" "
                         f"ผ่านขั้นก่อนหน้าแล้ว ตอนนี้รอ {approver.name} พิจารณาค่ะ")


def approved_text(submission: Submission) -> dict:
    return messages.text(f"เรื่อง #{submission.id} \"{_short(submission.version().title, 80)}\" "
                         "ได้รับอนุมัติครบทุกขั้นแล้วค่ะ")


def decision_for_submitter(session: Session, submission: Submission, step: ApprovalStep, action: str,
                           reason: str | None) -> dict:
    who = _person(session, step.decided_by_id)
    title = _short(submission.version().title, 80)
    if action == "return":
        body = (f"เรื่อง #{submission.id} \"{title}\" ถูกส่งกลับให้แก้ไขโดย {who.name}\n"
                f"เหตุผล: {reason}\nแก้ไขได้จากเมนู \"รายการของฉัน\" แล้วกดส่งใหม่ค่ะ")
        quick = [messages.quick(messages.postback_action("แก้ไขเรื่องนี้",
                                postback.encode("mine", s=submission.id, a="revise"), "แก้ไขเรื่องนี้"))]
        return messages.text(body, quick)
    return messages.text(f"เรื่อง #{submission.id} \"{title}\" ไม่ได้รับอนุมัติจาก {who.name}\n"
                         f"เหตุผล: {reason}")


def acting_label(assignment: ActingAssignment) -> str:
    order = f" ({assignment.order_text})" if assignment.order_text else ""
    return f"{assignment.acting.name} รักษาราชการแทน {assignment.absent.name}{order}"


def decided_confirmation(session: Session, submission: Submission, step: ApprovalStep, action: str,
                         acting: ActingAssignment | None) -> str:
    who = acting_label(acting) if acting else ""
    done = ACTION_LABELS[action]
    text = f"บันทึกแล้วค่ะ: {done} เรื่อง #{submission.id} \"{_short(submission.version().title, 60)}\""
    return text + (f"\n({who})" if who else "")


REFUSALS = {
    "unknown": "ไม่พบรายการนี้ หรือปุ่มนี้ใช้ไม่ได้แล้วค่ะ",
    "not_open": "ไม่พบรายการนี้ หรือปุ่มนี้ใช้ไม่ได้แล้วค่ะ",
    "not_linked": "ขออภัยค่ะ บัญชีนี้ไม่มีสิทธิ์พิจารณารายการนี้",
    "withdrawn": "ผู้ส่งถอนเรื่องนี้แล้วค่ะ ไม่ต้องพิจารณาต่อ",
    "old_version": "การ์ดนี้เป็นฉบับเก่า มีฉบับแก้ไขใหม่ส่งมาแล้วค่ะ กรุณาพิจารณาจากการ์ดล่าสุด",
    "not_approver": "ขออภัยค่ะ รายการนี้ไม่ได้อยู่ในความรับผิดชอบของท่าน",
    "own_submission": "ท่านเป็นผู้ส่งเรื่องนี้เอง จึงพิจารณาเรื่องของตนเองไม่ได้ค่ะ",
    "reason_required": "กรุณาระบุเหตุผลด้วยค่ะ",
    "not_owner": "ถอนได้เฉพาะเรื่องที่ท่านส่งเองค่ะ",
}
WITHDRAWN_ANSWER = "ถอนเรื่องเรียบร้อยแล้วค่ะ ผู้พิจารณาได้รับแจ้งแล้ว"


def who_decided(session: Session, step: ApprovalStep) -> str:
    person = session.get(Person, step.decided_by_id) if step.decided_by_id else None
    when = thai_datetime(step.decided_at) if step.decided_at else ""
    verb = {"approved": "อนุมัติ", "returned": "ส่งกลับแก้ไข", "rejected": "ไม่อนุมัติ",
            "cancelled": "ยกเลิก", "skipped": "ข้าม"}.get(step.status, step.status)
    return f"{verb}ไปแล้วโดย {person.name if person else 'ระบบ'} เมื่อ {when}".strip()


def refusal_text(session: Session, reason: str, step_id: int | None,
                 submission_id: int | None = None) -> str:
    """What the person whose attempt was refused is told (a decided step says who decided it,
    an item that can no longer be withdrawn says where it stands)."""
    if reason in ("already_decided", "lost_race"):
        return f"รายการนี้{who_decided(session, session.get(ApprovalStep, step_id))}ค่ะ"
    submission = session.get(Submission, submission_id) if submission_id else None
    if reason == "cannot_withdraw" and submission is not None:
        return f"เรื่องนี้อยู่ในสถานะ \"{STATE_WORDS[submission.status]}\" แล้ว จึงถอนไม่ได้ค่ะ"
    return REFUSALS[reason]


def withdrawn_text(session: Session, submission: Submission) -> dict:
    submitter = _person(session, submission.submitter_id)
    return messages.text(f"เพื่อทราบค่ะ {submitter.name} ถอนเรื่อง #{submission.id} "
                         f"\"{_short(submission.version().title, 80)}\" แล้ว ไม่ต้องพิจารณาต่อ")


# --- the submitter's side -------------------------------------------------------------------------

def category_picker(submission_id: int) -> dict:
    """All 18 categories as a carousel of three bubbles (quick replies stop at 13)."""
    bubbles = []
    for start in range(0, len(CATEGORIES), 6):
        buttons = [
            flex.button(messages.postback_action(
                _short(f"{code} {SHORT_NAMES[code]}", 40), postback.encode("cat", d=submission_id, c=code),
                f"หมวด {code} {SHORT_NAMES[code]}"))
            for code, _ in CATEGORIES[start : start + 6]
        ]
        bubbles.append(flex.bubble(body=[flex.title("เลือกหมวดข้อมูล", size="sm"), *buttons],
                                   size="kilo"))
    return messages.flex("เลือกหมวดข้อมูล (ข้อ 1.1–1.18)", flex.carousel(bubbles))


def confirmation_card(session: Session, submission: Submission, config) -> dict:
    version = submission.version()
    rows = [flex.row("ประเภท", KIND_NAMES[submission.kind]),
            flex.row("หมวด", category_name(session, submission.category_code)),
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
        flex.button(messages.postback_action("ส่งฉบับแก้ไข" if revising else "ส่งขออนุมัติ",
                                         postback.encode("draft", d=submission.id, a="submit"),
                                         "ส่งฉบับแก้ไข" if revising else "ส่งขออนุมัติ"), "primary"),
        flex.button(messages.postback_action("แก้ไข", postback.encode("draft", d=submission.id, a="edit"), "แก้ไข")),
        flex.button(messages.postback_action("ยกเลิก", postback.encode("draft", d=submission.id, a="cancel"),
                                         "ยกเลิก")),
    ]
    title = "ตรวจสอบก่อนส่งฉบับแก้ไข" if revising else "ตรวจสอบก่อนส่งขออนุมัติ"
    return messages.flex(f"{title}: {_short(version.title, 100)}",
                         _bubble(title, rows, buttons, hero_url=hero))


def state_words(session: Session, submission: Submission) -> str:
    words = STATE_WORDS[submission.status]
    if submission.status == "pending":
        step = current_step(session, submission.id)
        if step is not None:
            approver = _person(session, step.approver_id)
            words = f"รอ {approver.name} พิจารณา ตั้งแต่ {thai_datetime(step.waiting_since)}"
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
        rows = [flex.row("หมวด", submission.category_code or "-"),
                flex.row("สถานะ", state_words(session, submission)),
                flex.row("ปรับปรุง", thai_date(submission.updated_at, short=True))]
        buttons = []
        if submission.status == "published" and public_url(submission):
            buttons.append(flex.button(flex.uri("ดูหน้าที่เผยแพร่", public_url(submission))))
        if submission.status == "returned":
            buttons.append(flex.button(messages.postback_action(
                "แก้ไขแล้วส่งใหม่", postback.encode("mine", s=submission.id, a="revise"), "แก้ไขแล้วส่งใหม่"),
                "primary"))
        if submission.status in ("pending", "returned"):
            buttons.append(flex.button(messages.postback_action(
                "ถอนเรื่อง", postback.encode("mine", s=submission.id, a="withdraw"), "ถอนเรื่อง")))
        bubble = _bubble(_short(version.title or KIND_NAMES[submission.kind], 60), rows, buttons,
                         subtitle=f"#{submission.id} · {KIND_NAMES[submission.kind]}", size="kilo")
        bubbles.append(bubble)
    return messages.flex("รายการของฉัน", flex.carousel(bubbles))


def pending_list(session: Session, items: list[tuple[ApprovalStep, Submission]]) -> dict:
    bubbles = []
    for step, submission in items[:10]:
        submitter = _person(session, submission.submitter_id)
        rows = [flex.row("ผู้ส่ง", submitter.name), flex.row("หมวด", submission.category_code or "-"),
                flex.row("รอตั้งแต่", thai_datetime(step.waiting_since))]
        buttons = [flex.button(messages.postback_action(
            "เปิดการ์ดพิจารณา", postback.encode("card", s=step.id), "เปิดการ์ดพิจารณา"), "primary")]
        bubble = _bubble(_short(submission.version().title, 60), rows, buttons,
                         subtitle=f"#{submission.id} · {KIND_NAMES[submission.kind]}", size="kilo")
        bubbles.append(bubble)
    return messages.flex(f"รายการรออนุมัติ {len(items)} เรื่อง", flex.carousel(bubbles))
