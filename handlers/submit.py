"""Staff send a document, activity photos or an announcement: the draft conversation.

States (per LINE user, in the database): draft_album → draft_title → draft_date (photos) →
draft_description → draft_confirm; draft_category comes first for documents and announcements.
Anything unexpected gets a short hint and leaves the draft as it was.
"""

from __future__ import annotations

from datetime import date, timedelta

from linebot.v3.webhooks import (
    FileMessageContent,
    ImageMessageContent,
    MessageEvent,
)

from bot.files.names import title_from_filename
from bot.spine import messages, postback
from bot.spine.context import EventContext
from bot.spine.postback import Postback
from bot.thai import glossary as g
from bot.thai.dates import to_bangkok
from bot.workflow import albums, cards, machine, notify, submissions
from bot.workflow.submissions import KIND_NAMES, DraftError
from handlers.common import refuse_tap, text_of, user_in_chat
from handlers.router import Handler
from models import Category, Submission

SKIP = "ข้าม"
MENU_HINTS = {
    "doc": "ส่งไฟล์เอกสารมาในแชตนี้ได้เลยค่ะ (PDF, Word, Excel, PowerPoint, OpenDocument หรือ ZIP)",
    "photos": "ส่งภาพกิจกรรมมาได้เลยค่ะ เลือกได้หลายภาพพร้อมกัน",
}
STEP_HINTS = {
    "draft_category": "กรุณาเลือกหมวดข้อมูลจากการ์ดด้านบนค่ะ",
    "draft_album": "กำลังรับภาพอยู่ค่ะ ส่งภาพเพิ่มได้",
    "draft_title": "กรุณาพิมพ์ชื่อเรื่องค่ะ",
    "draft_date": "กรุณาเลือกวันที่จัดกิจกรรม หรือพิมพ์ \"วันนี้\" ค่ะ",
    "draft_description": "กรุณาพิมพ์รายละเอียด หรือกด \"ข้าม\" ค่ะ",
    "draft_confirm": "กรุณากดปุ่มบนการ์ดเพื่อส่ง แก้ไข หรือยกเลิกค่ะ",
}


def _draft(ctx: EventContext) -> Submission | None:
    """The item this user is working on (a draft, or a returned item being corrected)."""
    conv = ctx.conversation()
    if not conv.state.startswith("draft_"):
        return None
    submission = ctx.session.get(Submission, conv.data.get("submission_id"))
    if submission is None or submission.status not in ("draft", "returned") \
            or submission.submitter_id != ctx.person.id:
        conv.state, conv.data = "idle", {}
        return None
    return submission


def _goto(ctx: EventContext, state: str, submission: Submission, **extra) -> None:
    ctx.set_state(state, submission_id=submission.id, **extra)
    submissions.touch(submission, ctx.now)


def _quick(*labels: str) -> list[dict]:
    return [messages.quick(messages.message_action(label[:20], label)) for label in labels]


# --- prompts ---------------------------------------------------------------------------------

def ask_category(ctx: EventContext, submission: Submission, intro: str | None = None) -> None:
    _goto(ctx, "draft_category", submission)
    if intro:
        ctx.reply(messages.text(intro))
    ctx.reply(cards.category_picker(submission.id))


def ask_title(ctx: EventContext, submission: Submission) -> None:
    _goto(ctx, "draft_title", submission)
    version = submission.version()
    if submission.kind == "photos":
        ctx.reply(messages.text(albums.ask_name_text(ctx.session, submission, len(version.attachments))))
        return
    suggestions = []
    if submission.kind == "document" and version.attachments:
        suggested = title_from_filename(version.attachments[0].filename)
        if suggested:
            suggestions = [messages.quick(messages.message_action("ใช้ชื่อไฟล์", suggested[:300]))]
    prompt = "กรุณาพิมพ์ชื่อเรื่อง" + (" หรือกด \"ใช้ชื่อไฟล์\"" if suggestions else "") + "ค่ะ"
    ctx.reply(messages.text(prompt, suggestions or None))


def ask_date(ctx: EventContext, submission: Submission) -> None:
    _goto(ctx, "draft_date", submission)
    today = to_bangkok(ctx.now).date()
    picker = {"type": "datetimepicker", "label": "เลือกวันที่", "data": postback.encode("date", d=submission.id),
              "mode": "date", "initial": today.isoformat(), "max": today.isoformat(),
              "min": (today - timedelta(days=365)).isoformat()}
    ctx.reply(messages.text("กิจกรรมจัดวันที่เท่าไรคะ", [messages.quick(picker),
                                                          messages.quick(messages.message_action("วันนี้", "วันนี้"))]))


