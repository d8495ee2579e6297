"""The handler stage: take recorded events, decide, write the effects — one transaction each.

A chat's events are handled one at a time in timestamp order: the transaction that handles an
event holds its chat (an advisory lock on PostgreSQL; SQLite has one writer at a time anyway) and
takes only the chat's earliest pending event, so a user's second message never overtakes the
first, while other chats go on in other threads and processes. Nothing is "claimed" between
transactions: a process killed mid-event leaves its event pending for the next one.

Two kinds of failure, kept apart:
- a database fault (the transaction could not finish: locked, cut, restarted) leaves the event
  pending and it is retried with back-off until it goes through — the user is not told anything
  is wrong, because nothing is lost;
- a handler bug rolls back to a savepoint, the event is marked `error`, the user gets one
  apology, and it is never retried in a loop; a bug outside the handler (the SDK's parser, the
  stage) ends the event the same way, in a transaction of its own, so it never blocks its chat.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from linebot.v3.models.events import UnknownEvent
from linebot.v3.webhooks import Event
from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.spine import messages, outbox
from bot.spine.config import Config
from bot.spine.context import EventContext
from bot.spine.db import DATABASE_FAULTS
from bot.spine.waker import Waker
from models import InboundEvent, utcnow

log = logging.getLogger("prakat.stage")

Dispatch = Callable[[EventContext], None]

PENDING = text("inbound_events.outcome = 'pending'")  # a literal, so the partial index is used
CANDIDATES = 20
CHAT_LOCK_SPACE = 0x50524B  # "PRK": advisory locks of chats, apart from the scheduler's
RETRY_CAP_SECONDS = 60.0


def _parse(payload: dict) -> object | None:
    """The SDK's model of the event; None when it does not fit one (a known type with wrong
    fields, or an unknown type whose source is not LINE's: UnknownEvent validates that too)."""
    try:
        if Event.get_discriminator_value(payload) is None:
            return UnknownEvent.new_from_json_dict(payload)  # a type this SDK does not know: ignored
        return Event.from_dict(payload)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


