"""Staff send a document, activity photos or an announcement: the draft conversation.

States (per LINE user, in the database): draft_album → draft_title → draft_date (photos) →
draft_description → draft_confirm; draft_category comes first for documents and announcements.
Each state is a declared step (handlers/prompt.py): its question carries its buttons, and
anything off-script gets a short hint and the question again, the draft left as it was.
"""

from __future__ import annotations

from datetime import date, timedelta

from linebot.v3.webhooks import FileMessageContent, ImageMessageContent, MessageEvent

from bot.files.names import title_from_filename
from bot.office import categories
from bot.privacy.check import check_of
from bot.spine import messages, postback
from bot.spine.context import EventContext
from bot.spine.postback import Postback
from bot.thai import glossary as g
from bot.thai.dates import thai_date, to_bangkok
from bot.thai.text import clip
from bot.workflow import albums, cards, machine, notify, submissions
from bot.workflow.submissions import KIND_NAMES, DraftError
from handlers.common import THANKS_BACK, is_thanks, refuse_tap, text_of, user_in_chat
from handlers.prompt import Step, with_buttons
from handlers.router import Handler
from models import Submission

SKIP = "ข้าม"
TODAY, YESTERDAY = "วันนี้", "เมื่อวาน"
USE_FILE_NAME = "ใช้ชื่อไฟล์"
MENU_HINTS = {
    "doc": "ส่งไฟล์เอกสารมาในแชตนี้ได้เลยค่ะ (PDF, Word, Excel, PowerPoint, OpenDocument หรือ ZIP)",
    "photos": "ส่งภาพกิจกรรมมาได้เลยค่ะ เลือกได้หลายภาพพร้อมกัน",
}
# the questions, each sent with its buttons
ASK_CATEGORY = "เลือกหมวดข้อมูลของ{kind}นี้ค่ะ"
FILE_IN = "ได้รับไฟล์ \"{name}\" แล้วค่ะ 📄"
REPLACING_FILE = "กำลังรับไฟล์ใหม่ \"{name}\" แทนไฟล์เดิมค่ะ"
ANNOUNCING = "ส่งประกาศข่าว 📢"
ASK_TITLE = "กรุณาพิมพ์ชื่อเรื่องค่ะ"
ASK_TITLE_OR_FILE_NAME = "กรุณาพิมพ์ชื่อเรื่อง หรือกด \"ใช้ชื่อไฟล์\" ค่ะ"
ASK_NEW_TITLE = "ชื่อเดิม: {title}\nกรุณาพิมพ์ชื่อใหม่ค่ะ"
ASK_DATE = "กิจกรรมจัดวันที่เท่าไรคะ กด \"เลือกวันที่\" เพื่อเลือกวันอื่นได้"
ASK_BODY = "กรุณาพิมพ์เนื้อหาประกาศค่ะ"
ASK_CAPTION = "กรุณาพิมพ์คำบรรยายภาพกิจกรรม หรือกด \"ข้าม\" ค่ะ"
ASK_DETAILS = "พิมพ์รายละเอียดสั้น ๆ (ไม่บังคับ) หรือกด \"ข้าม\" ค่ะ"
ALBUM_OPEN = "กำลังรับภาพอยู่ค่ะ ส่งภาพเพิ่มได้ เมื่อครบแล้วจะถามชื่อกิจกรรมค่ะ"
ASK_PART = "ต้องการแก้ไขส่วนไหนคะ"
SEND_NEW_FILE = "ส่งไฟล์ใหม่มาในแชตนี้ได้เลยค่ะ ไฟล์ใหม่จะแทนไฟล์เดิม"
# hints before the question again, after something the step does not take
HINTS = {
    "draft_category": "กรุณาเลือกหมวดข้อมูลก่อนค่ะ",
    "draft_date": "กรุณาเลือกวันที่จัดกิจกรรมค่ะ",
    "draft_confirm": "เรื่องนี้พร้อมส่งแล้วค่ะ กรุณาเลือกส่ง แก้ไข หรือยกเลิกบนการ์ด",
    "draft_album": "",
}
NOT_TEXT = "ขั้นนี้รับเป็นข้อความค่ะ"
DATE_CHANGED = "เปลี่ยนวันที่จัดกิจกรรมเป็น {day} แล้วค่ะ"
# leaving a draft
CONFIRM_CANCEL = "ยกเลิกเรื่อง \"{title}\" ใช่ไหมคะ"
CONFIRM_PAUSE = "พักการแก้ไขเรื่อง \"{title}\" ไว้ก่อนใช่ไหมคะ"
CANCEL_ITEM, PAUSE_ITEM, GO_ON = "ยกเลิกเรื่อง", "พักการแก้ไข", "ทำต่อ"
CANCELLED = "ยกเลิกเรื่อง \"{title}\" แล้วค่ะ ส่งไฟล์หรือภาพเพื่อเริ่มเรื่องใหม่ได้ทุกเมื่อ"
PAUSED = ("พักการแก้ไขไว้ก่อนค่ะ สิ่งที่แก้ไว้ยังเก็บอยู่ เรื่องยังอยู่ในสถานะส่งกลับแก้ไข "
          "กลับมาแก้ต่อได้จาก \"รายการของฉัน\"")