def ask_description(ctx: EventContext, submission: Submission) -> None:
    _goto(ctx, "draft_description", submission)
    if submission.kind == "announcement":
        ctx.reply(messages.text("กรุณาพิมพ์เนื้อหาประกาศค่ะ"))
    elif submission.kind == "photos":
        ctx.reply(messages.text("กรุณาพิมพ์คำบรรยายภาพกิจกรรม หรือกด \"ข้าม\" ค่ะ", _quick(SKIP)))
    else:
        ctx.reply(messages.text("พิมพ์รายละเอียดสั้น ๆ (ไม่บังคับ) หรือกด \"ข้าม\" ค่ะ", _quick(SKIP)))


def show_confirmation(ctx: EventContext, submission: Submission) -> None:
    if not submission.category_code:
        ask_category(ctx, submission, "เลือกหมวดข้อมูลของเรื่องนี้ค่ะ")
        return
    _goto(ctx, "draft_confirm", submission)
    ctx.reply(cards.confirmation_card(ctx.session, submission, ctx.config))


def after_category(ctx: EventContext, submission: Submission) -> None:
    if submission.version().title:
        show_confirmation(ctx, submission)
    else:
        ask_title(ctx, submission)


# --- starting ----------------------------------------------------------------------------------

def _busy(ctx: EventContext, current: Submission) -> None:
    title = current.version().title or KIND_NAMES[current.kind]
    ctx.reply(messages.text(
        f"ตอนนี้กำลังทำเรื่อง \"{title}\" อยู่ค่ะ กรุณาส่งหรือยกเลิกเรื่องนั้นก่อน",
        [messages.quick(messages.postback_action("ทำเรื่องเดิมต่อ", postback.encode("draft", d=current.id, a="resume"),
                                                 "ทำเรื่องเดิมต่อ")),
         messages.quick(messages.postback_action("ยกเลิกเรื่องเดิม", postback.encode("draft", d=current.id, a="cancel"),
                                                 "ยกเลิกเรื่องเดิม"))]))


def on_file(ctx: EventContext, content: FileMessageContent) -> None:
    current = _draft(ctx)
    if current is not None and not submissions.takes_replacement_file(
            current, at_confirmation=ctx.conversation().state == "draft_confirm"):
        _busy(ctx, current)
        return
    submission = current or submissions.start_draft(ctx.session, ctx.person, "document", ctx.now, ctx.event_id)
    try:
        submissions.add_document(ctx.session, ctx.config, submission, ctx.person, message_id=content.id,
                                 filename=content.file_name, size=content.file_size, event_id=ctx.event_id)
    except DraftError as err:
        ctx.reply(messages.text(str(err)))
        if current is None:
            submissions.cancel(ctx.session, submission, ctx.person, ctx.now, ctx.event_id)
            ctx.set_state("idle")
        return
    name = submission.version().attachments[0].filename
    if current is not None:
        ctx.reply(messages.text(f"ได้รับไฟล์ใหม่ \"{name}\" แทนไฟล์เดิมแล้วค่ะ"))
        show_confirmation(ctx, submission)
        return
    ask_category(ctx, submission, f"ได้รับไฟล์ \"{name}\" แล้วค่ะ 📄\nเลือกหมวดข้อมูลของเอกสารนี้")


def on_image(ctx: EventContext, content: ImageMessageContent) -> None:
    current = _draft(ctx)
    if current is not None and current.kind != "photos":
        _busy(ctx, current)
        return
    image_set = content.image_set
    submission = current or submissions.start_draft(ctx.session, ctx.person, "photos", ctx.now, ctx.event_id)
    if current is None:
        submission.image_set_id = image_set.id if image_set else None
    submissions.add_photo(ctx.session, submission, ctx.person, message_id=content.id,
                          index=image_set.index if image_set else None, event_id=ctx.event_id)
    count = len(submission.version().attachments)
    state = ctx.conversation().state
    if current is not None and state != "draft_album":
        submissions.touch(submission, ctx.now)
        ctx.reply(messages.text(f"เพิ่มภาพแล้วค่ะ รวม {cards.numerals(ctx.session, ctx.office_id).n(count)} ภาพ"))
        if state == "draft_confirm":
            show_confirmation(ctx, submission)
        return
    total = image_set.total if image_set else 1
    if total and count >= total:
        ask_title(ctx, submission)
        return
    # Wait for the rest of the set; a quiet period closes it when LINE did not say how many.
    _goto(ctx, albums.WAITING, submission, token=getattr(ctx.event, "reply_token", None),
          event_ms=ctx.row.timestamp_ms)
    albums.check_when_quiet(ctx.session, submission, ctx.person, now=ctx.now, event_id=ctx.event_id)


