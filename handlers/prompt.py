"""One way to ask for typed text ("type your reason / title / feedback"), declared per step.

Each step that waits for a typed answer is a `Prompt`, the way a ConversationHandler declares its
states: the conversation state it waits in, what to do with the answer, and what to tell the user
when they cancel or answer too late. Every prompt shares one set of cancel words, the help words
(which are never taken as an answer) and the default timeout, so "cancel" means the same at every
step and a text typed days later never becomes a formal decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from linebot.v3.webhooks import MessageEvent

from bot.spine import messages
from bot.spine.context import EventContext
from handlers.common import is_help_word, text_of, user_in_chat
from handlers.router import Handler

PROMPT_WAIT = timedelta(minutes=15)
PROMPT_EXPIRED = "คำขอให้พิมพ์ข้อความหมดเวลาแล้วค่ะ กรุณากดปุ่มบนการ์ดอีกครั้ง"
CANCEL_WORDS = frozenset({"ยกเลิก", "cancel"})

# (ctx, the data the prompt was asked with, the typed text); the chat is idle again by then,
# so a step that wants another try asks again with `Prompt.ask`.
OnAnswer = Callable[[EventContext, dict, str], None]


def is_cancel_word(text: str) -> bool:
    return text.strip().lower() in CANCEL_WORDS


@dataclass(frozen=True)
class Answer:
    """What a prompt's check parsed: the typed text, or None for a message that is not text."""

    text: str | None


@dataclass(frozen=True)
class Prompt:
    state: str
    on_answer: OnAnswer
    cancelled: str  # told when the user cancels
    expired: str = PROMPT_EXPIRED  # told when the answer comes after `wait`
    wait: timedelta = PROMPT_WAIT
    not_text: str | None = None  # if set, a sticker or photo gets this and the prompt keeps waiting

    def ask(self, ctx: EventContext, **data) -> None:
        """Wait for the answer in this step's state; `data` comes back to `on_answer`."""
        ctx.set_state(self.state, **data)

    def check(self, ctx: EventContext) -> Answer | None:
        if not user_in_chat(ctx) or not isinstance(ctx.event, MessageEvent):
            return None
        text = text_of(ctx)
        if (text is None and self.not_text is None) or (text is not None and is_help_word(text)):
            return None
        if ctx.chat_state().state != self.state:
            return None
        return Answer(text)

    def handle(self, ctx: EventContext, answer: Answer) -> None:
        conversation = ctx.conversation()  # locked from here on
        if conversation.state != self.state:
            # Another event of this user's answered the prompt between the check and the lock.
            ctx.row.outcome = "stale"
            return
        data = dict(conversation.data or {})
        if ctx.now - conversation.updated_at > self.wait:
            ctx.set_state("idle")
            ctx.reply(messages.text(self.expired))
            return
        if answer.text is None:
            ctx.reply(messages.text(self.not_text))
            return
        ctx.set_state("idle")
        if is_cancel_word(answer.text):
            ctx.reply(messages.text(self.cancelled))
            return
        self.on_answer(ctx, data, answer.text)

    def handler(self, name: str) -> Handler:
        return Handler(name, self.check, self.handle)