# something new while a draft is open
BUSY = "ตอนนี้กำลังทำเรื่อง \"{title}\" อยู่ค่ะ กรุณาส่งหรือยกเลิกเรื่องนั้นก่อน"
BUSY_FILE = ("ตอนนี้กำลังทำเรื่อง \"{title}\" อยู่ค่ะ จะทำอย่างไรกับไฟล์ \"{name}\" คะ\n"
             "• ทำเรื่องเดิมต่อ: ยังไม่ใช้ไฟล์นี้\n"
             "• เริ่มเรื่องใหม่: ยกเลิกเรื่องเดิม แล้วเริ่มเรื่องใหม่ด้วยไฟล์นี้")
BUSY_PHOTO = ("ตอนนี้กำลังทำเรื่อง \"{title}\" อยู่ค่ะ ภาพที่ส่งมายังไม่ได้เก็บไว้ "
              "ส่งภาพมาใหม่ได้หลังส่งหรือยกเลิกเรื่องนั้นค่ะ")
KEEP_GOING, START_NEW, DROP_OLD = "ทำเรื่องเดิมต่อ", "เริ่มเรื่องใหม่", "ยกเลิกเรื่องเดิม"
FILE_SET_ASIDE = "ยังไม่ได้ใช้ไฟล์ \"{name}\" ค่ะ ส่งมาใหม่ได้หลังส่งเรื่องนี้"
PHOTO_ADDED = "เพิ่มภาพแล้วค่ะ รวม {count} ภาพ"
NOT_YET = "ยังส่งไม่ได้ค่ะ ขาด: {missing}"
OLD_CARD = ("การ์ดนี้ใช้ไม่ได้แล้วค่ะ (เรื่องส่งไปแล้ว ยกเลิก หรือหมดอายุ) "
            "ดูสถานะได้ที่ \"รายการของฉัน\"")

DRAFT_STATES = ("draft_category", "draft_album", "draft_title", "draft_date", "draft_description",
                "draft_confirm")


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


def _title(submission: Submission) -> str:
    version = submission.version()
    if version.title:
        return clip(version.title, 40)
    if submission.kind == "document" and version.attachments:
        return clip(version.attachments[0].filename, 40)
    return KIND_NAMES[submission.kind]


def _said(label: str) -> dict:
    return messages.quick(messages.message_action(label[:20], label))


def _tap(label: str, submission: Submission, verb: str) -> dict:
    return messages.quick(messages.postback_action(label, postback.encode("draft", d=submission.id, a=verb),
                                                   label))


def _leave_button(submission: Submission) -> dict:
    """The way out, on every step's question."""
    if submission.status == "returned":
        return _tap(PAUSE_ITEM, submission, "cancel")
    return _tap(CANCEL_ITEM, submission, "cancel")