class Stage:
    def __init__(self, factory: sessionmaker[Session], config: Config, dispatch: Dispatch, *,
                 read_factory: sessionmaker[Session] | None = None,
                 now: Callable[[], datetime] = utcnow):
        self.factory = factory
        self.read_factory = read_factory or factory
        self.config = config
        self.dispatch = dispatch
        self.now = now
        self.postgres = factory.kw["bind"].dialect.name == "postgresql"
        self.retry_for = timedelta(seconds=config.event_retry_seconds)
        self.last_office = 0  # the office of the event this stage handled last (0: none)

    # --- one event -----------------------------------------------------------------------------
    def _next_office(self):
        """The first office after the one this stage served last that has a pending event,
        wrapping round (NULL when only events of no office are pending): two index seeks
        (ix_inbound_events_pending_office), whatever the backlog."""
        first = select(func.min(InboundEvent.office_id)).where(PENDING)
        return func.coalesce(first.where(InboundEvent.office_id > self.last_office).scalar_subquery(),
                             first.scalar_subquery())

    def _due(self, session: Session, now: datetime) -> list[tuple[int, str]]:
        """Due events, offices in turns (round robin): the next office's oldest, in one
        statement, else the deployment's oldest. Oldest-first over the whole deployment would
        let one office's burst hold up every other office's events until it is all handled."""
        found = session.execute(self._due_query(now).where(InboundEvent.office_id == self._next_office())
                                .order_by(InboundEvent.id).limit(CANDIDATES)).all()
        return found or self._oldest(session, now)

    def _oldest(self, session: Session, now: datetime) -> list[tuple[int, str]]:
        return session.execute(self._due_query(now).order_by(InboundEvent.id).limit(CANDIDATES)).all()

    @staticmethod
    def _due_query(now: datetime):
        return select(InboundEvent.id, InboundEvent.chat_key).where(PENDING).where(
            or_(InboundEvent.next_attempt_at.is_(None), InboundEvent.next_attempt_at <= now))

    def _candidates(self, session: Session, now: datetime, due: list[tuple[int, str]]):
        """The office's candidates, then, only if none of their chats was free, the oldest."""
        yield from due
        yield from self._oldest(session, now)

    def _hold_chat(self, session: Session, chat_key: str) -> bool:
        if not self.postgres:
            return True  # SQLite: this transaction is the only writer
        return bool(session.scalar(select(func.pg_try_advisory_xact_lock(
            CHAT_LOCK_SPACE, func.hashtext(chat_key)))))

    def _earliest(self, session: Session, chat_key: str) -> InboundEvent | None:
        return session.scalars(
            select(InboundEvent).where(PENDING, InboundEvent.chat_key == chat_key)
            .order_by(InboundEvent.timestamp_ms, InboundEvent.id).limit(1).with_for_update()
        ).first()

    def handle_one(self) -> bool:
        """Handle the next event whose chat is free; False when there is none."""
        now = self.now()
        if not self.postgres:
            with self.read_factory() as peek:  # SQLite: no write lock while there is nothing to do
                due = self._due(peek, now)
            if not due:
                return False
        event_id = None
        try:
            with self.factory() as session, session.begin():
                if self.postgres:  # a transaction takes no lock until it locks: look inside it
                    due = self._due(session, now)
                tried: set[str] = set()
                for _, chat_key in self._candidates(session, now, due):
                    if chat_key in tried or not self._hold_chat(session, chat_key):
                        continue
                    tried.add(chat_key)
                    row = self._earliest(session, chat_key)
                    if row is None or (row.next_attempt_at and row.next_attempt_at > now):
                        continue  # handled meanwhile, or the chat's first event is waiting
                    event_id = row.id
                    self.last_office = row.office_id or 0
                    self._handle(session, row, now)
                    break
                else:
                    return False
        except DATABASE_FAULTS as exc:
            if event_id is not None:
                self._retry_later(event_id, exc)
            raise
        except Exception as exc:
            if event_id is None:
                raise
            # Outside the handler's savepoint (the parser, the stage itself): left pending, this
            # event would be taken first again on every pass and block every chat.
            log.exception("event %s: the stage failed outside its handler", event_id)
            self._give_up(event_id, exc)
        return True  # its outbox rows woke the senders at commit (bot/spine/waker.py)

    def _handle(self, session: Session, row: InboundEvent, now: datetime) -> None:
        row.attempts += 1
        row.handled_at = now
        if now - row.received_at > self.retry_for:
            self._fail(session, row, "gave up: the database kept failing")
            return
        event = _parse(row.payload)
        if event is None:
            row.outcome = "invalid"
            log.warning("event %s refused: its fields do not fit LINE's model", row.webhook_event_id)
            return
        row.outcome = "handled"
        ctx = EventContext(session=session, config=self.config, event=event, raw=row.payload,
                           row=row, now=now)
        try:
            with session.begin_nested():
                self.dispatch(ctx)
                ctx.flush_replies()
        except DATABASE_FAULTS:
            raise
        except Exception as exc:
            log.exception("event %s handler failed", row.webhook_event_id)
            self._fail(session, row, f"{type(exc).__name__}: {exc}")
            return
        log.info("event %s type=%s outcome=%s attempt=%s", row.webhook_event_id, row.type,
                 row.outcome, row.attempts)

    def _fail(self, session: Session, row: InboundEvent, error: str) -> None:
        """A handler bug: mark the event, and tell the user once (a truthful apology)."""
        row.outcome, row.last_error = "error", error[:2000]
        chat = row.group_id or row.line_user_id
        token = (row.payload or {}).get("replyToken")
        sorry = [messages.text(messages.SORRY_ERROR)]
        if chat and isinstance(token, str):
            outbox.reply(session, token, chat, sorry, office_id=row.office_id,
                         event_time=event_time(row.timestamp_ms), event_id=row.webhook_event_id,
                         window_seconds=self.config.reply_window_seconds)
        elif chat:
            outbox.push(session, chat, sorry, office_id=row.office_id, event_id=row.webhook_event_id)

    def _on_pending(self, event_id: int, change: Callable[[Session, InboundEvent], None],
                    failed: str) -> None:
        """Apply `change` to the event in a transaction of its own, if it is still pending; if
        the database is down this fails too, and the event simply stays due."""
        try:
            with self.factory() as session, session.begin():
                row = session.get(InboundEvent, event_id)
                if row is not None and row.outcome == "pending":
                    row.attempts += 1
                    change(session, row)
        except DATABASE_FAULTS:
            log.warning("event %s: %s; it stays due", event_id, failed)

    def _give_up(self, event_id: int, exc: Exception) -> None:
        """End the event as a bug: final, and the apology once."""
        def end(session: Session, row: InboundEvent) -> None:
            row.handled_at = self.now()
            self._fail(session, row, f"stage: {type(exc).__name__}: {exc}")

        self._on_pending(event_id, end, "could not end it")

    def _retry_later(self, event_id: int, exc: Exception) -> None:
        """Back off before the next try (capped, with jitter)."""
        def later(_session: Session, row: InboundEvent) -> None:
            wait = min(RETRY_CAP_SECONDS, 0.5 * 2 ** min(row.attempts, 8))
            row.next_attempt_at = self.now() + timedelta(seconds=wait * random.uniform(0.5, 1))
            row.last_error = f"database: {type(exc).__name__}"[:2000]

        self._on_pending(event_id, later, "could not schedule its retry")

    # --- loops ---------------------------------------------------------------------------------
    def run_until_idle(self, limit: int = 10_000) -> int:
        """Handle everything due now (tests, and the CLI); returns how many were handled."""
        done = 0
        while done < limit and self.handle_one():
            done += 1
        return done

    def run_forever(self, stop: threading.Event, waker: Waker, poll: float) -> None:
        faults = 0
        while not stop.is_set():
            try:
                if self.handle_one():
                    faults = 0
                    waker.wake()  # a burst: let a sibling thread take the next chat
                    continue
            except DATABASE_FAULTS as exc:
                faults += 1
                log.warning("handler stage: database fault (%s); backing off", type(exc).__name__)
                stop.wait(min(5.0, 0.05 * 2 ** faults))
                continue
            except Exception:
                log.exception("handler stage loop error")
                stop.wait(poll)
                continue
            waker.wait(poll)



def event_time(timestamp_ms: int) -> datetime:
    return datetime.fromtimestamp(timestamp_ms / 1000, UTC)


def pending_count(session: Session) -> int:
    """Events recorded and not yet handled (the bench and the tests wait for zero)."""
    return session.scalar(select(func.count()).select_from(InboundEvent).where(PENDING)) or 0
