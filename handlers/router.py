"""From a LINE event to the one handler that owns it.

Each handler answers two questions: is this event mine (`check`), and handle it (`handle`).
The first that says yes wins; order is the registry's order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from bot.spine.context import EventContext
from models import Person


@dataclass(frozen=True)
class Handler:
    name: str
    check: Callable[[EventContext], bool]
    handle: Callable[[EventContext], None]


class Router:
    def __init__(self, handlers: list[Handler]):
        self.handlers = handlers

    def __call__(self, ctx: EventContext) -> None:
        if ctx.user_id and ctx.person is None:
            ctx.person = ctx.session.scalars(
                select(Person).where(Person.line_user_id == ctx.user_id, Person.active.is_(True))
            ).first()
        for handler in self.handlers:
            if handler.check(ctx):
                handler.handle(ctx)
                return
        ctx.row.outcome = "ignored"