# --- the questions (the message that asks, with its buttons) ---------------------------------------

def _question(ctx: EventContext, submission: Submission, state: str, data: dict) -> list[dict]:
    version = submission.version()
    leave = _leave_button(submission)
    if state == "draft_category":
        picker = cards.category_picker(ctx.session, submission)
        return [messages.text(ASK_CATEGORY.format(kind=KIND_NAMES[submission.kind])),
                with_buttons(picker, [leave])]
    if state == "draft_album":
        return [messages.text(ALBUM_OPEN, [leave])]
    if state == "draft_title":
        if data.get("editing"):
            return [messages.text(ASK_NEW_TITLE.format(title=version.title), [leave])]
        if submission.kind == "photos":
            return [messages.text(albums.ask_name_text(ctx.session, submission, len(version.attachments)), [leave])]
        suggested = (title_from_filename(version.attachments[0].filename)
                     if submission.kind == "document" and version.attachments else None)
        if suggested:
            use = messages.quick(messages.message_action(USE_FILE_NAME, suggested[:300]))
            return [messages.text(ASK_TITLE_OR_FILE_NAME, [use, leave])]
        return [messages.text(ASK_TITLE, [leave])]
    if state == "draft_date":
        return [messages.text(ASK_DATE, [messages.quick(_date_picker(ctx, submission)),
                                         _said(TODAY), _said(YESTERDAY), leave])]
    if state == "draft_description":
        if submission.kind == "announcement":
            return [messages.text(ASK_BODY, [leave])]
        return [messages.text(ASK_CAPTION if submission.kind == "photos" else ASK_DETAILS,
                              [_said(SKIP), leave])]
    return [cards.confirmation_card(ctx.session, submission, ctx.config)]


def _date_picker(ctx: EventContext, submission: Submission) -> dict:
    today = to_bangkok(ctx.now).date()
    chosen = submission.version().activity_date or today
    return {"type": "datetimepicker", "label": "เลือกวันที่", "data": postback.encode("date", d=submission.id),
            "mode": "date", "initial": min(chosen, today).isoformat(), "max": today.isoformat(),
            "min": (today - timedelta(days=365)).isoformat()}


def _ask(ctx: EventContext, submission: Submission, state: str, intro: str | None = None, **extra) -> None:
    """Move to `state` and ask its question."""
    _goto(ctx, state, submission, **extra)
    if intro:
        ctx.reply(messages.text(intro))
    ctx.reply(*_question(ctx, submission, state, extra))


def _ask_again(ctx: EventContext, submission: Submission, hint: str | None = None) -> None:
    """The current step's question again, after `hint`, the draft left as it was."""
    conv = ctx.conversation()
    if hint:
        ctx.reply(messages.text(hint))
    ctx.reply(*_question(ctx, submission, conv.state, dict(conv.data or {})))


def ask_category(ctx: EventContext, submission: Submission, intro: str | None = None) -> None:
    _ask(ctx, submission, "draft_category", intro)


def ask_title(ctx: EventContext, submission: Submission) -> None:
    _ask(ctx, submission, "draft_title")


def ask_date(ctx: EventContext, submission: Submission) -> None:
    _ask(ctx, submission, "draft_date")


def ask_description(ctx: EventContext, submission: Submission) -> None:
    _ask(ctx, submission, "draft_description")


def show_confirmation(ctx: EventContext, submission: Submission, intro: str | None = None) -> None:
    if not submission.category_code:
        ask_category(ctx, submission, intro)
        return
    # A card that says the personal-data check is still running is followed by a fresh one
    # when it ends (bot.workflow.personal_data.show_result).
    checking = check_of(ctx.session, submission.version(), submission.kind, ctx.now).waiting
    _ask(ctx, submission, "draft_confirm", intro, **({"checking": True} if checking else {}))


def after_category(ctx: EventContext, submission: Submission) -> None:
    if submission.version().title:
        show_confirmation(ctx, submission)
    else:
        ask_title(ctx, submission)


