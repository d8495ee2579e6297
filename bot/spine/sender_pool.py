"""Several sender threads in one process, so one slow LINE call does not hold up every chat.

Each thread runs a `Sender` of its own (its own worker name, so a lease names the thread that
holds it) claiming small batches (`POOL_BATCH`): a batch is sent one row after another, so a small
one keeps rows from waiting behind a slow call while another thread is idle, and keeps every
lease longer than its batch can take. Per-chat order does not depend on the threads: it is in the
claim (bot/spine/claims.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from bot.spine.sender import Sender
from bot.spine.waker import Waker

# Rows one thread claims at a time: 4 calls at LINE's 10-second timeout fit in the 60-second lease.
POOL_BATCH = 4


class SenderPool:
    """Runs each of `senders` in a thread until stopped; they rest on, and are woken by, `waker`."""

    def __init__(self, senders: Sequence[Sender], *, poll: float, waker: Waker,
                 stop: threading.Event | None = None, name: str = "outbox-sender"):
        self.senders, self.poll, self.waker, self.name = list(senders), poll, waker, name
        self.stop_event = stop or threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> SenderPool:
        for n, sender in enumerate(self.senders):
            thread = threading.Thread(target=sender.run_forever, args=(self.stop_event, self.poll),
                                      name=f"{self.name}-{n}", daemon=True)
            thread.start()
            self.threads.append(thread)
        self.waker.wake()  # what is already due goes now, not after a poll
        return self

    def stop(self, timeout: float = 15.0) -> None:
        """Let each thread finish the batch it holds (bounded by `timeout`), then return."""
        self.stop_event.set()
        self.waker.wake_all()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
