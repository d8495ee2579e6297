"""From a LINE event to the one handler that owns it.

Each handler answers two questions, as python-telegram-bot's handlers do: is this event mine
(`check`), and handle it (`handle`). A check only reads: it returns None when the event is not
its own, or what it parsed (the postback, the answer to a pending prompt, ...), and the router
passes that to `handle`, so nothing is parsed twice and nothing is written or locked before a
handler has claimed the event. The first check that claims the event wins; order is the
registry's order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bot.spine.context import EventContext
from models import Person

Check = Callable[[EventContext], Any]
Handle = Callable[[EventContext, Any], None]


@dataclass(frozen=True)
class Handler:
    name: str
    check: Check  # None (or False) = not mine; anything else is handed to `handle`
    handle: Handle


def claimed(result: object) -> bool:
    return result is not None and result is not False


class Router:
    def __init__(self, handlers: list[Handler]):
        self.handlers = handlers

    def __call__(self, ctx: EventContext) -> None:
        if ctx.user_id and ctx.person is None and ctx.office_id is not None:
            # Only the channel's office's people: linked elsewhere is a stranger here.
            ctx.person = ctx.session.scalars(
                select(Person).where(Person.office_id == ctx.office_id,
                                     Person.line_user_id == ctx.user_id, Person.active.is_(True))
            ).first()
        for handler in self.handlers:
            result = handler.check(ctx)
            if claimed(result):
                handler.handle(ctx, result)
                return
        ctx.row.outcome = "ignored"