# --- the steps, as the commands see them ---------------------------------------------------------

def _step_ask(ctx: EventContext, _data: dict) -> None:
    submission = _draft(ctx)
    if submission is not None:
        _ask_again(ctx, submission)


def _step_cancel(ctx: EventContext, _data: dict) -> None:
    """"ยกเลิก" typed in a draft asks once: the file and what was typed would be lost."""
    submission = _draft(ctx)
    if submission is None:
        return
    revising = submission.status == "returned"
    question = (CONFIRM_PAUSE if revising else CONFIRM_CANCEL).format(title=_title(submission))
    ctx.reply(messages.text(question, [_leave_button(submission), _tap(GO_ON, submission, "resume")]))


STEPS = [Step(state, _step_ask, _step_cancel) for state in DRAFT_STATES]


def is_draft_step(step: Step) -> bool:
    return step.state in DRAFT_STATES


# --- starting ----------------------------------------------------------------------------------

def _busy(ctx: EventContext, current: Submission, text: str | None = None, *,
          new_file: dict | None = None) -> None:
    """Something new while a draft is open: keep the draft, or (for a file) start anew with it."""
    title = _title(current)
    conv = ctx.conversation()
    data = {k: v for k, v in (conv.data or {}).items() if k != "pending_file"}
    if new_file is not None:
        ctx.set_state(conv.state, **data, pending_file=new_file)
        ctx.reply(messages.text(BUSY_FILE.format(title=title, name=new_file["name"]),
                                [_tap(KEEP_GOING, current, "resume"), _tap(START_NEW, current, "switch")]))
        return
    ctx.reply(messages.text((text or BUSY).format(title=title),
                            [_tap(KEEP_GOING, current, "resume"), _tap(DROP_OLD, current, "cancel")]))


def _start_document(ctx: EventContext, file: dict, current: Submission | None) -> None:
    """Attach the file; the answer waits for its download: one answer, received or refused."""
    submission = current or submissions.start_draft(ctx.session, ctx.person, "document", ctx.now, ctx.event_id)
    name = file["name"]
    answer = None
    if current is None:
        _goto(ctx, "draft_category", submission)
        ask = _question(ctx, submission, "draft_category", {})
        answer = [messages.text(f"{FILE_IN.format(name=name)}\n{ask[0]['text']}"), *ask[1:]]
    try:
        submissions.add_document(ctx.session, ctx.config, submission, ctx.person, message_id=file["id"],
                                 filename=name, size=file["size"], event_id=ctx.event_id,
                                 answer=_deferred(ctx, answer) if answer else None)
    except DraftError as err:
        ctx.reply(messages.text(str(err)))
        if current is None:
            submissions.cancel(ctx.session, submission, ctx.person, ctx.now, ctx.event_id)
            ctx.set_state("idle")
        return
    if current is not None:
        show_confirmation(ctx, submission, REPLACING_FILE.format(name=name))


def _deferred(ctx: EventContext, answer: list[dict]) -> dict:
    """This event's reply, for the download to send once the file is checked."""
    return {"token": getattr(ctx.event, "reply_token", None), "event_ms": ctx.row.timestamp_ms,
            "messages": answer}


def on_file(ctx: EventContext, content: FileMessageContent) -> None:
    current = _draft(ctx)
    file = {"id": content.id, "name": content.file_name, "size": content.file_size}
    if current is not None and not submissions.takes_replacement_file(
            current, at_confirmation=ctx.conversation().state == "draft_confirm"):
        _busy(ctx, current, new_file=file)
        return
    _start_document(ctx, file, current)


