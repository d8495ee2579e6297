"""Waking a resting loop at once instead of after its poll: the sender threads when this
process has just committed outbox rows, the handler stage when an event was recorded.

A wake is never lost: one given while every thread is busy is kept until one next goes idle.
Across processes, PostgreSQL NOTIFY rings the handler stage (`listen`); the outbox has no bell
between processes and its poll covers that.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from models import OutboxMessage

log = logging.getLogger("prakat.wake")


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


def listen(conninfo: str, channel: str, waker: Waker, stop: threading.Event) -> None:
    """Ring `waker` on every NOTIFY of `channel` until `stop`; reconnects after a lost connection."""
    import psycopg  # PostgreSQL only: SQLite deployments never load the driver

    backoff = 0.5
    while not stop.is_set():
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(f"LISTEN {channel}")
                backoff = 0.5
                waker.wake()  # whatever was recorded while we were not listening
                while not stop.is_set():
                    for _ in conn.notifies(timeout=1.0, stop_after=1):
                        waker.wake()
        except psycopg.Error as exc:
            log.warning("listening for %s failed (%s); retrying in %.1fs", channel,
                        type(exc).__name__, backoff)
            waker.wake()
            stop.wait(backoff)
            backoff = min(backoff * 2, 10.0)