def start_announcement(ctx: EventContext) -> None:
    current = _draft(ctx)
    if current is not None:
        _busy(ctx, current)
        return
    submission = submissions.start_draft(ctx.session, ctx.person, "announcement", ctx.now, ctx.event_id)
    ask_category(ctx, submission, "ส่งประกาศข่าว 📢\nเลือกหมวดข้อมูลของประกาศนี้")


# --- text and taps in a draft ---------------------------------------------------------------------

def on_text(ctx: EventContext, text: str) -> None:
    submission = _draft(ctx)
    state = ctx.conversation().state
    version = submission.version()
    if state == "draft_title":
        version.title = " ".join(text.split())[:300]
        if submission.kind == "photos" and version.activity_date is None:
            ask_date(ctx, submission)
        elif ctx.conversation().data.get("editing"):
            show_confirmation(ctx, submission)
        else:
            ask_description(ctx, submission)
    elif state == "draft_date" and text == "วันนี้":
        version.activity_date = to_bangkok(ctx.now).date()
        ask_description(ctx, submission)
    elif state == "draft_description":
        try:
            submissions.set_description(submission, "" if text == SKIP else text)
        except DraftError as err:  # an announcement without its text
            ctx.reply(messages.text(str(err)))
            return
        show_confirmation(ctx, submission)
    else:
        ctx.row.outcome = "unexpected"
        ctx.reply(messages.text(STEP_HINTS.get(state, "กรุณาทำตามขั้นตอนบนการ์ดค่ะ")))


def _old_card(ctx: EventContext) -> None:
    """A draft's button that is not for this user's open draft (sent, cancelled, expired, or
    someone else's): refused and recorded, the open draft, if any, left as it was."""
    refuse_tap(ctx, "การ์ดนี้ใช้ไม่ได้แล้วค่ะ (เรื่องนี้ส่งไปแล้ว ยกเลิก หรือหมดอายุ) "
               "ดูสถานะได้ที่เมนู \"รายการของฉัน\"", "not_open_draft", outcome="stale")


def on_postback(ctx: EventContext, action: str, params: dict) -> None:
    if action == "menu":
        key = params.get("m")
        if key == "news":
            start_announcement(ctx)
        else:
            ctx.reply(messages.text(MENU_HINTS[key]))
        return
    try:
        submission_id = postback.int_param(params, "d")
    except postback.PayloadError:
        _old_card(ctx)
        return
    submission = _draft(ctx)
    if submission is None or submission.id != submission_id:
        _old_card(ctx)
        return
    state = ctx.conversation().state
    if action == "cat":
        category = ctx.session.get(Category, params.get("c", ""))
        if category is None:
            _old_card(ctx)
            return
        submission.category_code = category.code
        after_category(ctx, submission)
    elif action == "date":
        picked = (ctx.event.postback.params or {}).get("date")
        if state != "draft_date" or not picked:
            ctx.reply(messages.text(STEP_HINTS.get(state, "")))
            return
        submission.version().activity_date = date.fromisoformat(picked)
        ask_description(ctx, submission)
    elif action == "draft":
        _draft_action(ctx, submission, params.get("a", ""))
    else:
        _old_card(ctx)


