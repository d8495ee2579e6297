"""Waking idle sender threads when this process has just committed outbox rows.

Without it a row written by the webhook waits up to `OUTBOX_POLL_SECONDS` for a sender to look.
A wake is never lost: one given while every sender is busy is kept until a sender next goes idle.
Other processes still find new rows by polling (a wake does not cross processes).
"""

from __future__ import annotations

import threading

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from models import OutboxMessage


class Waker:
    """Each wake rouses one idle sender; `wake_all` is for stopping.

    A wake given while no sender waits is kept (one, not a count): busy senders claim again
    anyway when they finish, so only the next one to go idle needs telling.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._pending = False

    def wake(self) -> None:
        with self._cond:
            self._pending = True
            self._cond.notify()

    def wake_all(self) -> None:
        with self._cond:
            self._pending = True
            self._cond.notify_all()

    def wait(self, timeout: float) -> bool:
        """Rest up to `timeout` seconds; True if a wake was kept or came meanwhile."""
        with self._cond:
            if not self._pending:
                self._cond.wait(timeout)
            woken, self._pending = self._pending, False
            return woken


def wake_on_commit(factory: sessionmaker[Session], waker: Waker) -> None:
    """Every session of `factory` that commits new outbox rows wakes a sender."""
    wrote = ("prakat_wrote_outbox", id(waker))  # one mark per waker: each hook clears its own

    @event.listens_for(factory, "before_flush")
    def _note(session: Session, _flush_context, _instances) -> None:
        if any(isinstance(obj, OutboxMessage) for obj in session.new):
            session.info[wrote] = True

    @event.listens_for(factory, "after_commit")
    def _wake(session: Session) -> None:
        if session.info.pop(wrote, False):
            waker.wake()

    @event.listens_for(factory, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(wrote, None)
