"""A user unsends a photo or file: the core decides what happens to it (bot/workflow/unsend.py)."""

from __future__ import annotations

from linebot.v3.webhooks import UnsendEvent

from bot.spine.context import EventContext
from bot.workflow.unsend import unsend
from handlers.common import user_in_chat
from handlers.router import Handler


def _check(ctx: EventContext) -> str | None:
    """The unsent message's id."""
    return ctx.event.unsend.message_id if isinstance(ctx.event, UnsendEvent) and user_in_chat(ctx) else None


def _handle(ctx: EventContext, message_id: str) -> None:
    unsend(ctx.session, ctx.person, message_id, line_user_id=ctx.user_id, event_id=ctx.event_id)


HANDLER = Handler("unsend", _check, _handle)
