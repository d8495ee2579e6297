"""Conversation handlers: they translate chat into calls on the core (bot/), never hold rules."""

from handlers import commands, decide, enrol, feedback, group, help, mine, publish, submit, unsend
from handlers.prompt import Steps
from handlers.router import Handler, Router


def build_router() -> Router:
    """The registry, in order: the first handler whose check claims the event handles it.

    The commands come before every step, so a command word is never taken as an answer; a step
    waiting for typed text (a Prompt) sits where its conversation's handler sits."""
    steps = Steps([*submit.STEPS, *decide.STEPS, *publish.STEPS, *feedback.STEPS])
    handlers: list[Handler] = [
        group.HANDLER,
        enrol.HANDLER,
        help.INVALID,
        unsend.HANDLER,
        commands.commands(steps),
        decide.REASON_HANDLER,
        decide.HANDLER,
        mine.HANDLER,
        submit.HANDLER,
        publish.REASON_HANDLER,
        publish.HANDLER,
        feedback.ANSWER_HANDLER,
        feedback.HANDLER,
        commands.small_talk(steps),
        help.FALLBACK,
    ]
    return Router(handlers)
