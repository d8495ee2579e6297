"""What a handler gets for one LINE event: the transaction, who is talking, and a reply buffer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from linebot.v3.webhooks import PostbackEvent
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.spine import outbox
from bot.spine.config import Config
from bot.spine.db import insert_ignoring_conflicts
from bot.spine.postback import Postback, parse
from models import Conversation, InboundEvent, Person

_UNREAD = object()


@dataclass(frozen=True)
class ChatState:
    """The user's chat state as read without a lock: enough to tell whose event it is, never to
    change it (a handler that changes state locks the row with `EventContext.conversation`)."""

    state: str
    data: dict
    updated_at: datetime | None


IDLE = ChatState("idle", {}, None)


@dataclass
class EventContext:
    session: Session
    config: Config
    event: object  # a linebot.v3.webhooks event model
    raw: dict
    row: InboundEvent
    now: datetime
    person: Person | None = None
    _replies: list[dict] = field(default_factory=list)
    _conversation: Conversation | None = None
    _postback: object = _UNREAD
    _chat_state: ChatState | None = None

    @property
    def event_id(self) -> str:
        return self.row.webhook_event_id

    @property
    def user_id(self) -> str | None:
        return self.row.line_user_id

    @property
    def chat_id(self) -> str | None:
        """Where answers go: the group for group events, else the user."""
        return self.row.group_id or self.row.line_user_id

    @property
    def event_time(self) -> datetime:
        return datetime.fromtimestamp(self.row.timestamp_ms / 1000, UTC)

    @property
    def office_id(self) -> int | None:
        """The office whose channel the event came in on (never the person's: a stranger to
        this office has none here, and every answer goes with this office's token)."""
        return self.row.office_id

    @property
    def conversation_office(self) -> int:
        return self.row.office_id or 0

    def reply(self, *messages: dict) -> None:
        """Buffer messages for this event's single reply (sent as one outbox row at the end)."""
        self._replies.extend(messages)

    def push(self, to: str, *messages: dict, purpose: str | None = None) -> None:
        outbox.push(self.session, to, list(messages), office_id=self.office_id,
                    purpose=purpose, event_id=self.event_id)

    @property
    def postback(self) -> Postback | None:
        """The tapped postback, decoded once per event; action "invalid" for data we never wrote."""
        if self._postback is _UNREAD:
            self._postback = (parse(self.event.postback.data)
                              if isinstance(self.event, PostbackEvent) else None)
        return self._postback

    def chat_state(self) -> ChatState:
        """Where this user's conversation stands, read only: no row is created, nothing locked."""
        if self._conversation is not None:  # already locked (and maybe changed) by this event
            conv = self._conversation
            return ChatState(conv.state, dict(conv.data or {}), conv.updated_at)
        if self._chat_state is None:
            row = self.session.execute(
                select(Conversation.state, Conversation.data, Conversation.updated_at)
                .where(Conversation.office_id == self.conversation_office,
                       Conversation.line_user_id == self.user_id)).first() if self.user_id else None
            self._chat_state = ChatState(row.state, dict(row.data or {}), row.updated_at) if row else IDLE
        return self._chat_state

    def conversation(self) -> Conversation:
        """The user's chat state, locked for the rest of this transaction."""
        if self._conversation is None:
            locked = (select(Conversation).where(Conversation.office_id == self.conversation_office,
                                                 Conversation.line_user_id == self.user_id)
                      .with_for_update().execution_options(populate_existing=True))
            self._conversation = self.session.scalars(locked).first()
            if self._conversation is None:
                # Create-if-missing without a race (two first events at once), then lock the row.
                # Only then: SQLAlchemy compiles an ON CONFLICT insert anew every time.
                self.session.execute(insert_ignoring_conflicts(
                    self.session, Conversation, office_id=self.conversation_office,
                    line_user_id=self.user_id, state="idle", data={},
                    updated_at=self.now))
                self._conversation = self.session.scalars(locked).one()
        return self._conversation

    def set_state(self, state: str, **data) -> None:
        conv = self.conversation()
        conv.state, conv.data, conv.updated_at = state, dict(data), self.now

    def flush_replies(self) -> None:
        token = getattr(self.event, "reply_token", None)
        if not self._replies:
            return
        if token and self.chat_id:
            outbox.reply(self.session, token, self.chat_id, self._replies,
                         event_time=self.event_time, window_seconds=self.config.reply_window_seconds,
                         office_id=self.office_id, event_id=self.event_id)
        elif self.chat_id:
            outbox.push(self.session, self.chat_id, self._replies, office_id=self.office_id,
                        event_id=self.event_id)
        self._replies = []
