"""Waking a waiting loop at once: in-process by a doorbell, across processes by PostgreSQL NOTIFY.

The handler stage and the outbox sender wait on a Waker between polls, so an event recorded in
the same process (or NOTIFYed by a web process on PostgreSQL) is handled while its reply token is
fresh, without a tight poll. On SQLite across processes there is no bell: the short poll is it.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("prakat.wake")


class Waker:
    def __init__(self) -> None:
        self._bell = threading.Event()

    def ring(self) -> None:
        self._bell.set()

    def wait(self, timeout: float) -> bool:
        """Sleep until rung or `timeout`; a ring before the wait is not lost."""
        rung = self._bell.wait(timeout)
        self._bell.clear()
        return rung


def listen(conninfo: str, channel: str, waker: Waker, stop: threading.Event) -> None:
    """Ring `waker` on every NOTIFY of `channel` until `stop`; reconnects after a lost connection."""
    import psycopg  # PostgreSQL only: SQLite deployments never load the driver

    backoff = 0.5
    while not stop.is_set():
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(f"LISTEN {channel}")
                backoff = 0.5
                waker.ring()  # whatever was recorded while we were not listening
                while not stop.is_set():
                    for _ in conn.notifies(timeout=1.0, stop_after=1):
                        waker.ring()
        except psycopg.Error as exc:
            log.warning("listening for %s failed (%s); retrying in %.1fs", channel,
                        type(exc).__name__, backoff)
            waker.ring()
            stop.wait(backoff)
            backoff = min(backoff * 2, 10.0)
