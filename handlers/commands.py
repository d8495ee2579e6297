"""The words that work at every step, and small talk.

ยกเลิก, วิธีใช้/ช่วยเหลือ, รายการของฉัน, รออนุมัติ and the rich menu's words (typed or tapped)
are answered here whatever step the chat waits in (handlers/prompt.py `command_of`), so none of
them is ever stored as a title, a caption or a reason. After answering, the step that waits asks
its question again, with its buttons. "ยกเลิก" is the step's own (a draft asks first; a typed
reason is simply dropped).

Small talk: thanks get a short thanks. A sticker gets nothing when nothing waits, because it
usually closes a conversation ("ok 👍") and a sticker back invites another; while a step waits,
it gets that step's question again, whose buttons the sticker pushed out of sight.
"""

from __future__ import annotations

from dataclasses import dataclass

from linebot.v3.webhooks import MessageEvent, StickerMessageContent

from bot.office.org import roles_of
from bot.spine import messages
from bot.spine.context import EventContext
from handlers import decide, mine, submit
from handlers.common import THANKS_BACK, is_thanks, text_of, user_in_chat
from handlers.help import help_text
from handlers.prompt import Steps, command_of
from handlers.router import Handler

NOTHING_TO_CANCEL = "ตอนนี้ไม่มีเรื่องที่กำลังทำอยู่ค่ะ ส่งไฟล์หรือภาพมาเพื่อเริ่มเรื่องใหม่ได้เลย"
NEW_ITEM = ("doc", "photos", "news")


@dataclass(frozen=True)
class Command:
    key: str  # cancel | help | mine | pending | doc | photos | news


def _check(ctx: EventContext) -> Command | None:
    if not user_in_chat(ctx):
        return None
    tap = ctx.postback
    if tap is not None:
        return Command(tap.params["m"]) if tap.action == "menu" else None
    key = command_of(text_of(ctx)) if isinstance(ctx.event, MessageEvent) else None
    return Command(key) if key else None


def commands(steps: Steps) -> Handler:
    """The handler for the command words, over every declared step."""

    def handle(ctx: EventContext, command: Command) -> None:
        waiting = steps.waiting(ctx)
        key = command.key
        if key == "cancel":
            if waiting is None:
                ctx.reply(messages.text(NOTHING_TO_CANCEL))
            else:
                waiting[0].cancel(ctx, waiting[1])
            return
        if key in NEW_ITEM:
            if waiting is not None and not submit.is_draft_step(waiting[0]):
                waiting[0].cancel(ctx, waiting[1])  # a typed reason must not catch the new item's title
            submit.on_menu(ctx, key)
            return
        if key == "help":
            ctx.reply(messages.text(help_text(roles_of(ctx.session, ctx.person))))
        elif key == "mine":
            mine.my_list(ctx)
        else:
            decide.pending_list(ctx)
        if waiting is not None:
            waiting[0].ask(ctx, waiting[1])

    return Handler("commands", _check, handle)


def _small_talk_check(ctx: EventContext) -> str | None:
    """Thanks, or a sticker, that no step took as its answer."""
    if not user_in_chat(ctx) or not isinstance(ctx.event, MessageEvent):
        return None
    if isinstance(ctx.event.message, StickerMessageContent):
        return "sticker"
    return "thanks" if is_thanks(text_of(ctx)) else None


def small_talk(steps: Steps) -> Handler:
    def handle(ctx: EventContext, kind: str) -> None:
        waiting = steps.waiting(ctx)
        if kind == "thanks":
            ctx.reply(messages.text(THANKS_BACK))
        elif waiting is None:
            ctx.row.outcome = "ignored"
        if waiting is not None:
            waiting[0].ask(ctx, waiting[1])

    return Handler("small_talk", _small_talk_check, handle)
