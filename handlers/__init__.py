"""Conversation handlers: they translate chat into calls on the core (bot/), never hold rules."""

from handlers import decide, enrol, feedback, group, help, mine, publish, submit, unsend
from handlers.router import Handler, Router


def build_router() -> Router:
    """The registry, in order: the first handler whose check claims the event handles it.

    A step waiting for typed text (a Prompt) sits where its conversation's handler sits, so it
    takes precedence over the same texts exactly as before."""
    handlers: list[Handler] = [
        group.HANDLER,
        enrol.HANDLER,
        help.INVALID,
        unsend.HANDLER,
        decide.REASON_HANDLER,
        decide.HANDLER,
        mine.HANDLER,
        submit.HANDLER,
        publish.REASON_HANDLER,
        publish.HANDLER,
        feedback.ANSWER_HANDLER,
        feedback.HANDLER,
        help.HANDLER,
        help.FALLBACK,
    ]
    return Router(handlers)
