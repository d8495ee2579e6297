"""One way to ask and to wait, declared per step; and the commands that work at every step.

Each place where the bot waits for this user is a `Step`: the conversation state it waits in,
how to ask its question again (with its buttons, on the message that asks), and what cancelling
it means. A step that waits for typed text is a `Prompt`, the way a ConversationHandler declares
its states: what to do with the answer, and what to tell the user when they cancel or answer too
late. The command words (`command_of`: cancel, help, the rich-menu words) are never taken as an
answer to any step: handlers/commands.py answers them, whatever the step, and asks the step's
question again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from linebot.v3.webhooks import MessageEvent

from bot.office.richmenus import MENUS
from bot.spine import messages
from bot.spine.context import EventContext
from handlers.common import HELP_WORDS, text_of, user_in_chat
from handlers.router import Handler

PROMPT_WAIT = timedelta(minutes=15)
PROMPT_EXPIRED = "คำขอให้พิมพ์ข้อความหมดเวลาแล้วค่ะ กรุณากดปุ่มบนการ์ดอีกครั้ง"
CANCEL_WORDS = frozenset({"ยกเลิก", "cancel"})
# A command typed politely is still the command ("ยกเลิกค่ะ"); only these endings are dropped.
POLITE_ENDINGS = ("นะคะ", "นะครับ", "ค่ะ", "คะ", "ครับ", "จ้า", "ค่า")

# The rich menu's words, typed instead of tapped, mean what the tap means (bot/office/richmenus).
MENU_WORDS = {label: key for menu in MENUS.values() for label, key in menu["buttons"]}
COMMANDS = {**{w: "cancel" for w in CANCEL_WORDS}, **{w: "help" for w in HELP_WORDS}, **MENU_WORDS}


def command_of(text: str | None) -> str | None:
    """The command a whole typed text is ("cancel", "help", or a rich-menu key: "mine",
    "pending", "doc", "photos", "news"), or None. Only the whole text counts: a title that
    starts with one of the words ("ช่วยเหลือผู้ประสบภัย") is a title."""
    if not text:
        return None
    word = " ".join(text.split()).lower()
    for ending in POLITE_ENDINGS:
        if word.endswith(ending) and word[: -len(ending)].strip() in COMMANDS:
            word = word[: -len(ending)].strip()
            break
    return COMMANDS.get(word)


def is_cancel_word(text: str) -> bool:
    return command_of(text) == "cancel"


def with_buttons(message: dict, buttons: list[dict]) -> dict:
    """`message` carrying `buttons` as its quick replies (LINE shows them under the last one)."""
    return {**message, "quickReply": {"items": buttons[:13]}} if buttons else message


# (ctx, the step's data) -> None: ask the step's question again / leave the step
StepAction = Callable[[EventContext, dict], None]


@dataclass(frozen=True)
class Step:
    """A place where the conversation waits: `ask` replies its question again, with its
    buttons; `cancel` answers "ยกเลิก" there (leaving at once, or asking first)."""

    state: str
    ask: StepAction
    cancel: StepAction
    wait: timedelta | None = None  # after this long the step no longer waits


class Steps:
    """Every declared step, by state: what the commands consult to answer "where am I"."""

    def __init__(self, steps: Iterable[Step]):
        self.by_state: dict[str, Step] = {}
        for step in steps:
            if step.state in self.by_state:
                raise ValueError(f"two steps wait in state {step.state!r}")
            self.by_state[step.state] = step

    def waiting(self, ctx: EventContext) -> tuple[Step, dict] | None:
        """The step this user's chat waits in now (and its data), or None when idle."""
        state = ctx.chat_state()
        step = self.by_state.get(state.state)
        if step is None:
            return None
        if step.wait is not None and state.updated_at is not None and ctx.now - state.updated_at > step.wait:
            return None
        return step, state.data


# (ctx, the data the prompt was asked with, the typed text); the chat is idle again by then,
# so a step that wants another try asks again with `Prompt.ask`.
OnAnswer = Callable[[EventContext, dict, str], None]
Question = Callable[[EventContext, dict], dict]


@dataclass(frozen=True)
class Answer:
    """What a prompt's check parsed: the typed text, or None for a message that is not text."""

    text: str | None


@dataclass(frozen=True)
class Prompt:
    state: str
    on_answer: OnAnswer
    cancelled: str  # told when the user cancels
    question: Question  # the message that asks (with its buttons), from the prompt's data
    expired: str = PROMPT_EXPIRED  # told when the answer comes after `wait`
    wait: timedelta = PROMPT_WAIT
    not_text: str | None = None  # if set, a sticker or photo gets this and the prompt keeps waiting

    def ask(self, ctx: EventContext, **data) -> None:
        """Wait for the answer in this step's state and ask; `data` comes back to `on_answer`."""
        ctx.set_state(self.state, **data)
        ctx.reply(self.question(ctx, data))

    def wait_again(self, ctx: EventContext, **data) -> None:
        """Keep waiting without asking (the caller says why in its own words)."""
        ctx.set_state(self.state, **data)

    def check(self, ctx: EventContext) -> Answer | None:
        if not user_in_chat(ctx) or not isinstance(ctx.event, MessageEvent):
            return None
        text = text_of(ctx)
        if (text is None and self.not_text is None) or command_of(text) is not None:
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
            ctx.reply(messages.text(self.not_text), self.question(ctx, data))
            return
        ctx.set_state("idle")
        self.on_answer(ctx, data, answer.text)

    def _cancel(self, ctx: EventContext, _data: dict) -> None:
        ctx.set_state("idle")
        ctx.reply(messages.text(self.cancelled))

    def _ask_again(self, ctx: EventContext, data: dict) -> None:
        ctx.reply(self.question(ctx, data))

    def step(self) -> Step:
        """This prompt as a step: nothing is lost by leaving it, so "ยกเลิก" leaves at once."""
        return Step(self.state, self._ask_again, self._cancel, wait=self.wait)

    def handler(self, name: str) -> Handler:
        return Handler(name, self.check, self.handle)