def _draft_action(ctx: EventContext, submission: Submission, verb: str) -> None:
    version = submission.version()
    if verb == "resume":
        state = ctx.conversation().state
        ctx.reply(messages.text(STEP_HINTS.get(state, "")))
        if state in ("draft_confirm",):
            show_confirmation(ctx, submission)
    elif verb == "cancel":
        if submission.status == "returned":  # a correction: drop the edits, keep the item returned
            ctx.set_state("idle")
            ctx.reply(messages.text("พักการแก้ไขไว้ก่อนค่ะ สิ่งที่แก้ไว้ยังเก็บอยู่ เรื่องยังอยู่ในสถานะส่งกลับแก้ไข "
                                    "กลับมาแก้ต่อได้จาก \"รายการของฉัน\""))
            return
        submissions.cancel(ctx.session, submission, ctx.person, ctx.now, ctx.event_id)
        ctx.set_state("idle")
        ctx.reply(messages.text("ยกเลิกเรื่องแล้วค่ะ"))
    elif verb == "edit":
        choices = [("ชื่อเรื่อง", "edit_title"), ("รายละเอียด", "edit_desc"), ("หมวด", "edit_cat")]
        if submission.kind == "document":
            choices.append((g.REPLACE_FILE, "edit_file"))
        ctx.reply(messages.text("ต้องการแก้ไขส่วนไหนคะ", [
            messages.quick(messages.postback_action(label, postback.encode("draft", d=submission.id, a=verb_),
                                                    label if label == g.REPLACE_FILE else f"แก้ไข{label}"))
            for label, verb_ in choices]))
    elif verb == "edit_title":
        _goto(ctx, "draft_title", submission, editing=True)
        ctx.reply(messages.text(f"ชื่อเดิม: {version.title}\nกรุณาพิมพ์ชื่อใหม่ค่ะ"))
    elif verb == "edit_desc":
        ask_description(ctx, submission)
    elif verb == "edit_cat":
        ask_category(ctx, submission)
    elif verb == "edit_file":
        _goto(ctx, "draft_confirm", submission)
        ctx.reply(messages.text("ส่งไฟล์ใหม่มาในแชตนี้ได้เลยค่ะ ไฟล์ใหม่จะแทนไฟล์เดิม"))
    elif verb == "submit":
        _submit(ctx, submission)
    else:
        _old_card(ctx)


def _submit(ctx: EventContext, submission: Submission) -> None:
    missing = submissions.missing_for_submit(ctx.session, submission)
    if missing:
        ctx.reply(messages.text("ยังส่งไม่ได้ค่ะ ขาด: " + ", ".join(missing)))
        return
    if submission.status == "returned":
        happened = machine.resubmit(ctx.session, submission, ctx.person, ctx.now, ctx.event_id)
    else:
        happened = machine.submit(ctx.session, submission, ctx.person, ctx.now, ctx.event_id)
    notify.dispatch(ctx.session, happened, config=ctx.config, event_id=ctx.event_id,
                    reply=ctx.reply)
    ctx.set_state("idle")
    ctx.session.flush()
    ctx.reply(cards.submitted_text(ctx.session, submission))


# --- the handler ----------------------------------------------------------------------------------

DRAFT_POSTBACKS = {"cat", "date", "draft"}


MENUS = ("doc", "photos", "news")
ANNOUNCE = "ส่งประกาศ"


def _check(ctx: EventContext) -> Postback | MessageEvent | None:
    """The draft's taps (the postback), and messages: a file or photo, ANNOUNCE, or any message
    while a draft is open (the event itself)."""
    if not user_in_chat(ctx):
        return None
    event = ctx.event
    if isinstance(event, MessageEvent):
        if isinstance(event.message, (FileMessageContent, ImageMessageContent)) or text_of(ctx) == ANNOUNCE \
                or ctx.chat_state().state.startswith("draft_"):
            return event
        return None
    tap = ctx.postback
    if tap is not None and (tap.action in DRAFT_POSTBACKS
                            or (tap.action == "menu" and tap.params.get("m") in MENUS)):
        return tap
    return None


def _handle(ctx: EventContext, found: Postback | MessageEvent) -> None:
    if isinstance(found, Postback):
        on_postback(ctx, *found)
    elif isinstance(found.message, FileMessageContent):
        on_file(ctx, found.message)
    elif isinstance(found.message, ImageMessageContent):
        on_image(ctx, found.message)
    elif text_of(ctx) == ANNOUNCE:
        start_announcement(ctx)
    elif (text := text_of(ctx)) is not None and _draft(ctx) is not None:
        on_text(ctx, text)
    else:
        state = ctx.conversation().state
        ctx.row.outcome = "unexpected"
        ctx.reply(messages.text("ขออภัยค่ะ ขั้นตอนนี้รับเฉพาะข้อความหรือการกดปุ่ม\n" + STEP_HINTS.get(state, "")))


HANDLER = Handler("submit", _check, _handle)