def on_image(ctx: EventContext, content: ImageMessageContent) -> None:
    current = _draft(ctx)
    image_set = content.image_set
    if current is not None and current.kind != "photos":
        if image_set is None or (image_set.index or 1) == 1:  # one answer for a whole set
            _busy(ctx, current, BUSY_PHOTO)
        else:
            ctx.row.outcome = "ignored"
        return
    submission = current or submissions.start_draft(ctx.session, ctx.person, "photos", ctx.now, ctx.event_id)
    if current is None:
        submission.image_set_id = image_set.id if image_set else None
    submissions.add_photo(ctx.session, submission, ctx.person, message_id=content.id,
                          index=image_set.index if image_set else None, event_id=ctx.event_id)
    count = len(submission.version().attachments)
    state = ctx.conversation().state
    if current is not None and state != "draft_album":
        submissions.touch(submission, ctx.now)
        ctx.reply(messages.text(PHOTO_ADDED.format(count=cards.numerals(ctx.session, ctx.office_id).n(count))))
        _ask_again(ctx, submission)
        return
    total = image_set.total if image_set else 1
    if total and count >= total:
        ask_title(ctx, submission)
        return
    # Wait for the rest of the set; a quiet period closes it when LINE did not say how many.
    _goto(ctx, albums.WAITING, submission, token=getattr(ctx.event, "reply_token", None),
          event_ms=ctx.row.timestamp_ms)
    albums.check_when_quiet(ctx.session, submission, ctx.person, now=ctx.now, event_id=ctx.event_id)


def on_menu(ctx: EventContext, key: str) -> None:
    """ส่งเอกสาร / ส่งภาพกิจกรรม / ส่งประกาศ, tapped or typed."""
    current = _draft(ctx)
    if current is not None:
        _busy(ctx, current)
        return
    if key != "news":
        ctx.reply(messages.text(MENU_HINTS[key]))
        return
    submission = submissions.start_draft(ctx.session, ctx.person, "announcement", ctx.now, ctx.event_id)
    ask_category(ctx, submission, ANNOUNCING)


# --- text and taps in a draft ---------------------------------------------------------------------

def on_text(ctx: EventContext, submission: Submission, text: str) -> None:
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
    elif state == "draft_date" and text in (TODAY, YESTERDAY):
        today = to_bangkok(ctx.now).date()
        version.activity_date = today if text == TODAY else today - timedelta(days=1)
        ask_description(ctx, submission)
    elif state == "draft_description":
        try:
            submissions.set_description(submission, "" if text == SKIP else text)
        except DraftError as err:  # an announcement without its text
            _ask_again(ctx, submission, str(err))
            return
        show_confirmation(ctx, submission)
    else:  # a step that takes no text: thanks are thanked, anything else hinted at
        ctx.row.outcome = "unexpected"
        _ask_again(ctx, submission, THANKS_BACK if is_thanks(text) else HINTS.get(state))


def _old_card(ctx: EventContext) -> None:
    """A draft's button that is not for this user's open draft (sent, cancelled, expired, or
    someone else's): refused and recorded, the open draft, if any, left as it was."""
    refuse_tap(ctx, OLD_CARD, "not_open_draft", outcome="stale")


def on_postback(ctx: EventContext, action: str, params: dict) -> None:
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
        category = categories.category(ctx.session, submission.office_id, params.get("c", ""))
        if category is None or not category.active:
            _old_card(ctx)
            return
        submission.category_code = category.code
        after_category(ctx, submission)
    elif action == "date":
        _on_date(ctx, submission, state)
    elif action == "draft":
        _draft_action(ctx, submission, params.get("a", ""))
    else:
        _old_card(ctx)


def _on_date(ctx: EventContext, submission: Submission, state: str) -> None:
    """A date from any picker this draft was sent, at any step (a later one changes it)."""
    picked = (ctx.event.postback.params or {}).get("date")
    if not picked or submission.kind != "photos":
        _ask_again(ctx, submission, HINTS["draft_date"] if state == "draft_date" else None)
        return
    day = date.fromisoformat(picked)
    submission.version().activity_date = day
    if state == "draft_date":
        ask_description(ctx, submission)
    else:
        _ask_again(ctx, submission, DATE_CHANGED.format(day=thai_date(day)))


