"""รายการของฉัน: the submitter's items with their state, withdraw, and correcting a returned item."""

from __future__ import annotations

from sqlalchemy import select

from bot.publishing import procedure
from bot.publishing.addresses import links
from bot.spine import messages, postback
from bot.spine.context import EventContext
from bot.spine.postback import Postback
from bot.thai import glossary as g
from bot.workflow import cards, machine, notify, submissions
from bot.workflow.events import refusal
from handlers.common import refuse_tap, user_in_chat
from handlers.router import Handler
from handlers.submit import show_confirmation
from models import Submission

HIDDEN = ("cancelled", "expired")


def _public_url(ctx: EventContext):
    urls = links(ctx.config)

    def url(submission: Submission) -> str | None:
        publication = procedure.publication_of(ctx.session, submission.id)
        return urls.item(publication.id) if publication else None

    return url


def my_list(ctx: EventContext) -> None:
    """รายการของฉัน, tapped or typed (handlers/commands.py)."""
    items = ctx.session.scalars(
        select(Submission).where(Submission.submitter_id == ctx.person.id, Submission.status.not_in(HIDDEN))
        .order_by(Submission.updated_at.desc(), Submission.id.desc()).limit(10)).all()
    if not items:
        ctx.reply(messages.text("ยังไม่มีเรื่องที่ส่งค่ะ ส่งไฟล์หรือภาพมาได้เลย"))
        return
    ctx.reply(cards.my_items(ctx.session, list(items), _public_url(ctx)))


def _item(ctx: EventContext, params: dict) -> Submission | None:
    """The tapped item, if it is this channel's office's: another office's id is unknown here."""
    try:
        submission = ctx.session.get(Submission, postback.int_param(params, "s"))
    except postback.PayloadError:
        return None
    return submission if submission is not None and submission.office_id == ctx.office_id else None


def _revise(ctx: EventContext, submission: Submission) -> None:
    if submission.status != "returned":
        refuse_tap(ctx, f"เรื่องนี้อยู่ในสถานะ \"{cards.state_words(ctx.session, submission)}\" "
                   "จึงแก้ไขไม่ได้ค่ะ", "not_returned", submission_id=submission.id)
        return
    conv = ctx.conversation()
    if not (conv.state.startswith("draft_") and conv.data.get("submission_id") == submission.id):
        submissions.new_version(ctx.session, submission, ctx.now)
    nm = cards.numerals(ctx.session, submission.office_id)
    ctx.reply(messages.text(f"{g.REVISE} เรื่อง #{nm.n(submission.id)} ({g.VERSION} {nm.n(submission.current_version)})\n"
                            f"แตะ \"{g.EDIT}\" บนการ์ดด้านล่างเพื่อเลือกส่วนที่จะแก้ "
                            "หรือส่งไฟล์ใหม่มาได้เลยค่ะ"))
    show_confirmation(ctx, submission)


def _check(ctx: EventContext) -> Postback | None:
    tap = ctx.postback
    return tap if user_in_chat(ctx) and tap is not None and tap.action == "mine" else None


def _handle(ctx: EventContext, tap: Postback) -> None:
    params = tap.params
    submission = _item(ctx, params)
    if submission is None or submission.submitter_id != ctx.person.id:
        # the same answer either way: a stranger's item is not confirmed to exist
        refuse_tap(ctx, "ไม่พบเรื่องนี้ในเรื่องที่ท่านส่งค่ะ", "not_owner" if submission else "unknown",
                   submission_id=submission.id if submission else None)
        return
    if params.get("a") == "withdraw":
        happened = machine.withdraw(ctx.session, submission, ctx.person, ctx.now, ctx.event_id)
        answer = notify.dispatch(ctx.session, happened, config=ctx.config, event_id=ctx.event_id)
        if ctx.conversation().data.get("submission_id") == submission.id:
            ctx.set_state("idle")
        if refusal(happened):
            ctx.row.outcome = "refused"
        ctx.reply(messages.text(answer))
    else:  # "revise": bot.spine.postback lets no other button through
        _revise(ctx, submission)


HANDLER = Handler("mine", _check, _handle)
