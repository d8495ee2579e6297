"""Conversation handlers: they translate chat into calls on the core (bot/), never hold rules."""

from handlers.router import Handler, Router


def build_router() -> Router:
    """The registry, in order: the first handler whose check says yes handles the event."""
    from handlers import decide, enrol, feedback, group, help, mine, publish, submit, unsend

    handlers: list[Handler] = [
        group.HANDLER,
        enrol.HANDLER,
        help.INVALID,
        unsend.HANDLER,
        decide.HANDLER,
        mine.HANDLER,
        submit.HANDLER,
        publish.HANDLER,
        feedback.HANDLER,
        help.HANDLER,
        help.FALLBACK,
    ]
    return Router(handlers)