def _draft_action(ctx: EventContext, submission: Submission, verb: str) -> None:
    if verb == "resume":
        pending = ctx.conversation().data.get("pending_file")
        if pending:
            conv = ctx.conversation()
            ctx.set_state(conv.state, **{k: v for k, v in conv.data.items() if k != "pending_file"})
        _ask_again(ctx, submission, FILE_SET_ASIDE.format(name=pending["name"]) if pending else None)
    elif verb in ("cancel", "switch"):
        pending = ctx.conversation().data.get("pending_file") if verb == "switch" else None
        _leave(ctx, submission, announce=pending is None)
        if pending:
            _start_document(ctx, pending, None)
    elif verb == "edit":
        choices = [("ชื่อเรื่อง", "edit_title"), ("รายละเอียด", "edit_desc"), ("หมวด", "edit_cat")]
        if submission.kind == "document":
            choices.append((g.REPLACE_FILE, "edit_file"))
        if submission.kind == "photos":
            choices.append(("วันที่", "edit_date"))
        ctx.reply(messages.text(ASK_PART, [
            messages.quick(messages.postback_action(label, postback.encode("draft", d=submission.id, a=verb_),
                                                    label if label == g.REPLACE_FILE else f"แก้ไข{label}"))
            for label, verb_ in choices]))
    elif verb == "edit_title":
        _ask(ctx, submission, "draft_title", editing=True)
    elif verb == "edit_desc":
        ask_description(ctx, submission)
    elif verb == "edit_cat":
        ask_category(ctx, submission)
    elif verb == "edit_date":
        ask_date(ctx, submission)
    elif verb == "edit_file":
        _goto(ctx, "draft_confirm", submission)
        ctx.reply(messages.text(SEND_NEW_FILE, [_tap(GO_ON, submission, "resume")]))
    elif verb == "submit":
        _submit(ctx, submission)
    else:
        _old_card(ctx)


def _leave(ctx: EventContext, submission: Submission, *, announce: bool) -> None:
    """Cancel the draft (a correction is only paused: the item stays returned)."""
    title = _title(submission)
    if submission.status != "returned":
        submissions.cancel(ctx.session, submission, ctx.person, ctx.now, ctx.event_id)
    ctx.set_state("idle")
    if announce:
        ctx.reply(messages.text(PAUSED if submission.status == "returned" else CANCELLED.format(title=title)))


def _submit(ctx: EventContext, submission: Submission) -> None:
    missing = submissions.missing_for_submit(ctx.session, submission, ctx.now)
    if missing:
        ctx.reply(messages.text(NOT_YET.format(missing=", ".join(missing))))
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


def _check(ctx: EventContext) -> Postback | MessageEvent | None:
    """The draft's taps (the postback), and messages: a file or photo, or any message while a
    draft is open (the event itself)."""
    if not user_in_chat(ctx):
        return None
    event = ctx.event
    if isinstance(event, MessageEvent):
        if isinstance(event.message, (FileMessageContent, ImageMessageContent)) \
                or ctx.chat_state().state.startswith("draft_"):
            return event
        return None
    tap = ctx.postback
    return tap if tap is not None and tap.action in DRAFT_POSTBACKS else None


def _handle(ctx: EventContext, found: Postback | MessageEvent) -> None:
    if isinstance(found, Postback):
        on_postback(ctx, *found)
    elif isinstance(found.message, FileMessageContent):
        on_file(ctx, found.message)
    elif isinstance(found.message, ImageMessageContent):
        on_image(ctx, found.message)
    elif (submission := _draft(ctx)) is None:
        ctx.row.outcome = "ignored"
    elif (text := text_of(ctx)) is not None:
        on_text(ctx, submission, text)
    else:  # a sticker, a location...: the question again, with its buttons
        ctx.row.outcome = "unexpected"
        state = ctx.conversation().state
        _ask_again(ctx, submission, NOT_TEXT if state in ("draft_title", "draft_description") else HINTS.get(state))


HANDLER = Handler("submit", _check, _handle)
